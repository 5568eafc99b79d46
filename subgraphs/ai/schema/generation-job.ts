import { builder, UserError } from '../builder.js';
import { canReadJob, type StartResult } from '../generation-service.js';
import type { GenerationJob as JobRow } from '../generation-store.js';
import { UserRef } from './user-ref.js';

const GenerationStatus = builder.enumType('GenerationStatus', {
  values: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const,
});

export const GenerationJob = builder.loadableObject('GenerationJob', {
  load: (ids: string[], ctx) => ctx.generationStore.findByIds(ids),
  sort: (job: JobRow) => job.id,
  fields: (t) => ({
    id: t.exposeID('id'),
    topic: t.exposeString('topic'),
    language: t.exposeString('language'),
    status: t.field({ type: GenerationStatus, resolve: (job) => job.status }),
    stage: t.exposeString('stage'),
    slidesDone: t.exposeInt('slidesDone'),
    slidesTotal: t.int({ resolve: (job) => job.slideCount }),
    degraded: t.exposeBoolean('degraded', { description: 'True when the offline generator stood in for the model' }),
    error: t.exposeString('error', { nullable: true }),
    owner: t.field({ type: UserRef, resolve: (job) => ({ id: job.ownerId }) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.asEntity(GenerationJob, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: async (ref, ctx) => {
    const job = await GenerationJob.getDataloader(ctx).load(ref.id).catch(() => null);
    return job && canReadJob(ctx.viewer, job) ? job : null;
  },
});

builder.queryField('generationJob', (t) =>
  t.field({
    type: GenerationJob,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.generations.readable(ctx.viewer, String(id)),
  }),
);

const StartGenerationInput = builder.inputType('StartGenerationInput', {
  fields: (t) => ({
    topic: t.string({ required: true }),
    language: t.string({ description: 'zh-CN, en or ja (中文 / English / 日本語 also accepted)' }),
    slideCount: t.int({ description: 'Content pages, 5 to 30 (default 10)' }),
    idempotencyKey: t.string({ description: 'The same key returns the same job' }),
  }),
});

const StartGenerationPayload = builder.objectRef<StartResult>('StartGenerationPayload').implement({
  fields: (t) => ({
    job: t.field({ type: GenerationJob, nullable: true, resolve: (r) => (r.ok ? r.job : null) }),
    created: t.boolean({ description: 'False when the idempotency key returned an existing job', resolve: (r) => r.ok && r.created }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

builder.mutationField('startGeneration', (t) =>
  t.field({
    type: StartGenerationPayload,
    args: { input: t.arg({ type: StartGenerationInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.generations.start(ctx.viewer, {
        topic: input.topic,
        language: input.language ?? undefined,
        slideCount: input.slideCount ?? undefined,
        idempotencyKey: input.idempotencyKey ?? undefined,
      }),
  }),
);
