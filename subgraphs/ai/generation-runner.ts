// Runs one generation job: outline, then slides, then (DECK mode) the slides written into a deck
// as ordinary deck operations while the model is still writing. Every step is idempotent so a job
// whose worker died is picked up again and finishes once:
// - the outline is stored on the job once written; a resumed outline continues from the chunks
//   already in the event log;
// - slides already in the event log are not asked for again (the model continues after them);
// - every deck slide and element id derives from (job, slide index), so a resumed run knows which
//   AI slides reached the deck before the crash and writes only the rest.
// A slide's SLIDE event goes out as soon as the slide is parsed and filled (its deck ids are known
// then); the deck write, presence and the job's progress follow on a background lane that takes
// every slide that arrived meanwhile as one batch. The job succeeds only after the lane is empty.
// A model that is down (breaker open, transient failures past the retries) is replaced by the
// offline writer for the rest of the job, and the job says so (degraded); a model that refuses the
// request (401, 400…) fails the job, since repeating it cannot help.
import type { AipptSlide } from '../../lib/pptist/aippt.js';
import type { PptistDocument, PptistSlide } from '../../lib/pptist/document.js';
import type { TemplateFiller } from '../../lib/pptist/template-filler.js';
import { JobInterrupted } from '../../lib/graceful-shutdown.js';
import { AgentGraphError } from './agent-graph-client.js';
import { recordGenerationFailure } from './generation-metrics.js';
import { outlineMessages, slidesMessages } from './generation-prompts.js';
import { DEFAULT_TEMPLATE_ID } from './generation-service.js';
import { FINISHED_STATUSES } from './generation-store.js';
import { EventChain, insertSlidesAfter, JobCancelled, JobFailure, JobSteps, type RunnerDeps, stableUuid } from './job-steps.js';
import { offlineOutline, offlineSlides } from './offline-generator.js';
import { type Outline, OutlineTextCleaner, parseOutline } from './outline.js';
import { isSlideTask, SlideTaskRun } from './slide-task-runner.js';
import { AipptStreamParser } from './slide-stream-parser.js';

export { JobFailure, type RunnerDeps, stableUuid };

/** cover + contents + a transition per chapter + a content slide per page + end. */
export function plannedSlideCount(outline: Outline): number {
  return 3 + outline.chapters.length + outline.chapters.reduce((sum, chapter) => sum + chapter.pages.length, 0);
}

export class GenerationRunner {
  constructor(private readonly deps: RunnerDeps) {}

  /**
   * `stopping` aborts when the worker shuts down: the run stops where it is, leaves the job RUNNING
   * and throws JobInterrupted, and the job goes back to the queue to be resumed by the next worker.
   */
  async run(jobId: string, stopping?: AbortSignal): Promise<void> {
    const job = await this.deps.store.findById(jobId);
    if (!job || FINISHED_STATUSES.has(job.status)) return;
    const log = this.deps.log.child({ jobId });
    const controller = new AbortController();
    const stopListening = await this.deps.events.onCancel(jobId, () => controller.abort(new JobCancelled('cancelled')));
    const interrupt = () => controller.abort(new JobInterrupted('worker stopping'));
    if (stopping?.aborted) interrupt();
    stopping?.addEventListener('abort', interrupt, { once: true });
    try {
      const run = isSlideTask(job.mode) ? new SlideTaskRun(this.deps, job, controller.signal, log) : new JobRun(this.deps, job, controller.signal, log);
      await run.execute();
    } catch (error) {
      if (controller.signal.reason instanceof JobInterrupted) {
        log.info('generation interrupted by shutdown; handing the job back to the queue');
        throw controller.signal.reason;
      }
      if (controller.signal.aborted || error instanceof JobCancelled) {
        log.info('generation cancelled');
        return;
      }
      const failure = error instanceof JobFailure ? error : error instanceof AgentGraphError ? new JobFailure(error.code, error.message) : null;
      if (!failure) log.error({ err: error }, 'generation failed');
      const code = failure?.code ?? 'GENERATION_ERROR';
      const message = failure?.message ?? 'Generation failed';
      if (await this.deps.store.updateIfUnfinished(jobId, { status: 'FAILED', stage: 'failed', error: message, errorCode: code, finishedAt: new Date() })) {
        await this.deps.events.emit(jobId, 'FAILED', { code, message });
        recordGenerationFailure(code);
      }
    } finally {
      stopping?.removeEventListener('abort', interrupt);
      stopListening();
    }
  }
}

/**
 * A slide's deck write waits this long after its SLIDE event went out. The event is what the user
 * watches: its delivery (the ai subgraph's subscription, the router, the socket) takes a few
 * milliseconds of CPU, and a deck write started at once (request, validation, a large SQL write)
 * competes with it on the same cores. Slides that arrive meanwhile share the write.
 */
const DECK_WRITE_SETTLE_MS = 10;

/** An announced AI slide on its way to the deck; `pagesDone` null for a resumed one (progress already counted). */
interface SlideWork {
  index: number;
  pptSlides: PptistSlide[];
  pagesDone: number | null;
}

interface DeckTarget {
  deckId: string;
  revision: number;
  lastSlideId: string | null;
  filler: TemplateFiller;
}

/** One execution of a job (a resumed job gets a new one); holds what the steps share. */
class JobRun extends JobSteps {
  private readonly slides: AipptSlide[] = [];
  private deck: DeckTarget | null = null;
  private idSeed = '';
  private idCounter = 0;
  private readonly agentClientId: string;
  private readonly lane = new CoalescingLane<SlideWork>((work) => this.writeSlides(work), DECK_WRITE_SETTLE_MS);
  /** The agent's presence updates, in order, off the deck-writing path (presence is decoration). */
  private presence: Promise<void> = Promise.resolve();

  constructor(...args: ConstructorParameters<typeof JobSteps>) {
    super(...args);
    this.agentClientId = `ai:${this.job.id}`;
  }

  async execute(): Promise<void> {
    const resumed = this.job.status === 'RUNNING';
    if (!(await this.deps.store.updateIfUnfinished(this.job.id, { status: 'RUNNING', startedAt: this.job.startedAt ?? new Date() }))) return;
    this.endpoint = await this.deps.models.endpoint(this.job.modelId);
    await this.emit('STARTED', { stage: this.job.stage, resumed, model: this.endpoint?.name ?? 'offline', degraded: this.degraded });

    try {
      const outline = this.job.mode === 'SLIDES' ? this.job.outline! : await this.outlineStage();
      if (this.job.mode !== 'OUTLINE') await this.slidesStage(outline);
      await this.finish();
    } finally {
      // A failed or cancelled job still writes the slides it announced, so the deck matches its events.
      await this.lane.settle();
      await this.presence;
    }
  }

  // ------------------------------------------------------------------------------------- outline

  private async outlineStage(): Promise<string> {
    if (this.job.outline) {
      if ((await this.deps.store.eventsOfTypes(this.job.id, ['OUTLINE_READY'])).length === 0) await this.outlineReady(this.job.outline);
      return this.job.outline;
    }
    await this.setStage('outline');
    const earlier = (await this.deps.store.eventsOfTypes(this.job.id, ['OUTLINE_CHUNK'])).map((e) => (e.payload as { chunk: string }).chunk).join('');
    let written = earlier;
    const request = { topic: this.job.topic, sourceText: this.job.sourceText, language: this.job.language, style: this.job.style, slideCount: this.job.slideCount };

    if (this.useModel()) {
      const cleaner = new OutlineTextCleaner();
      const chunks = new EventChain();
      const emitChunk = (chunk: string) => {
        if (!chunk) return;
        written += chunk;
        chunks.add(() => this.emit('OUTLINE_CHUNK', { chunk }));
      };
      const answered = await this.callModel(
        {
          messages: (received) => outlineMessages(request, earlier + received),
          onText: (piece) => emitChunk(cleaner.push(piece)),
        },
        chunks,
      );
      if (answered) {
        emitChunk(cleaner.end());
        await chunks.drain();
      }
    }

    let outline = written;
    if (!this.useModel() || parseOutline(outline).chapters.every((c) => c.pages.length === 0)) {
      if (this.useModel()) await this.degrade('The model’s outline had no pages; the offline writer wrote one');
      outline = offlineOutline(request);
      if (!written) {
        for (const line of outline.split(/(?<=\n)/)) await this.emit('OUTLINE_CHUNK', { chunk: line });
      } else {
        await this.emit('WARNING', { code: 'OUTLINE_REPLACED', message: 'The outline streamed so far was replaced; use OUTLINE_READY.markdown' });
      }
    }
    const pages = parseOutline(outline).chapters.reduce((sum, chapter) => sum + chapter.pages.length, 0);
    this.job = await this.deps.store.update(this.job.id, { outline, slideCount: pages });
    await this.outlineReady(outline);
    return outline;
  }

  private async outlineReady(markdown: string): Promise<void> {
    const parsed = parseOutline(markdown);
    await this.emit('OUTLINE_READY', { markdown, title: parsed.title, slidesTotal: plannedSlideCount(parsed) });
  }

  // -------------------------------------------------------------------------------------- slides

  private async slidesStage(outline: string): Promise<void> {
    const earlier = await this.deps.store.eventsOfTypes(this.job.id, ['SLIDE']);
    const resumedSlides = earlier.map((e) => (e.payload as { slide: AipptSlide }).slide);
    if (this.job.mode === 'DECK') this.deck = await this.prepareDeck(resumedSlides);
    this.slides.push(...resumedSlides);
    await this.setStage('slides', false);
    const total = plannedSlideCount(parseOutline(outline));
    const request = { outline, sourceText: this.job.sourceText, language: this.job.language, style: this.job.style };
    const chain = new EventChain();
    // Parsed slides wait in `pendingSlides` until their turn in the chain, so a retry started in
    // between still counts them as written.
    const accept = (slide: AipptSlide) => {
      chain.pendingSlides.push(slide);
      chain.add(async () => {
        // Every slide parsed by now goes out in this step; the steps queued for the others find none left.
        const ready = chain.pendingSlides.splice(0);
        if (ready.length > 0) await this.acceptSlides(ready, total);
      });
    };

    if (this.useModel()) {
      let parser = new AipptStreamParser();
      const answered = await this.callModel(
        {
          // Each attempt starts a fresh parser and continues after the slides already accepted.
          messages: () => {
            parser = new AipptStreamParser();
            return slidesMessages(request, this.slides.concat(chain.pendingSlides));
          },
          onText: (piece) => {
            for (const slide of parser.push(piece)) accept(slide);
          },
        },
        chain,
      );
      if (answered) {
        const { slides, warnings } = parser.end();
        for (const slide of slides) accept(slide);
        for (const message of warnings) chain.add(() => this.emit('WARNING', { code: 'MODEL_OUTPUT_REPAIRED', message }));
        await chain.drain();
      }
    }
    if (!this.useModel()) {
      const offline = offlineSlides({ outline, sourceText: this.job.sourceText ?? undefined, language: this.job.language, style: this.job.style ?? undefined });
      await this.acceptSlides(offline.slice(this.slides.length), total);
    }
    // A deck always closes: a model that stopped before its end slide gets one.
    if (this.slides.at(-1)?.type !== 'end') await this.acceptSlides([{ type: 'end', data: {} }], total);
  }

  /** Slides ready together go out as one insert of their SLIDE events, then onto the deck lane. */
  private async acceptSlides(slides: AipptSlide[], total: number): Promise<void> {
    if (slides.length === 0) return;
    this.throwIfCancelled();
    this.lane.throwIfFailed();
    const accepted = slides.map((slide) => {
      const index = this.slides.length;
      this.slides.push(slide);
      const pptSlides = this.deck ? this.fillSlides(this.deck.filler, slide, index) : [];
      // The job's progress counts content pages (what the user asked for); the event also counts every AI slide.
      const pagesDone = this.slides.filter((s) => s.type === 'content').length;
      return { index, slide, pptSlides, pagesDone };
    });
    await this.deps.events.emitMany(
      this.job.id,
      accepted.map(({ index, slide, pptSlides, pagesDone }) => ({
        type: 'SLIDE' as const,
        payload: { index, slide, slidesDone: index + 1, slidesTotal: Math.max(total, index + 1), pagesDone, ...(this.deck && { deckId: this.deck.deckId, deckSlideIds: pptSlides.map((s) => s.id) }) },
      })),
    );
    for (const { index, pptSlides, pagesDone } of accepted) this.lane.add({ index, pptSlides, pagesDone });
  }

  // ---------------------------------------------------------------------------------------- deck

  private async prepareDeck(resumedSlides: AipptSlide[]): Promise<DeckTarget> {
    const owner = this.job.ownerId;
    const { template, filler } = await this.templateFiller(this.job.templateId ?? DEFAULT_TEMPLATE_ID, () => stableUuid(`${this.idSeed}:${this.idCounter++}`));
    // Rebuild the filler's running state (part numbers, the chosen transition layout) on resume.
    const resumedPptSlides = resumedSlides.map((slide, index) => this.fillSlides(filler, slide, index));

    let deckId = this.job.deckId;
    if (!deckId) {
      const document: PptistDocument = { title: this.job.topic.slice(0, 200), width: template.document.width, height: template.document.height, theme: filler.theme, slides: [] };
      deckId = (await this.deps.agent.createDeck(owner, document.title, document)).id;
      this.job = await this.deps.store.update(this.job.id, { deckId, deckCreated: true });
    }
    const deck = await this.deps.agent.deckDocument(owner, deckId);
    if (!deck) throw new JobFailure('DECK_NOT_FOUND', `Deck ${deckId} is gone or no longer editable`);
    await this.emit('STAGE', { stage: 'slides', deckId });
    this.showAgentAt(deckId, deck.document.slides.at(-1)?.id ?? null);
    const target: DeckTarget = { deckId, revision: deck.revision, lastSlideId: deck.document.slides.at(-1)?.id ?? null, filler };
    // Slides announced before a crash whose batch never landed: writes reach the deck in order, so
    // they are the announced tail and go at the deck's end. (An AI slide someone deleted meanwhile
    // looks the same and comes back: the lesser harm than losing announced slides.)
    this.deck = target;
    const inDeck = new Set(deck.document.slides.map((s) => s.id));
    resumedPptSlides.forEach((pptSlides, index) => {
      if (pptSlides.length > 0 && !pptSlides.some((s) => inDeck.has(s.id))) this.lane.add({ index, pptSlides, pagesDone: null });
    });
    return target;
  }

  private fillSlides(filler: TemplateFiller, slide: AipptSlide, index: number) {
    this.idSeed = `${this.job.id}:slide:${index}`;
    this.idCounter = 0;
    return filler.fill(slide);
  }

  /**
   * The lane's step: the AI slides that arrived since the last step as one batch appended after
   * the agent's last slide, the agent's presence moved onto it, and the job's progress.
   */
  private async writeSlides(work: SlideWork[]): Promise<void> {
    const pagesDone = work.findLast((w) => w.pagesDone !== null)?.pagesDone;
    // The job's progress and the deck are separate writes: neither waits for the other.
    const progress = pagesDone !== undefined && pagesDone !== null ? this.deps.store.updateIfUnfinished(this.job.id, { slidesDone: pagesDone }) : undefined;
    await Promise.all([progress, this.writeToDeck(work)]);
  }

  private async writeToDeck(work: SlideWork[]): Promise<void> {
    const pptSlides = work.flatMap((w) => w.pptSlides);
    const deck = this.deck;
    if (!deck || pptSlides.length === 0) return;
    // Within this run a repeated step is recognised by its batch id; across runs by the slide ids (see prepareDeck).
    const batchId = stableUuid(`${this.job.id}:batch:${work[0]!.index}-${work.at(-1)!.index}`);
    for (let attempt = 0; attempt < 3; attempt++) {
      const operations = insertSlidesAfter(pptSlides, deck.lastSlideId);
      const outcome = await this.deps.agent.applyOperations(this.job.ownerId, { deckId: deck.deckId, baseRevision: deck.revision, operations, batchId, clientId: this.agentClientId });
      if (outcome.status === 'APPLIED') {
        deck.revision = outcome.revision;
        deck.lastSlideId = pptSlides.at(-1)!.id;
        this.showAgentAt(deck.deckId, deck.lastSlideId);
        return;
      }
      if (outcome.status === 'REJECTED') throw new JobFailure(outcome.error?.code ?? 'DECK_WRITE_REFUSED', `The deck refused the AI's slide: ${outcome.error?.message ?? 'unknown reason'}`);
      // A conflict: someone deleted the slide we append after. Re-read the deck and append at its end.
      const now = await this.deps.agent.deckDocument(this.job.ownerId, deck.deckId);
      if (!now) throw new JobFailure('DECK_NOT_FOUND', `Deck ${deck.deckId} is gone or no longer editable`);
      deck.revision = now.revision;
      deck.lastSlideId = now.document.slides.at(-1)?.id ?? null;
    }
    throw new JobFailure('DECK_WRITE_CONFLICT', 'The deck kept changing under the AI; slides stopped being written');
  }

  // ------------------------------------------------------------------------------------- finish

  /** Moves the agent's presence onto a slide, after its earlier moves, without waiting for it. */
  private showAgentAt(deckId: string, slideId: string | null): void {
    this.presence = this.presence.then(() => this.deps.agent.present(this.job.ownerId, deckId, this.agentClientId, slideId));
  }

  private async finish(): Promise<void> {
    await this.lane.drain();
    this.throwIfCancelled();
    const finished = await this.deps.store.updateIfUnfinished(this.job.id, { status: 'SUCCEEDED', stage: 'done', finishedAt: new Date() });
    // The agent leaves the deck after its last presence move; the client hears SUCCEEDED meanwhile.
    const deck = this.deck;
    if (deck) this.presence = this.presence.then(() => this.deps.agent.leave(this.job.ownerId, deck.deckId, this.agentClientId));
    if (!finished) return;
    await this.emit('SUCCEEDED', {
      stage: 'done',
      deckId: this.deck?.deckId ?? null,
      slides: this.slides.length,
      degraded: this.degraded,
      usage: { promptTokens: this.job.promptTokens, completionTokens: this.job.completionTokens, costUsd: this.job.costUsd },
    });
    this.log.info({ slides: this.slides.length, degraded: this.degraded }, 'generation succeeded');
  }

}

/**
 * Work done one step at a time behind the caller: what is added while a step runs waits and goes
 * into the next step together, so a burst of slides costs one deck write, not one each. A failed
 * step stops the lane; the caller learns of it at its next add (`throwIfFailed`) or at `drain`.
 */
class CoalescingLane<T> {
  private pending: T[] = [];
  private running: Promise<void> | null = null;
  private failed: { error: unknown } | null = null;

  constructor(
    private readonly step: (items: T[]) => Promise<void>,
    /** How long a step waits after its first item before it starts. */
    private readonly settleMs: number,
  ) {}

  add(item: T): void {
    this.pending.push(item);
    this.running ??= this.loop();
  }

  throwIfFailed(): void {
    if (this.failed) throw this.failed.error;
  }

  /** Resolves when everything added has been done; throws the failure that stopped the lane. */
  async drain(): Promise<void> {
    await this.running;
    this.throwIfFailed();
  }

  /** Resolves when the lane is idle, whatever happened. */
  async settle(): Promise<void> {
    await this.running;
  }

  private async loop(): Promise<void> {
    // Start a moment after the first item: items added meanwhile go in the same step.
    await new Promise((resolve) => setTimeout(resolve, this.settleMs));
    try {
      while (this.pending.length > 0 && !this.failed) {
        const items = this.pending;
        this.pending = [];
        await this.step(items);
      }
    } catch (error) {
      this.failed = { error };
    } finally {
      this.running = null;
    }
  }
}
