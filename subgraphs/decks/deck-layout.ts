// Layout checks of a deck's slides (lib/pptist/layout-analysis.ts: text overflow measured with real
// font metrics, overlaps, off-canvas, small text, low contrast), on demand and in the background:
// every committed batch schedules a check of its deck, debounced, so a burst of edits — a person
// typing, the AI writing twenty slides — costs one analysis of the slides it touched, published to
// the deck's `layoutFindings` subscribers. `fix` applies the deterministic fixes as one batch.
//
// The debounce is BullMQ's: one delayed job per deck, rescheduled until the deck is quiet for
// `debounceMs`; an edit while the check runs queues exactly one follow-up. Any replica's worker may
// run it; the revision last checked lives in Redis, so no edit is missed or checked twice. A busy
// deck's edits reschedule at most twice per `debounceMs` from one process (the first edit at once,
// later ones together at the end of each half-window): fifty people typing on one deck would
// otherwise run BullMQ's scheduling script on every keystroke batch.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Viewer } from '../../lib/auth/tokens.js';
import type { Logger } from '../../lib/logger.js';
import { analyzeSlide, fixSlideLayout, type LayoutChange, type SlideAnalysis } from '../../lib/pptist/layout-analysis.js';
import type { PptistDocument } from '../../lib/pptist/document.js';
import { listen, type PubSub, topics } from '../../lib/pubsub.js';
import { inJobSpan, QueueName, queuePrefix, withTrace, type TracedJobData } from '../../lib/queues.js';
import { createRedis, type Redis } from '../../lib/redis.js';
import { mapYielding } from '../../lib/yielding-map.js';
import { inbox, stoppable } from '../../lib/stoppable.js';
import type { BatchOutcome, CollaborationService } from './collaboration-service.js';
import { targetedSlideIds } from './deck-operations.js';
import { assembleDocument } from './deck-parts.js';
import type { Deck, DeckStore } from './deck-store.js';
import type { OperationLogStore } from './operation-log-store.js';

export interface LayoutFindingsMessage {
  deckId: string;
  /** The deck revision the slides were analysed at. */
  revision: number;
  /** The slides the edits since the previous check touched (deleted ones are left out). */
  slides: SlideAnalysis[];
}

export interface LayoutFixResult {
  /** The batch's outcome; null when the slide needed no change. */
  outcome: BatchOutcome | null;
  revision: number;
  changes: LayoutChange[];
  summary: string;
}

interface CheckJob extends TracedJobData {
  deckId: string;
}

/** The revision up to which a deck's edits have been checked. */
const checkedKey = (deckId: string) => `decks:layout:checked:${deckId}`;
const CHECKED_TTL_SECONDS = 7 * 24 * 3600;

export const DEFAULT_LAYOUT_DEBOUNCE_MS = 400;

export class DeckLayout {
  /** Exposed for the process's readiness check. */
  readonly queue: Queue<CheckJob>;
  private worker: Worker<CheckJob> | null = null;
  private readonly connections: Redis[] = [];

  constructor(
    private readonly deckStore: DeckStore,
    private readonly operationLog: OperationLogStore,
    private readonly pubsub: PubSub,
    private readonly redis: Redis,
    private readonly log: Logger,
    private readonly options: { queuePrefix?: string; debounceMs?: number } = {},
  ) {
    const connection = createRedis('queue:deck-layout');
    this.connections.push(connection);
    this.queue = new Queue<CheckJob>(QueueName.deckLayout, {
      prefix: queuePrefix(options.queuePrefix),
      connection,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { age: 24 * 3600 } },
    });
  }

  /** Runs the checks in this process (every decks replica does; BullMQ gives each job to one). */
  startWorker(): void {
    const connection = createRedis('worker:deck-layout');
    this.connections.push(connection);
    this.worker = new Worker<CheckJob>(QueueName.deckLayout, (job) => inJobSpan(QueueName.deckLayout, job, () => this.check(job.data.deckId)), {
      prefix: queuePrefix(this.options.queuePrefix),
      connection,
      concurrency: 2,
    });
    this.worker.on('error', (err) => this.log.warn({ err }, 'layout queue connection error'));
  }

  /** After a committed batch: (re)schedules the deck's check `debounceMs` from now, or soon after. */
  schedule(deckId: string): void {
    const held = this.heldBack.get(deckId);
    if (held) {
      held.edited = true;
      return;
    }
    this.reschedule(deckId);
    this.holdBack(deckId);
  }

  /** Decks rescheduled within the last half-window, and whether they were edited since. */
  private readonly heldBack = new Map<string, { edited: boolean; timer: NodeJS.Timeout }>();

  private get debounceMs(): number {
    return this.options.debounceMs ?? DEFAULT_LAYOUT_DEBOUNCE_MS;
  }

  private holdBack(deckId: string): void {
    const held = {
      edited: false,
      timer: setTimeout(() => {
        this.heldBack.delete(deckId);
        if (held.edited) this.schedule(deckId);
      }, this.debounceMs / 2),
    };
    this.heldBack.set(deckId, held);
  }

  private reschedule(deckId: string): void {
    this.queue
      .add('check', withTrace({ deckId }), { delay: this.debounceMs, deduplication: { id: deckId, reschedule: true, keepLastIfActive: true } })
      .catch((err: unknown) => this.log.warn({ err, deckId }, 'could not schedule a layout check'));
  }

  /** Findings for the named slides (all when none are named), at the deck's current revision. */
  async analyze(deck: Deck, slideIds?: readonly string[]): Promise<LayoutFindingsMessage> {
    const document = await this.documentOf(deck);
    const wanted = slideIds ? new Set(slideIds) : null;
    const slides = document.document.slides.filter((slide) => !wanted || wanted.has(slide.id));
    // Slide by slide, letting edits in between: a whole deck's text measurement is tens of ms of CPU.
    const analysed = await mapYielding(slides, (slide) => analyzeSlide(slide, canvasOf(document.document)));
    return { deckId: deck.id, revision: document.revision, slides: analysed };
  }

  /**
   * One background check: the slides the batches since the last check touched, analysed and
   * published. A deck never checked before, a compacted log or a whole-document replace means
   * every slide.
   */
  async check(deckId: string): Promise<LayoutFindingsMessage | null> {
    const deck = (await this.deckStore.findByIds([deckId]))[0];
    if (!deck || deck.deletedAt) return null;
    const since = Number((await this.redis.get(checkedKey(deckId))) ?? Number.NaN);
    const batches = Number.isFinite(since) ? await this.operationLog.batchesAfter(deckId, since) : [];
    const contiguous = Number.isFinite(since) && (batches.length === 0 || batches[0]!.revision === since + 1);
    const everything = !contiguous || batches.some((batch) => batch.kind === 'REPLACE');
    const touched = new Set<string>();
    for (const batch of batches) for (const id of targetedSlideIds(batch.operations as never)) touched.add(id);
    if (!everything && touched.size === 0) return null;
    const message = await this.analyze(deck, everything ? undefined : [...touched]);
    // Nothing newer was checked meanwhile (another worker, a replayed job): never move backwards.
    await this.redis.eval(
      "local c = tonumber(redis.call('GET', KEYS[1]) or '-1') if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end return 1",
      1,
      checkedKey(deckId),
      String(message.revision),
      String(CHECKED_TTL_SECONDS),
    );
    await this.pubsub.publish(topics.deckLayout(deckId), message);
    return message;
  }

  /**
   * The findings of every slide now, then what the background checks publish: a client opening the
   * deck sees its state at once and each burst of edits after. Checks older than the first report
   * are dropped.
   */
  stream(deck: Deck): AsyncIterableIterator<LayoutFindingsMessage> {
    return stoppable((signal) => this.follow(deck, signal));
  }

  private async *follow(deck: Deck, signal: AbortSignal): AsyncGenerator<LayoutFindingsMessage> {
    const messages = inbox<LayoutFindingsMessage>(signal);
    // Listening before the first report, so no check published meanwhile is missed.
    const unsubscribe = await listen<LayoutFindingsMessage>(this.pubsub, topics.deckLayout(deck.id), (message) => messages.push(message));
    try {
      const first = await this.analyze(deck);
      yield first;
      for await (const message of messages.items()) {
        if (message.revision > first.revision) yield message;
      }
    } finally {
      unsubscribe();
    }
  }

  /**
   * The deterministic fixes for one slide (shrink text within limits, then split; move elements
   * back onto the canvas) as one batch by `viewer`, so one undo reverts them.
   */
  async fix(collaboration: CollaborationService, viewer: Viewer, deck: Deck, slideId: string, clientId: string | null): Promise<LayoutFixResult | null> {
    const { document, revision } = await this.documentOf(deck);
    const slide = document.slides.find((s) => s.id === slideId);
    if (!slide) return null;
    const canvas = canvasOf(document);
    const fix = fixSlideLayout(slide, analyzeSlide(slide, canvas).findings, { ...canvas, newId: () => randomUUID() });
    if (fix.operations.length === 0) return { outcome: null, revision, changes: [], summary: fix.summary };
    const outcome = await collaboration.applyBatch(viewer, deck, { operations: fix.operations, baseRevision: revision, clientId });
    return { outcome, revision: outcome.revision, changes: fix.changes, summary: fix.summary };
  }

  /** The deck's document at the row's revision (the caller has the row: no second read of it). */
  private async documentOf(deck: Deck): Promise<{ document: PptistDocument; revision: number }> {
    const slides = await this.deckStore.slidesOf([deck.id]);
    return { document: assembleDocument(deck, slides) as unknown as PptistDocument, revision: deck.revision };
  }

  async close(): Promise<void> {
    // Edits held back are scheduled now, so a replica that stops does not leave them unchecked.
    for (const [deckId, held] of this.heldBack) {
      clearTimeout(held.timer);
      if (held.edited) this.reschedule(deckId);
    }
    this.heldBack.clear();
    await this.worker?.close();
    await this.queue.close();
    for (const connection of this.connections) connection.disconnect();
  }
}

function canvasOf(document: PptistDocument) {
  return { width: document.width, height: document.height, theme: document.theme };
}
