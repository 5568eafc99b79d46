// A deck's live event stream. Applied batches are logged in Postgres (the truth) and published on
// Redis (the fast path); subscribers replay the log from their revision, then follow live batches,
// catching up from the log whenever the bus may have dropped something. Access changes and
// deletion travel on the same topic as control events (not logged).
import { replayThenLive } from '../../lib/event-stream.js';
import { subscriptionEventsDropped } from '../../lib/observability/graphql-metrics.js';
import { stoppable } from '../../lib/stoppable.js';
import type { Logger } from '../../lib/logger.js';
import { listen, type PubSub, topics } from '../../lib/pubsub.js';
import type { DeckOperation } from './deck-operations.js';
import type { BatchKind, DeckOperationBatch, OperationLogStore } from './operation-log-store.js';

export const DECK_EVENT_TYPES = ['OPERATIONS', 'RELOAD_REQUIRED', 'ACCESS_CHANGED', 'ACCESS_REVOKED', 'DECK_DELETED'] as const;
export type DeckEventType = (typeof DECK_EVENT_TYPES)[number];

/** The wire form (also what goes through Redis, hence the ISO date). */
export interface DeckEventMessage {
  deckId: string;
  type: DeckEventType;
  /** The revision this event brings the deck to; null for control events. */
  revision: number | null;
  kind?: BatchKind;
  actorId?: string | null;
  clientId?: string | null;
  batchId?: string;
  operations?: DeckOperation[];
  /** ACCESS_CHANGED: whose access changed. */
  userId?: string;
  /** RELOAD_REQUIRED: why. */
  reason?: string;
  createdAt: string;
}

export function eventFromBatch(row: DeckOperationBatch): DeckEventMessage {
  const replaced = row.kind === 'REPLACE';
  return {
    deckId: row.deckId,
    type: replaced ? 'RELOAD_REQUIRED' : 'OPERATIONS',
    revision: row.revision,
    kind: row.kind as BatchKind,
    actorId: row.actorId,
    clientId: row.clientId,
    batchId: row.batchId,
    operations: row.operations as DeckOperation[],
    ...(replaced && { reason: 'The whole document was replaced' }),
    createdAt: row.createdAt.toISOString(),
  };
}

const TERMINAL: ReadonlySet<DeckEventType> = new Set(['DECK_DELETED', 'ACCESS_REVOKED']);

export class DeckEvents {
  private readonly lossListeners = new Set<() => void>();

  constructor(
    private readonly store: OperationLogStore,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
  ) {
    // After a Redis reconnect the subscriber re-subscribes, but whatever was published meanwhile
    // is gone: every open stream reads the log from its own revision.
    let connectedBefore = false;
    this.pubsub.getSubscriber().on('ready', () => {
      if (connectedBefore) for (const notify of this.lossListeners) notify();
      connectedBefore = true;
    });
  }

  /** Publishes without making the editor wait: the log already holds the batch. */
  publish(event: DeckEventMessage): void {
    this.pubsub.publish(topics.deckEvents(event.deckId), event).catch((err: unknown) => {
      subscriptionEventsDropped.inc({ reason: 'publish_failed' });
      this.log.warn({ err, deckId: event.deckId }, 'deck event not published; subscribers catch up from the log');
    });
  }

  /**
   * Replays logged batches after `afterRevision`, then live ones. `onControl` sees control events
   * (access changes) and may turn one into a final event for this subscriber or drop it (null).
   */
  stream(deckId: string, afterRevision: number, onControl: (event: DeckEventMessage) => Promise<DeckEventMessage | null>): AsyncIterableIterator<DeckEventMessage> {
    return stoppable((signal) => this.follow(deckId, afterRevision, onControl, signal));
  }

  private async *follow(deckId: string, afterRevision: number, onControl: (event: DeckEventMessage) => Promise<DeckEventMessage | null>, signal: AbortSignal): AsyncGenerator<DeckEventMessage> {
    const events = replayThenLive<DeckEventMessage>({
      signal,
      subscribe: (onEvent) => listen(this.pubsub, topics.deckEvents(deckId), onEvent),
      replay: async (after) => (await this.store.batchesAfter(deckId, after)).map(eventFromBatch),
      position: (event) => event.revision,
      after: afterRevision,
      isTerminal: (event) => TERMINAL.has(event.type),
      onPossibleLoss: (notify) => {
        this.lossListeners.add(notify);
        return () => this.lossListeners.delete(notify);
      },
    });
    for await (const event of events) {
      if (event.type !== 'ACCESS_CHANGED') {
        yield event;
        continue;
      }
      const outcome = await onControl(event);
      if (!outcome) continue;
      yield outcome;
      if (TERMINAL.has(outcome.type)) return;
    }
  }
}
