// Timestamps from inside the generation pipeline, to say where an event's time goes. The worker and
// the subgraphs run in the bench's own process, so it wraps a few methods of the pipeline's classes
// (their prototypes, for every instance) with timers; nothing else changes. Each wrapper costs a
// performance.now() call and an array push. Project modules are imported when `installProbes` is
// called (after the bench has fixed the environment), not at load.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { nearestRankPercentiles } from '../bench-kit.js';

/** When one event was written: emit called, its row inserted, the publish acknowledged by Redis. */
export interface EmitTiming {
  startedAt: number;
  insertedAt: number;
  publishedAt: number;
}

/** What the pipeline did while one job (or phase) ran. */
export class PipelineRecord {
  /** Outline chunks that completed a line, as the runner received them (OutlineTextCleaner.push returned text). */
  readonly outlineLinesAt: number[] = [];
  /** Each slide object, as the runner's parser completed it. */
  readonly slidesParsedAt: number[] = [];
  /** By `${jobId}:${seq}`. */
  readonly emits = new Map<string, EmitTiming>();
  /** Durations (ms) of the calls each slide makes, by call. */
  readonly calls = new Map<string, number[]>();

  duration(call: string, ms: number): void {
    const list = this.calls.get(call) ?? [];
    list.push(ms);
    this.calls.set(call, list);
  }
}

/** The record the probes write to; null between jobs. */
export const probes: { current: PipelineRecord | null } = { current: null };

/** Times `method` of `prototype` into the current record under `call`. */
function timeCalls<T extends object, K extends keyof T>(prototype: T, method: K, call: string): void {
  const original = prototype[method] as (...args: unknown[]) => Promise<unknown>;
  prototype[method] = async function (this: T, ...args: unknown[]) {
    const startedAt = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      probes.current?.duration(call, performance.now() - startedAt);
    }
  } as T[K];
}

export async function installProbes(): Promise<void> {
  const { OutlineTextCleaner } = await import('../../subgraphs/ai/outline.js');
  const { AipptStreamParser } = await import('../../subgraphs/ai/slide-stream-parser.js');
  const { GenerationEvents } = await import('../../subgraphs/ai/generation-events.js');
  const { GenerationStore } = await import('../../subgraphs/ai/generation-store.js');
  const { AgentGraphClient } = await import('../../subgraphs/ai/agent-graph-client.js');
  const { TemplateFiller } = await import('../../lib/pptist/template-filler.js');
  const { CollaborationService } = await import('../../subgraphs/decks/collaboration-service.js');
  const { DeckService } = await import('../../subgraphs/decks/deck-service.js');

  const push = OutlineTextCleaner.prototype.push;
  OutlineTextCleaner.prototype.push = function (this: InstanceType<typeof OutlineTextCleaner>, chunk: string) {
    const at = performance.now();
    const lines = push.call(this, chunk);
    if (lines) probes.current?.outlineLinesAt.push(at);
    return lines;
  };

  const parse = AipptStreamParser.prototype.push;
  AipptStreamParser.prototype.push = function (this: InstanceType<typeof AipptStreamParser>, chunk: string) {
    const at = performance.now();
    const slides = parse.call(this, chunk);
    for (let i = 0; i < slides.length; i++) probes.current?.slidesParsedAt.push(at);
    return slides;
  };

  // The insert's end is keyed by the rows it returned; emitMany then publishes those rows (emit is
  // emitMany with one event).
  const inserted = new Map<string, number>();
  const appendEvents = GenerationStore.prototype.appendEvents;
  GenerationStore.prototype.appendEvents = async function (this: InstanceType<typeof GenerationStore>, ...args: Parameters<typeof appendEvents>) {
    const rows = await appendEvents.apply(this, args);
    const at = performance.now();
    for (const row of rows) inserted.set(`${row.jobId}:${row.seq}`, at);
    return rows;
  };
  const emitMany = GenerationEvents.prototype.emitMany;
  GenerationEvents.prototype.emitMany = async function (this: InstanceType<typeof GenerationEvents>, ...args: Parameters<typeof emitMany>) {
    const startedAt = performance.now();
    const messages = await emitMany.apply(this, args);
    const publishedAt = performance.now();
    for (const message of messages) {
      const key = `${message.jobId}:${message.seq}`;
      probes.current?.emits.set(key, { startedAt, insertedAt: inserted.get(key) ?? Number.NaN, publishedAt });
      inserted.delete(key);
    }
    return messages;
  };

  timeCalls(GenerationStore.prototype, 'appendEvents', 'event insert');
  timeCalls(GenerationStore.prototype, 'updateIfUnfinished', 'job update');
  timeCalls(AgentGraphClient.prototype, 'applyOperations', 'applyDeckOperations');
  timeCalls(AgentGraphClient.prototype, 'present', 'updateDeckPresence');
  // Inside the decks subgraph: the deck's access check each of those two mutations makes first, then
  // the service call itself; the rest of their round trip is HTTP, GraphQL and the token check.
  timeCalls(DeckService.prototype, 'authorize', 'decks: authorize');
  timeCalls(CollaborationService.prototype, 'applyBatch', 'decks: applyBatch');
  timeCalls(CollaborationService.prototype, 'heartbeat', 'decks: presence heartbeat');

  const fill = TemplateFiller.prototype.fill;
  TemplateFiller.prototype.fill = function (this: InstanceType<typeof TemplateFiller>, slide) {
    const startedAt = performance.now();
    const slides = fill.call(this, slide);
    probes.current?.duration('template fill', performance.now() - startedAt);
    return slides;
  };
}

export interface ProcessPauses {
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** How late a 10 ms timer fired: the event loop busy, stopped by GC, or the process not scheduled. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** The event loop's lag is sampled this often. */
const TICK_MS = 10;

/**
 * Garbage collection and event-loop delay, counted only while watching (while jobs stream, not
 * while the bench sets them up). The delay is sampled with a timer of its own rather than
 * monitorEventLoopDelay, whose histogram counts the time it was disabled as one long delay.
 */
export class PauseWatch {
  private readonly gc: number[] = [];
  private readonly lags: number[] = [];
  private watching = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly observer = new PerformanceObserver((list) => {
    if (this.watching) for (const entry of list.getEntries()) this.gc.push(entry.duration);
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  watch(): void {
    this.watching = true;
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.lags.push(Math.max(0, now - last - TICK_MS));
      last = now;
    }, TICK_MS);
  }

  stop(): void {
    this.watching = false;
    clearInterval(this.timer);
  }

  result(): ProcessPauses {
    this.stop();
    this.observer.disconnect();
    return {
      gcCount: this.gc.length,
      gcTotalMs: this.gc.reduce((sum, ms) => sum + ms, 0),
      gcMaxMs: this.gc.reduce((max, ms) => Math.max(max, ms), 0),
      loopDelayP99Ms: nearestRankPercentiles(this.lags.length > 0 ? this.lags : [0]).p99,
      loopDelayMaxMs: this.lags.reduce((max, ms) => Math.max(max, ms), 0),
    };
  }
}
