// A job's event stream: every event is appended to the job's log (Postgres) and then published on
// Redis. Subscribers replay the log from their cursor and continue with live events.
import type { Prisma } from '../../lib/db.js';
import { replayThenLive } from '../../lib/event-stream.js';
import { stoppable } from '../../lib/stoppable.js';
import { listen, type PubSub, topics } from '../../lib/pubsub.js';
import type { GenerationEvent as EventRow, GenerationStore } from './generation-store.js';

export const GenerationEventType = [
  'QUEUED',
  'STARTED',
  // A new stage (outline, slides, done…); its payload carries the deck once one exists.
  'STAGE',
  'OUTLINE_CHUNK',
  'OUTLINE_READY',
  'SLIDE',
  'PROGRESS',
  // Something the client should know that did not stop the job: a retry, degraded mode, a repaired reply.
  'WARNING',
  'USAGE',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;
export type GenerationEventType = (typeof GenerationEventType)[number];
const TERMINAL: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** The wire form of an event (also what goes through Redis, hence the ISO date). */
export interface GenerationEventMessage {
  jobId: string;
  seq: number;
  type: GenerationEventType;
  payload: unknown;
  createdAt: string;
}

function toMessage(row: EventRow): GenerationEventMessage {
  return { jobId: row.jobId, seq: row.seq, type: row.type as GenerationEventType, payload: row.payload, createdAt: row.createdAt.toISOString() };
}

export class GenerationEvents {
  constructor(
    private readonly store: GenerationStore,
    private readonly pubsub: PubSub,
  ) {}

  async emit(jobId: string, type: GenerationEventType, payload: Prisma.InputJsonValue = {}): Promise<GenerationEventMessage> {
    return (await this.emitMany(jobId, [{ type, payload }]))[0]!;
  }

  /** Events that are ready together: one insert, and their publishes sent at once (Redis keeps their order). */
  async emitMany(jobId: string, events: { type: GenerationEventType; payload: Prisma.InputJsonValue }[]): Promise<GenerationEventMessage[]> {
    const messages = (await this.store.appendEvents(jobId, events)).map(toMessage);
    await Promise.all(messages.map((message) => this.pubsub.publish(topics.generationEvents(jobId), message)));
    return messages;
  }

  /** Tells the worker running the job to stop (its model call is aborted at once). */
  async signalCancel(jobId: string): Promise<void> {
    await this.pubsub.publish(topics.generationControl(jobId), { type: 'CANCEL' });
  }

  onCancel(jobId: string, onCancel: () => void): Promise<() => void> {
    return listen<{ type: string }>(this.pubsub, topics.generationControl(jobId), (message) => {
      if (message.type === 'CANCEL') onCancel();
    });
  }

  async *replay(jobId: string, afterSeq: number): AsyncGenerator<GenerationEventMessage> {
    for (const row of await this.store.eventsAfter(jobId, afterSeq)) yield toMessage(row);
  }

  stream(jobId: string, afterSeq: number): AsyncIterableIterator<GenerationEventMessage> {
    return stoppable((signal) => replayThenLive<GenerationEventMessage>({
      signal,
      subscribe: (onEvent) => listen(this.pubsub, topics.generationEvents(jobId), onEvent),
      replay: async (after) => (await this.store.eventsAfter(jobId, after)).map(toMessage),
      position: (event) => event.seq,
      after: afterSeq,
      isTerminal: (event) => TERMINAL.has(event.type),
    }));
  }
}
