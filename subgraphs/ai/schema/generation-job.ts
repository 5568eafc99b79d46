import { builder, UserError } from '../builder.js';
import { type CancelResult, canReadJob, type StartInput, type StartResult } from '../generation-service.js';
import type { GenerationJob as JobRow } from '../generation-store.js';
import { UserRef } from './user-ref.js';

const GenerationStatus = builder.enumType('GenerationStatus', {
  values: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const,
});

const GenerationMode = builder.enumType('GenerationMode', {
  description:
    'DECK: outline, slides and a finished deck; OUTLINE: the outline only; SLIDES: AI slides from a given outline (no deck); ' +
    'SLIDE_REGENERATE, SLIDE_INSERT, SLIDE_SPLIT, SLIDE_NOTES, DECK_NOTES: per-slide AI tasks on a deck',
  values: ['DECK', 'OUTLINE', 'SLIDES', 'SLIDE_REGENERATE', 'SLIDE_INSERT', 'SLIDE_SPLIT', 'SLIDE_NOTES', 'DECK_NOTES'] as const,
});

export const GenerationUsage = builder.objectRef<{ promptTokens: number; completionTokens: number; costUsd: number }>('GenerationUsage').implement({
  fields: (t) => ({
    promptTokens: t.exposeInt('promptTokens'),
    completionTokens: t.exposeInt('completionTokens'),
    costUsd: t.exposeFloat('costUsd', { description: 'Estimated from the model’s prices in the registry' }),
  }),
});

const GenerationProgress = builder.objectRef<JobRow>('GenerationProgress').implement({
  fields: (t) => ({
    stage: t.exposeString('stage', { description: 'queued, outline, slides, done, failed or cancelled' }),
    slidesDone: t.exposeInt('slidesDone'),
    slidesTotal: t.int({ description: 'Content pages asked for', resolve: (job) => job.slideCount }),
  }),
});

export const GenerationJob = builder.loadableObject('GenerationJob', {
  load: (ids: string[], ctx) => ctx.generationStore.findByIds(ids),
  sort: (job: JobRow) => job.id,
  fields: (t) => ({
    id: t.exposeID('id'),
    mode: t.field({ type: GenerationMode, resolve: (job) => job.mode }),
    topic: t.exposeString('topic'),
    language: t.exposeString('language'),
    style: t.exposeString('style', { nullable: true }),
    status: t.field({ type: GenerationStatus, resolve: (job) => job.status }),
    stage: t.exposeString('stage'),
    slidesDone: t.exposeInt('slidesDone'),
    slidesTotal: t.int({ resolve: (job) => job.slideCount }),
    progress: t.field({ type: GenerationProgress, resolve: (job) => job }),
    outline: t.exposeString('outline', { nullable: true, description: 'The outline given or written so far (set once the outline stage is done)' }),
    templateId: t.exposeID('templateId', { nullable: true }),
    deckId: t.exposeID('deckId', { nullable: true, description: 'The deck the slides are written into (set once it exists)' }),
    targetSlideId: t.exposeString('targetSlideId', { nullable: true, description: 'Per-slide tasks: the slide acted on (the one a new slide follows, for SLIDE_INSERT)' }),
    instruction: t.exposeString('instruction', { nullable: true, description: 'Per-slide tasks: what the user asked for' }),
    modelId: t.exposeID('modelId', { nullable: true, description: 'The registry model the job uses; null: the offline writer' }),
    degraded: t.exposeBoolean('degraded', { description: 'True when the offline generator stood in for the model' }),
    usage: t.field({ type: GenerationUsage, resolve: (job) => job }),
    lastEventSeq: t.int({ description: 'The position of the last event in the job’s log (resume cursors count up to it)', resolve: (job, _args, ctx) => ctx.generationStore.lastSeq(job.id) }),
    error: t.exposeString('error', { nullable: true }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    owner: t.field({ type: UserRef, resolve: (job) => ({ id: job.ownerId }) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
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

builder.queryField('myGenerations', (t) =>
  t.field({
    type: [GenerationJob],
    description: 'My generation jobs, newest first',
    args: { first: t.arg.int({ defaultValue: 20 }) },
    resolve: (_root, { first }, ctx) => ctx.generations.mine(ctx.viewer, first ?? 20),
  }),
);

const DailyUsage = builder
  .objectRef<{ promptTokens: number; completionTokens: number; costUsd: number; jobs: number; tokenQuota: number | null; tokensLeft: number | null }>('GenerationDailyUsage')
  .implement({
    description: 'My model usage today (UTC) against the daily quota',
    fields: (t) => ({
      promptTokens: t.exposeInt('promptTokens'),
      completionTokens: t.exposeInt('completionTokens'),
      costUsd: t.exposeFloat('costUsd'),
      jobs: t.exposeInt('jobs'),
      tokenQuota: t.exposeInt('tokenQuota', { nullable: true, description: 'Null: no quota' }),
      tokensLeft: t.exposeInt('tokensLeft', { nullable: true }),
    }),
  });

builder.queryField('myGenerationUsage', (t) => t.field({ type: DailyUsage, resolve: (_root, _args, ctx) => ctx.generations.usageToday(ctx.viewer) }));

const StartGenerationInput = builder.inputType('StartGenerationInput', {
  fields: (t) => ({
    topic: t.string({ description: 'What the deck is about (optional when an outline is given)' }),
    sourceText: t.string({ description: 'Text to build the deck from (notes, an article, a report)' }),
    outline: t.string({ description: 'An edited outline (# title, ## chapter, ### page, - point): skips the outline stage' }),
    language: t.string({ description: 'zh-CN, en or ja (中文 / English / 日本語 also accepted)' }),
    slideCount: t.int({ description: 'Content pages, 5 to 30 (default 10)' }),
    style: t.string({ description: 'general, academic, business, education, marketing (通用 / 学术风 / 职场风 / 教育风 / 营销风)' }),
    templateId: t.id({ description: 'The template that dresses the slides (default: the product’s first template)' }),
    deckId: t.id({ description: 'Append to this deck (you must be able to edit it); absent: a new deck' }),
    model: t.string({ description: 'A model id, provider model name or name; unknown names fall back to the default model' }),
    mode: t.field({ type: GenerationMode, description: 'DECK (default), OUTLINE or SLIDES' }),
    idempotencyKey: t.string({ description: 'The same key returns the same job' }),
  }),
});

export const StartGenerationPayload = builder.objectRef<StartResult>('StartGenerationPayload').implement({
  fields: (t) => ({
    job: t.field({ type: GenerationJob, nullable: true, resolve: (r) => (r.ok ? r.job : null) }),
    created: t.boolean({ description: 'False when the idempotency key returned an existing job', resolve: (r) => r.ok && r.created }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

export const withoutNulls = <T extends Record<string, unknown>>(input: T) =>
  Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined)) as { [K in keyof T]?: Exclude<T[K], null> };

builder.mutationField('startGeneration', (t) =>
  t.field({
    type: StartGenerationPayload,
    args: { input: t.arg({ type: StartGenerationInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const { templateId, deckId, ...rest } = withoutNulls(input);
      // A per-slide mode is refused by the service's validation (those have mutations of their own).
      const request = { ...rest, ...(templateId && { templateId: String(templateId) }), ...(deckId && { deckId: String(deckId) }) } as StartInput;
      return ctx.generations.start(ctx.viewer, request, ctx.client.ip);
    },
  }),
);

const CancelGenerationPayload = builder.objectRef<CancelResult>('CancelGenerationPayload').implement({
  fields: (t) => ({
    job: t.field({ type: GenerationJob, nullable: true, resolve: (r) => r.job ?? null }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

builder.mutationField('cancelGeneration', (t) =>
  t.field({
    type: CancelGenerationPayload,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.generations.cancel(ctx.viewer, String(id)),
  }),
);
