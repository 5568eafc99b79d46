// Starting and reading generation jobs; GraphQL, REST and workers all come through here.
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Viewer } from '../../lib/auth/tokens.js';
import { forbidden, isUuid, notFound, unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import type { GenerationJobData } from '../../lib/queues.js';
import { LIMITS, type RateLimiter } from '../../lib/rate-limit.js';
import type { GenerationEvents } from './generation-events.js';
import type { GenerationJob, GenerationStore } from './generation-store.js';
import { normaliseLanguage } from './offline-generator.js';
import { userErrorFromZod } from '../../lib/graphql/user-error.js';

export type StartResult = { ok: true; job: GenerationJob; created: boolean } | { ok: false; error: UserErrorShape };

const StartInput = z.object({
  topic: z.string().trim().min(1).max(500),
  language: z.string().max(20).optional(),
  slideCount: z.number().int().min(5).max(30).default(10),
  idempotencyKey: z.string().min(1).max(200).optional(),
});

export function canReadJob(viewer: Viewer | null, job: GenerationJob): boolean {
  return viewer !== null && (viewer.userId === job.ownerId || viewer.role === 'ADMIN');
}

export class GenerationService {
  constructor(
    private readonly store: GenerationStore,
    private readonly events: GenerationEvents,
    private readonly queue: Queue<GenerationJobData>,
    private readonly limiter: RateLimiter,
  ) {}

  async start(viewer: Viewer | null, input: z.input<typeof StartInput>): Promise<StartResult> {
    if (!viewer) throw unauthenticated();
    const parsed = StartInput.safeParse(input);
    if (!parsed.success) return { ok: false, error: userErrorFromZod(parsed.error) };
    const { topic, language, slideCount, idempotencyKey } = parsed.data;
    // A retry with the same idempotency key returns the existing job and costs nothing.
    const existing = idempotencyKey ? await this.store.findByKey(viewer.userId, idempotencyKey) : null;
    if (existing) return { ok: true, job: existing, created: false };
    await this.limiter.enforce(LIMITS.generationsPerUser, viewer.userId, 'ai');
    const { job, created } = await this.store.createOnce({
      ownerId: viewer.userId,
      idempotencyKey: idempotencyKey ?? randomUUID(),
      topic,
      language: normaliseLanguage(language),
      slideCount,
    });
    if (created) {
      await this.events.emit(job.id, 'QUEUED', { slidesTotal: slideCount });
      // The BullMQ job id is the job row's id, so a second enqueue of the same job is a no-op.
      await this.queue.add('generate', { jobId: job.id }, { jobId: job.id });
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

  /** Checked once, when the subscription starts (not per event). */
  async subscribe(viewer: Viewer | null, jobId: string, after: string | null | undefined) {
    await this.readable(viewer, jobId);
    const afterSeq = after ? Number.parseInt(after, 10) : 0;
    return this.events.stream(jobId, Number.isFinite(afterSeq) && afterSeq > 0 ? afterSeq : 0);
  }
}
