// What every run of a generation job shares, whatever its mode: the job row and its event log,
// the model call through the breaker with retries (a model that is down degrades the job to the
// offline writer; one that refuses the request fails it), usage, stages and cancellation.
// GenerationRunner picks the run for a job's mode (generation-runner.ts, slide-task-runner.ts).
import { createHash } from 'node:crypto';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { AipptSlide } from '../../lib/pptist/aippt.js';
import type { PptistDocument } from '../../lib/pptist/document.js';
import { TemplateFiller } from '../../lib/pptist/template-filler.js';
import type { Logger } from '../../lib/logger.js';
import type { Prisma } from '../../lib/db.js';
import type { AgentGraphClient } from './agent-graph-client.js';
import type { GenerationEvents, GenerationEventType } from './generation-events.js';
import { generationsDegraded } from './generation-metrics.js';
import type { GenerationJob, GenerationStore } from './generation-store.js';
import { type CallUsage, type ModelCaller, modelRefusal, modelUnavailable } from './model-call.js';
import { classifyModelError } from './model-errors.js';
import type { ModelEndpoint, ModelRegistry } from './model-registry.js';

export interface RunnerDeps {
  store: GenerationStore;
  events: GenerationEvents;
  models: ModelRegistry;
  caller: ModelCaller;
  agent: AgentGraphClient;
  log: Logger;
}

/** A reason to stop the job that the user should read (code + message), not a bug. */
export class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'JobFailure';
  }
}

export class JobCancelled extends Error {
  override readonly name = 'JobCancelled';
}

/** A stable uuid (v5 layout) from a name: the same job step always produces the same ids. */
export function stableUuid(name: string): string {
  const hex = createHash('sha1').update(name).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** One execution of a job: the steps every mode's run is made of. */
/** INSERT_SLIDE operations that put `slides` in order right after `afterSlideId` (null: first). */
export function insertSlidesAfter(slides: readonly { id: string }[], afterSlideId: string | null) {
  return slides.map((slide, i) => ({ type: 'INSERT_SLIDE', slide, afterSlideId: i === 0 ? afterSlideId : slides[i - 1]!.id }));
}

export abstract class JobSteps {
  protected degraded: boolean;
  protected endpoint: ModelEndpoint | null = null;

  constructor(
    protected readonly deps: RunnerDeps,
    protected job: GenerationJob,
    protected readonly signal: AbortSignal,
    protected readonly log: Logger,
  ) {
    this.degraded = job.degraded;
  }

  abstract execute(): Promise<void>;

  /** The template that dresses the AI's slides, read as the user; its ids come from `newId` (stable per job step). */
  protected async templateFiller(templateId: string, newId: () => string): Promise<{ template: { document: PptistDocument }; filler: TemplateFiller }> {
    const template = await this.deps.agent.deckDocument(this.job.ownerId, templateId);
    if (!template?.isTemplate) throw new JobFailure('TEMPLATE_NOT_FOUND', `Template ${templateId} is not available`);
    return { template, filler: new TemplateFiller(template.document, { newId }) };
  }

  // -------------------------------------------------------------------------------------- model

  protected useModel(): boolean {
    return this.endpoint !== null && !this.degraded;
  }

  /**
   * Streams one model call. Returns false when the model is down and the job degraded (the caller
   * goes on offline); throws JobFailure when the model refused the request.
   */
  protected async callModel(options: { messages: (received: string) => ChatCompletionMessageParam[]; onText: (piece: string) => void }, chain: EventChain): Promise<boolean> {
    let usage: CallUsage;
    try {
      ({ usage } = await this.deps.caller.stream(this.endpoint!, {
        signal: this.signal,
        messages: options.messages,
        onText: options.onText,
        onRetry: ({ attempt, delayMs, failure }) =>
          chain.add(() => this.emit('WARNING', { code: 'MODEL_RETRY', attempt: attempt + 1, delayMs, status: failure.status ?? null, message: `Model call failed (${failure.message}); retrying in ${delayMs} ms` })),
      }));
    } catch (error) {
      await chain.drain().catch(() => undefined);
      this.throwIfCancelled();
      if (modelUnavailable(error)) {
        await this.degrade(`${this.endpoint!.name} is unavailable (${classifyModelError(error).message}); the offline writer takes over`);
        return false;
      }
      throw new JobFailure('MODEL_ERROR', modelRefusal(this.endpoint!.name, error));
    }
    await chain.drain();
    await this.recordUsage(usage);
    return true;
  }

  protected async degrade(reason: string): Promise<void> {
    this.degraded = true;
    generationsDegraded.inc();
    await this.deps.store.updateIfUnfinished(this.job.id, { degraded: true });
    await this.emit('WARNING', { code: 'DEGRADED', message: reason });
    this.log.warn({ reason }, 'generation degraded to the offline writer');
  }

  protected async recordUsage(usage: CallUsage): Promise<void> {
    this.job = await this.deps.store.addUsage(this.job, usage);
    await this.emit('USAGE', {
      ...usage,
      model: this.endpoint?.name ?? 'offline',
      total: { promptTokens: this.job.promptTokens, completionTokens: this.job.completionTokens, costUsd: this.job.costUsd },
    });
  }

  /** `announce` false: the caller sends its own STAGE event (with more in it). */
  protected async setStage(stage: string, announce = true): Promise<void> {
    if (this.job.stage === stage) return;
    if (!(await this.deps.store.updateIfUnfinished(this.job.id, { stage }))) this.throwIfCancelled(true);
    this.job = { ...this.job, stage };
    if (announce) await this.emit('STAGE', { stage });
  }

  protected throwIfCancelled(known = false): void {
    if (known || this.signal.aborted) throw this.signal.reason instanceof Error ? this.signal.reason : new JobCancelled('cancelled');
  }

  protected emit(type: GenerationEventType, payload: Prisma.InputJsonValue) {
    return this.deps.events.emit(this.job.id, type, payload);
  }
}

/**
 * Event writes started from synchronous stream callbacks, run one after another in arrival order.
 * `pendingSlides` are slides parsed but not yet accepted (a retry must not ask for them again).
 */
export class EventChain {
  private tail: Promise<void> = Promise.resolve();
  private failed: unknown = null;
  readonly pendingSlides: AipptSlide[] = [];

  add(step: () => Promise<unknown>): void {
    this.tail = this.tail.then(async () => {
      if (this.failed) return;
      try {
        await step();
      } catch (error) {
        this.failed = error;
      }
    });
  }

  async drain(): Promise<void> {
    await this.tail;
    if (this.failed) throw this.failed;
  }
}
