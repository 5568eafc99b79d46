// The only place that touches ai.generation_jobs and ai.generation_events.
import type { Prisma, PrismaClient } from '../../lib/db.js';
import type { GenerationEvent, GenerationJob, GenerationStatus } from '../../lib/generated/prisma/client.js';

export type { GenerationEvent, GenerationJob, GenerationStatus };

export interface NewGenerationJob {
  ownerId: string;
  idempotencyKey: string;
  topic: string;
  language: string;
  slideCount: number;
}

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

  /** Appends the next event of a job's log; seq is the log position clients resume from. */
  appendEvent(jobId: string, type: string, payload: Prisma.InputJsonValue): Promise<GenerationEvent> {
    return this.prisma.$transaction(async (tx) => {
      const last = await tx.generationEvent.findFirst({ where: { jobId }, orderBy: { seq: 'desc' }, select: { seq: true } });
      return tx.generationEvent.create({ data: { jobId, seq: (last?.seq ?? 0) + 1, type, payload } });
    });
  }

  eventsAfter(jobId: string, afterSeq: number): Promise<GenerationEvent[]> {
    return this.prisma.generationEvent.findMany({ where: { jobId, seq: { gt: afterSeq } }, orderBy: { seq: 'asc' } });
  }
}
