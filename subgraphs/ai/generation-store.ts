// The only place that touches ai.generation_jobs, ai.generation_events and ai.usage_days.
import type { Prisma, PrismaClient } from '../../lib/db.js';
import type { GenerationEvent, GenerationJob, GenerationMode, GenerationStatus } from '../../lib/generated/prisma/client.js';

export type { GenerationEvent, GenerationJob, GenerationMode, GenerationStatus };

export interface NewGenerationJob {
  ownerId: string;
  idempotencyKey: string;
  mode: GenerationMode;
  topic: string;
  sourceText: string | null;
  outline: string | null;
  language: string;
  style: string | null;
  slideCount: number;
  templateId: string | null;
  modelId: string | null;
  deckId: string | null;
  /** Per-slide tasks: the slide acted on, and the user's instruction. */
  targetSlideId?: string | null;
  instruction?: string | null;
}

export const FINISHED_STATUSES: ReadonlySet<GenerationStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** The UTC day a usage figure counts towards (the quota resets at 00:00 UTC). */
export const usageDay = (at = new Date()) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));

export class GenerationStore {
  constructor(private readonly prisma: PrismaClient) {}

  findByIds(ids: readonly string[]): Promise<GenerationJob[]> {
    return this.prisma.generationJob.findMany({ where: { id: { in: [...ids] } } });
  }

  findByKey(ownerId: string, idempotencyKey: string): Promise<GenerationJob | null> {
    return this.prisma.generationJob.findUnique({ where: { ownerId_idempotencyKey: { ownerId, idempotencyKey } } });
  }

  findById(id: string): Promise<GenerationJob | null> {
    return this.prisma.generationJob.findUnique({ where: { id } });
  }

  listByOwner(ownerId: string, take: number): Promise<GenerationJob[]> {
    return this.prisma.generationJob.findMany({ where: { ownerId }, orderBy: { createdAt: 'desc' }, take });
  }

  /** The template a deck was generated with, when a generation job made it. */
  async templateOfDeck(deckId: string): Promise<string | null> {
    const job = await this.prisma.generationJob.findFirst({ where: { deckId, mode: 'DECK', templateId: { not: null } }, orderBy: { createdAt: 'asc' }, select: { templateId: true } });
    return job?.templateId ?? null;
  }

  countActive(ownerId: string): Promise<number> {
    return this.prisma.generationJob.count({ where: { ownerId, status: { in: ['QUEUED', 'RUNNING'] } } });
  }

  /**
   * Creates the job, or returns the one this owner already created with the same idempotency key
   * (`created: false`). The unique index decides races between concurrent retries.
   */
  async createOnce(data: NewGenerationJob): Promise<{ job: GenerationJob; created: boolean }> {
    const key = { ownerId_idempotencyKey: { ownerId: data.ownerId, idempotencyKey: data.idempotencyKey } };
    const existing = await this.prisma.generationJob.findUnique({ where: key });
    if (existing) return { job: existing, created: false };
    try {
      return { job: await this.prisma.generationJob.create({ data }), created: true };
    } catch (error) {
      const raced = await this.prisma.generationJob.findUnique({ where: key });
      if (raced) return { job: raced, created: false };
      throw error;
    }
  }

  update(id: string, data: Prisma.GenerationJobUpdateInput): Promise<GenerationJob> {
    return this.prisma.generationJob.update({ where: { id }, data });
  }

  /** Changes a job only while it is unfinished; false when it had already finished (e.g. cancelled meanwhile). */
  async updateIfUnfinished(id: string, data: Prisma.GenerationJobUpdateManyMutationInput): Promise<boolean> {
    const { count } = await this.prisma.generationJob.updateMany({ where: { id, status: { in: ['QUEUED', 'RUNNING'] } }, data });
    return count > 0;
  }

  /**
   * Appends the next events of a job's log, in order, in one statement; seq is the position
   * clients resume from. Two writers (the worker and a cancel) can race for a seq: the primary key
   * refuses the loser, which takes the next ones.
   */
  async appendEvents(jobId: string, events: { type: string; payload: Prisma.InputJsonValue }[]): Promise<GenerationEvent[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        const rows = await this.prisma.$queryRaw<{ job_id: string; seq: number; type: string; payload: unknown; created_at: Date }[]>`
          INSERT INTO ai.generation_events (job_id, seq, type, payload)
          SELECT ${jobId}::uuid, last.seq + e.ord, e.item->>'type', e.item->'payload'
          FROM (SELECT COALESCE(MAX(seq), 0) AS seq FROM ai.generation_events WHERE job_id = ${jobId}::uuid) last,
               jsonb_array_elements(${JSON.stringify(events)}::jsonb) WITH ORDINALITY AS e(item, ord)
          RETURNING job_id, seq, type, payload, created_at`;
        return rows
          .map((row) => ({ jobId: row.job_id, seq: row.seq, type: row.type, payload: row.payload as Prisma.JsonValue, createdAt: row.created_at }))
          .sort((a, b) => a.seq - b.seq);
      } catch (error) {
        if (attempt >= 5 || !String((error as Error).message).includes('generation_events_pkey')) throw error;
      }
    }
  }

  async appendEvent(jobId: string, type: string, payload: Prisma.InputJsonValue): Promise<GenerationEvent> {
    return (await this.appendEvents(jobId, [{ type, payload }]))[0]!;
  }

  eventsAfter(jobId: string, afterSeq: number): Promise<GenerationEvent[]> {
    return this.prisma.generationEvent.findMany({ where: { jobId, seq: { gt: afterSeq } }, orderBy: { seq: 'asc' } });
  }

  async lastSeq(jobId: string): Promise<number> {
    const last = await this.prisma.generationEvent.findFirst({ where: { jobId }, orderBy: { seq: 'desc' }, select: { seq: true } });
    return last?.seq ?? 0;
  }

  eventsOfTypes(jobId: string, types: string[]): Promise<GenerationEvent[]> {
    return this.prisma.generationEvent.findMany({ where: { jobId, type: { in: types } }, orderBy: { seq: 'asc' } });
  }

  /** Adds a model call's tokens and cost to the job and to its owner's day, together. */
  async addUsage(job: { id: string; ownerId: string }, spent: { promptTokens: number; completionTokens: number; costUsd: number }): Promise<GenerationJob> {
    const day = usageDay();
    const usage = { promptTokens: spent.promptTokens, completionTokens: spent.completionTokens, costUsd: spent.costUsd };
    const [updated] = await this.prisma.$transaction([
      this.prisma.generationJob.update({
        where: { id: job.id },
        data: { promptTokens: { increment: usage.promptTokens }, completionTokens: { increment: usage.completionTokens }, costUsd: { increment: usage.costUsd } },
      }),
      this.prisma.aiUsageDay.upsert({
        where: { userId_day: { userId: job.ownerId, day } },
        create: { userId: job.ownerId, day, ...usage },
        update: { promptTokens: { increment: usage.promptTokens }, completionTokens: { increment: usage.completionTokens }, costUsd: { increment: usage.costUsd } },
      }),
    ]);
    return updated;
  }

  /** Adds a model call made outside any job (AI writing) to its user's day. */
  async addUserUsage(userId: string, spent: { promptTokens: number; completionTokens: number; costUsd: number }): Promise<void> {
    const day = usageDay();
    const usage = { promptTokens: spent.promptTokens, completionTokens: spent.completionTokens, costUsd: spent.costUsd };
    await this.prisma.aiUsageDay.upsert({
      where: { userId_day: { userId, day } },
      create: { userId, day, ...usage },
      update: { promptTokens: { increment: usage.promptTokens }, completionTokens: { increment: usage.completionTokens }, costUsd: { increment: usage.costUsd } },
    });
  }

  /** Counts a started job towards its owner's day. */
  async countJob(ownerId: string): Promise<void> {
    const day = usageDay();
    await this.prisma.aiUsageDay.upsert({ where: { userId_day: { userId: ownerId, day } }, create: { userId: ownerId, day, jobs: 1 }, update: { jobs: { increment: 1 } } });
  }

  usageOn(userId: string, day = usageDay()) {
    return this.prisma.aiUsageDay.findUnique({ where: { userId_day: { userId, day } } });
  }
}
