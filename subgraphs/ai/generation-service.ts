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
import { type GenerationJobData, withTrace } from '../../lib/queues.js';
import { LIMITS, type RateLimiter } from '../../lib/rate-limit.js';
import type { AgentGraphClient } from './agent-graph-client.js';
import { quotaProblem } from './daily-quota.js';
import type { GenerationEvents } from './generation-events.js';
import { FINISHED_STATUSES, type GenerationJob, type GenerationStore } from './generation-store.js';
import type { ModelRegistry } from './model-registry.js';
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
    await this.limiter.enforce(LIMITS.generationsPerUser, shared ? `${viewer.userId}:ip:${clientIp ?? 'unknown'}` : viewer.userId, 'ai');

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
    if (created) {
      await this.store.countJob(viewer.userId);
      await this.events.emit(job.id, 'QUEUED', { stage: 'queued', slidesTotal: job.slideCount, model: model?.name ?? 'offline' });
      // The BullMQ job id is the job row's id, so a second enqueue of the same job is a no-op.
      await this.queue.add('generate', withTrace({ jobId: job.id }), { jobId: job.id });
    }
    return { ok: true, job, created };
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
      const deck = await this.agent.deck(userId, request.deckId);
      if (!deck) return { code: 'NOT_FOUND', message: `Deck ${request.deckId} not found`, field: 'deckId' };
      if (!['OWNER', 'ADMIN', 'EDITOR'].includes(deck.myRole ?? '')) return { code: 'FORBIDDEN', message: 'You may not edit this deck', field: 'deckId' };
    }
    if (request.templateId) {
      const template = await this.agent.deck(userId, request.templateId);
      if (!template?.isTemplate) return { code: 'NOT_FOUND', message: `Template ${request.templateId} not found`, field: 'templateId' };
    }
    return null;
  }
}
