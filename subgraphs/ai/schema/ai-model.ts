import { builder, UserError } from '../builder.js';
import { MODEL_CAPABILITIES, type ModelResult } from '../model-registry.js';
import type { AiModel as ModelRow } from '../model-store.js';

const Capability = builder.enumType('ModelCapability', { values: MODEL_CAPABILITIES });

export const AiModel = builder.objectRef<ModelRow>('AiModel').implement({
  description: 'A model the platform can call (any OpenAI-compatible endpoint, or the built-in offline writer). Its key is never returned, only a hint',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    providerModel: t.exposeString('providerModel', { description: 'What the provider calls the model (ai_model_name)' }),
    provider: t.exposeString('provider', { description: 'openai (any OpenAI-compatible endpoint) or offline' }),
    baseUrl: t.exposeString('baseUrl'),
    capabilities: t.field({ type: [Capability], resolve: (m) => m.capabilities as (typeof MODEL_CAPABILITIES)[number][] }),
    providerMapping: t.field({ type: 'JSON', resolve: (m) => m.providerMapping }),
    parameters: t.field({ type: 'JSON', resolve: (m) => m.parameters }),
    maxTokens: t.exposeInt('maxTokens', { nullable: true }),
    contextWindow: t.exposeInt('contextWindow', { nullable: true }),
    inputPrice: t.exposeFloat('inputPrice', { description: 'US dollars per million prompt tokens (cost estimates)' }),
    outputPrice: t.exposeFloat('outputPrice', { description: 'US dollars per million completion tokens' }),
    enabled: t.exposeBoolean('enabled'),
    isDefault: t.exposeBoolean('isDefault'),
    personal: t.boolean({ description: 'A model of mine (my own key), not a platform model', resolve: (m) => m.ownerId !== null }),
    apiKeyHint: t.exposeString('keyHint', { nullable: true, description: 'e.g. sk-…abcd; null when the model has no key' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

const fields = (required: boolean) => (t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) => ({
  name: t.string({ required }),
  providerModel: t.string({ required }),
  provider: t.string({ description: 'openai (default) or offline' }),
  baseUrl: t.string({ required: false, description: 'OpenAI-compatible base URL, e.g. https://api.openai.com/v1' }),
  capabilities: t.field({ type: [Capability] }),
  providerMapping: t.field({ type: 'JSON' }),
  parameters: t.field({ type: 'JSON', description: 'Sent with every call (temperature, top_p, …)' }),
  maxTokens: t.int(),
  contextWindow: t.int(),
  inputPrice: t.float(),
  outputPrice: t.float(),
  enabled: t.boolean(),
  isDefault: t.boolean(),
  apiKey: t.string({ description: 'Stored encrypted, never returned. On update, "" or the hint means unchanged' }),
});

const CreateAiModelInput = builder.inputType('CreateAiModelInput', {
  fields: (t) => ({
    ...fields(true)(t),
    personal: t.boolean({ description: 'Admins: true makes it a model of your own instead of a platform model' }),
  }),
});
const UpdateAiModelInput = builder.inputType('UpdateAiModelInput', { fields: (t) => fields(false)(t) });

const AiModelPayload = builder.objectRef<ModelResult>('AiModelPayload').implement({
  fields: (t) => ({
    model: t.field({ type: AiModel, nullable: true, resolve: (r) => (r.ok ? r.model : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

/** GraphQL leaves absent fields out and sends null for explicit nulls; the registry treats both as "not given" except where null means "none". */
function defined<T extends Record<string, unknown>>(input: T) {
  return Object.fromEntries(Object.entries(input).filter(([key, value]) => value !== null || key === 'maxTokens' || key === 'contextWindow')) as never;
}

builder.queryField('aiModels', (t) =>
  t.field({
    type: [AiModel],
    description: 'Models I can use: enabled platform models and my own (admins may ask for disabled ones too)',
    args: { enabledOnly: t.arg.boolean({ defaultValue: true }), capability: t.arg({ type: Capability }) },
    resolve: (_root, { enabledOnly, capability }, ctx) => ctx.models.list(ctx.viewer, { enabledOnly: enabledOnly ?? true, capability }),
  }),
);

builder.queryField('aiModel', (t) =>
  t.field({ type: AiModel, nullable: true, args: { id: t.arg.id({ required: true }) }, resolve: (_root, { id }, ctx) => ctx.models.get(ctx.viewer, String(id)) }),
);

builder.mutationField('createAiModel', (t) =>
  t.field({
    type: AiModelPayload,
    description: 'Admins add platform models; anyone may add a model of their own with their own key',
    args: { input: t.arg({ type: CreateAiModelInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.models.create(ctx.viewer, defined(input)),
  }),
);

builder.mutationField('updateAiModel', (t) =>
  t.field({
    type: AiModelPayload,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateAiModelInput, required: true }) },
    resolve: (_root, { id, input }, ctx) => ctx.models.update(ctx.viewer, String(id), defined(input)),
  }),
);

builder.mutationField('deleteAiModel', (t) =>
  t.field({
    type: 'Boolean',
    description: 'True when the model existed and was deleted',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.models.remove(ctx.viewer, String(id)),
  }),
);
