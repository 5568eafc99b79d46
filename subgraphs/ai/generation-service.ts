// Starting, reading and cancelling generation jobs; GraphQL, REST and the router's compatibility
// streams all come through here.
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Viewer } from '../../lib/auth/tokens.js';
import { config } from '../../lib/config.js';
import { forbidden, isUuid, notFound, unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { userErrorFromZod } from '../../lib/graphql/user-error.js';
import { MAX_ID_CHARS, type PptistDocument } from '../../lib/pptist/document.js';
import { type GenerationJobData, withTrace } from '../../lib/queues.js';
import { LIMITS, type RateLimiter, rateSubject } from '../../lib/rate-limit.js';
import type { AgentGraphClient, DeckSummary } from './agent-graph-client.js';
import { quotaProblem } from './daily-quota.js';
import type { GenerationEvents } from './generation-events.js';
import { FINISHED_STATUSES, type GenerationJob, type GenerationStore } from './generation-store.js';
import type { ModelRegistry } from './model-registry.js';
import type { AiModel } from './model-store.js';
import { normaliseLanguage, normaliseStyle } from './offline-generator.js';
import { parseOutline } from './outline.js';

export type StartResult = { ok: true; job: GenerationJob; created: boolean } | { ok: false; error: UserErrorShape };
export type CancelResult = { ok: true; job: GenerationJob } | { ok: false; error: UserErrorShape; job?: GenerationJob };

/** The product's first template (prisma/templates/aurora.json), used when a request names none. */
export const DEFAULT_TEMPLATE_ID = '00000000-0000-4000-8000-0000000007a1';
/** Source text and outlines are whole documents pasted in; 50k characters is a long report. */
const MAX_SOURCE_CHARS = 50_000;

const StartInput = z
  .object({
    mode: z.enum(['DECK', 'OUTLINE', 'SLIDES']).default('DECK'),
    topic: z.string().trim().max(500, 'Topic is at most 500 characters').optional(),
    sourceText: z.string().max(MAX_SOURCE_CHARS, `Source text is at most ${MAX_SOURCE_CHARS} characters`).optional(),
    outline: z.string().max(MAX_SOURCE_CHARS, `The outline is at most ${MAX_SOURCE_CHARS} characters`).optional(),
    language: z.string().max(20).optional(),
    slideCount: z.number().int().min(5, 'Slide count is 5 to 30').max(30, 'Slide count is 5 to 30').default(10),
    style: z.string().max(50).optional(),
    templateId: z.string().refine(isUuid, 'templateId is not an id').optional(),
    deckId: z.string().refine(isUuid, 'deckId is not an id').optional(),
    model: z.string().max(200).optional(),
    idempotencyKey: z.string().min(1).max(200).optional(),
  })
  .refine((input) => input.topic || input.outline?.trim(), { message: 'Give a topic or an outline', path: ['topic'] })
  .refine((input) => input.mode !== 'SLIDES' || input.outline?.trim(), { message: 'Writing slides needs an outline', path: ['outline'] });

export type StartInput = z.input<typeof StartInput>;

const DeckId = z.string().refine(isUuid, 'deckId is not an id');
const SlideId = z.string().min(1, 'A slide id is required').max(MAX_ID_CHARS, `A slide id is at most ${MAX_ID_CHARS} characters`);
const Instruction = z.string().trim().max(2000, 'The instruction is at most 2000 characters');
const ModelChoice = { model: z.string().max(200).optional(), language: z.string().max(20).optional() };

/** The per-slide AI tasks (slide-task-runner.ts); the mode is the mutation's, the rest the client's. */
const SlideTaskInput = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('SLIDE_REGENERATE'), deckId: DeckId, slideId: SlideId, instruction: Instruction.optional(), ...ModelChoice }),
  z.object({ mode: z.literal('SLIDE_INSERT'), deckId: DeckId, afterSlideId: SlideId, instruction: Instruction.min(1, 'Say what the new slide is about'), ...ModelChoice }),
  z.object({ mode: z.literal('SLIDE_SPLIT'), deckId: DeckId, slideId: SlideId }),
  z.object({ mode: z.literal('SLIDE_NOTES'), deckId: DeckId, slideId: SlideId, ...ModelChoice }),
  z.object({ mode: z.literal('DECK_NOTES'), deckId: DeckId, ...ModelChoice }),
]);

export type SlideTaskInput = z.input<typeof SlideTaskInput>;

/** Per-user limits; the defaults come from configuration (tests pass their own). */
export interface GenerationLimits {
  concurrencyPerUser: number;
  dailyTokenQuota: number;
}

export function canReadJob(viewer: Viewer | null, job: GenerationJob): boolean {
  return viewer !== null && (viewer.userId === job.ownerId || viewer.role === 'ADMIN');
}

export class GenerationService {
  constructor(
    private readonly store: GenerationStore,
    private readonly events: GenerationEvents,
    private readonly queue: Queue<GenerationJobData>,
    private readonly limiter: RateLimiter,
    private readonly models: ModelRegistry,
    private readonly agent: AgentGraphClient,
    private readonly limits: GenerationLimits = { concurrencyPerUser: config().GENERATION_CONCURRENCY_PER_USER, dailyTokenQuota: config().DAILY_TOKEN_QUOTA },
  ) {}

  /**
   * `clientIp` matters for service callers: anonymous legacy and PPTist clients all act as one
   * workspace account, so their generation rate is counted per address (the router limits those
   * callers per address too) and the per-account concurrency limit would let four strangers lock
   * out everyone else.
   */
  async start(viewer: Viewer | null, input: StartInput, clientIp: string | null = null): Promise<StartResult> {
    if (!viewer) throw unauthenticated();
    const parsed = StartInput.safeParse(input);
    if (!parsed.success) return { ok: false, error: userErrorFromZod(parsed.error) };
    const request = await this.withPreferences(viewer.userId, parsed.data);
    // A retry with the same idempotency key returns the existing job and costs nothing.
    const existing = request.idempotencyKey ? await this.store.findByKey(viewer.userId, request.idempotencyKey) : null;
    if (existing) return { ok: true, job: existing, created: false };

    const shared = Boolean(viewer.service);
    const refusal = (await this.capacityProblem(viewer.userId, shared)) ?? (request.mode === 'DECK' ? await this.deckProblem(viewer.userId, request) : null);
    if (refusal) return { ok: false, error: refusal };
    await this.limiter.enforce(LIMITS.generationsPerUser, rateSubject(viewer, clientIp), 'ai');

    const outline = request.outline?.trim() ? request.outline : null;
    const { model } = await this.models.resolve(viewer.userId, request.model);
    const { job, created } = await this.store.createOnce({
      ownerId: viewer.userId,
      idempotencyKey: request.idempotencyKey ?? randomUUID(),
      mode: request.mode,
      topic: request.topic || (outline ? parseOutline(outline).title : '') || 'Untitled',
      sourceText: request.sourceText?.trim() || null,
      outline,
      language: normaliseLanguage(request.language),
      style: request.style ? normaliseStyle(request.style) : null,
      slideCount: request.slideCount,
      templateId: request.mode === 'DECK' ? (request.templateId ?? DEFAULT_TEMPLATE_ID) : null,
      modelId: model?.id ?? null,
      deckId: request.deckId ?? null,
    });
    if (created) await this.enqueue(job, model);
    return { ok: true, job, created };
  }

  /**
   * A per-slide AI task on a deck the user may edit, as a job like a generation: the same limits,
   * queue, events and cancel. A new slide is dressed with the template the deck was generated with.
   */
  async startSlideTask(viewer: Viewer | null, input: SlideTaskInput, clientIp: string | null = null): Promise<StartResult> {
    if (!viewer) throw unauthenticated();
    const parsed = SlideTaskInput.safeParse(input);
    if (!parsed.success) return { ok: false, error: userErrorFromZod(parsed.error) };
    const task = parsed.data;
    const deck = await this.editableDeck(viewer.userId, task.deckId);
    if ('error' in deck) return { ok: false, error: deck.error };
    const [slideId, field] = 'afterSlideId' in task ? [task.afterSlideId, 'afterSlideId'] : 'slideId' in task ? [task.slideId, 'slideId'] : [null, 'deckId'];
    const slides = deck.document.slides;
    if (slideId && !slides.some((s) => s.id === slideId)) return { ok: false, error: { code: 'SLIDE_NOT_FOUND', message: `Slide ${slideId} is not in the deck`, field } };
    if (slides.length === 0) return { ok: false, error: { code: 'SLIDE_NOT_FOUND', message: 'The deck has no slides', field } };

    const shared = Boolean(viewer.service);
    const refusal = await this.capacityProblem(viewer.userId, shared);
    if (refusal) return { ok: false, error: refusal };
    await this.limiter.enforce(LIMITS.generationsPerUser, rateSubject(viewer, clientIp), 'ai');

    const request: { language?: string; model?: string } = task.mode === 'SLIDE_SPLIT' ? {} : await this.withPreferences(viewer.userId, { language: task.language, model: task.model });
    // Splitting is deterministic: it needs no model.
    const model = task.mode === 'SLIDE_SPLIT' ? null : (await this.models.resolve(viewer.userId, request.model)).model;
    const writesSlides = task.mode === 'SLIDE_REGENERATE' || task.mode === 'SLIDE_INSERT';
    const { job, created } = await this.store.createOnce({
      ownerId: viewer.userId,
      idempotencyKey: randomUUID(),
      mode: task.mode,
      topic: deck.title,
      sourceText: null,
      outline: null,
      language: normaliseLanguage(request.language),
      style: null,
      slideCount: task.mode === 'DECK_NOTES' ? slides.length : 1,
      templateId: writesSlides ? ((await this.store.templateOfDeck(deck.id)) ?? DEFAULT_TEMPLATE_ID) : null,
      modelId: model?.id ?? null,
      deckId: deck.id,
      targetSlideId: slideId,
      instruction: 'instruction' in task ? task.instruction || null : null,
    });
    if (created) await this.enqueue(job, model);
    return { ok: true, job, created };
  }

  private async enqueue(job: GenerationJob, model: AiModel | null): Promise<void> {
    await this.store.countJob(job.ownerId);
    await this.events.emit(job.id, 'QUEUED', { stage: 'queued', slidesTotal: job.slideCount, model: model?.name ?? 'offline' });
    // The BullMQ job id is the job row's id, so a second enqueue of the same job is a no-op.
    await this.queue.add('generate', withTrace({ jobId: job.id }), { jobId: job.id });
  }

  /** For one job asked for by id: coded errors say why the caller gets none. */
  async readable(viewer: Viewer | null, id: string): Promise<GenerationJob> {
    if (!viewer) throw unauthenticated();
    const job = isUuid(id) ? await this.store.findById(id) : null;
    if (!job) throw notFound('Generation job', id);
    if (!canReadJob(viewer, job)) throw forbidden('This generation job is not yours');
    return job;
  }

  mine(viewer: Viewer | null, first: number): Promise<GenerationJob[]> {
    if (!viewer) throw unauthenticated();
    return this.store.listByOwner(viewer.userId, Math.min(Math.max(first, 1), 100));
  }

  /**
   * Stops a job: a queued one never starts, a running one stops at its next step (the worker
   * hears the CANCELLED event and aborts its model call). Slides already written stay in the deck.
   */
  async cancel(viewer: Viewer | null, id: string): Promise<CancelResult> {
    const job = await this.readable(viewer, id);
    if (FINISHED_STATUSES.has(job.status)) return { ok: false, job, error: { code: 'ALREADY_FINISHED', message: `The job has already ${job.status.toLowerCase()}` } };
    if (!(await this.store.updateIfUnfinished(job.id, { status: 'CANCELLED', stage: 'cancelled', finishedAt: new Date() }))) {
      const now = (await this.store.findById(job.id))!;
      return { ok: false, job: now, error: { code: 'ALREADY_FINISHED', message: `The job has already ${now.status.toLowerCase()}` } };
    }
    await this.events.emit(job.id, 'CANCELLED', { stage: 'cancelled', by: viewer!.userId });
    await this.events.signalCancel(job.id);
    // A job still waiting in the queue is removed; a running one is locked and stops by itself.
    await this.queue.remove(job.id).catch(() => 0);
    return { ok: true, job: (await this.store.findById(job.id))! };
  }

  /** Checked once, when the subscription starts (not per event). */
  async subscribe(viewer: Viewer | null, jobId: string, after: string | null | undefined) {
    const job = await this.readable(viewer, jobId);
    const parsed = after ? Number.parseInt(after, 10) : 0;
    const afterSeq = Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
    // A finished job's log is complete: replay it and end, even when the client already has it all.
    if (FINISHED_STATUSES.has(job.status)) return this.events.replay(jobId, afterSeq);
    return this.events.stream(jobId, afterSeq);
  }

  async usageToday(viewer: Viewer | null) {
    if (!viewer) throw unauthenticated();
    const row = await this.store.usageOn(viewer.userId);
    const quota = this.limits.dailyTokenQuota;
    const used = (row?.promptTokens ?? 0) + (row?.completionTokens ?? 0);
    return { promptTokens: row?.promptTokens ?? 0, completionTokens: row?.completionTokens ?? 0, costUsd: row?.costUsd ?? 0, jobs: row?.jobs ?? 0, tokenQuota: quota || null, tokensLeft: quota ? Math.max(0, quota - used) : null };
  }

  /** What the request leaves open comes from the user's preferences (their language, model, style, template). */
  private async withPreferences<T extends { language?: string; model?: string; style?: string; templateId?: string }>(userId: string, request: T): Promise<T> {
    if (request.language && request.model && request.style && request.templateId) return request;
    const preferences = await this.agent.preferences(userId);
    if (!preferences) return request;
    const template = preferences.defaultTemplate && isUuid(preferences.defaultTemplate) ? preferences.defaultTemplate : undefined;
    return {
      ...request,
      language: request.language ?? preferences.language,
      model: request.model ?? preferences.defaultModel ?? undefined,
      style: request.style ?? preferences.defaultStyle ?? undefined,
      templateId: request.templateId ?? template,
    };
  }

  /** Per-user concurrency and the daily token quota: refused as data, before anything is queued. */
  private async capacityProblem(userId: string, shared: boolean): Promise<UserErrorShape | null> {
    const { concurrencyPerUser: concurrent, dailyTokenQuota: quota } = this.limits;
    if (!shared && (await this.store.countActive(userId)) >= concurrent) {
      return { code: 'CONCURRENCY_LIMIT', message: `You already have ${concurrent} generations queued or running; wait for one to finish or cancel one` };
    }
    return quotaProblem(this.store, userId, quota);
  }

  /** The target deck must be one the user may edit, the template one they may read. */
  private async deckProblem(userId: string, request: { deckId?: string; templateId?: string }): Promise<UserErrorShape | null> {
    if (request.deckId) {
      const deck = await this.editableDeck(userId, request.deckId, false);
      if ('error' in deck) return deck.error;
    }
    if (request.templateId) {
      const template = await this.agent.deck(userId, request.templateId);
      if (!template?.isTemplate) return { code: 'NOT_FOUND', message: `Template ${request.templateId} not found`, field: 'templateId' };
    }
    return null;
  }

  /** The deck (its document when asked) if the user may edit it, else why not (as data, on deckId). */
  private async editableDeck(userId: string, deckId: string, withDocument = true) {
    const deck = withDocument ? await this.agent.deckDocument(userId, deckId) : await this.agent.deck(userId, deckId);
    if (!deck) return { error: { code: 'NOT_FOUND', message: `Deck ${deckId} not found`, field: 'deckId' } };
    if (!['OWNER', 'ADMIN', 'EDITOR'].includes(deck.myRole ?? '')) return { error: { code: 'FORBIDDEN', message: 'You may not edit this deck', field: 'deckId' } };
    return deck as DeckSummary & { document: PptistDocument };
  }
}
