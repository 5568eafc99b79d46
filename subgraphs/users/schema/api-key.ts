import type { ApiKeyDeleteResult, ApiKeyResult, ApiKeyView } from '../api-key-service.js';
import { builder, UserError } from '../builder.js';

const ApiKey = builder.objectRef<ApiKeyView>('ApiKey').implement({
  description: 'A model API key of mine. The key itself is never returned: only a masked hint',
  fields: (t) => ({
    id: t.exposeID('id'),
    provider: t.exposeString('provider'),
    label: t.exposeString('label'),
    hint: t.exposeString('hint', { description: 'e.g. sk-…abcd' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const ApiKeyPayload = builder.objectRef<ApiKeyResult>('ApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKey, nullable: true, resolve: (r) => (r.ok ? r.apiKey : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

const DeleteApiKeyPayload = builder.objectRef<ApiKeyDeleteResult>('DeleteApiKeyPayload').implement({
  fields: (t) => ({
    deletedId: t.id({ nullable: true, resolve: (r) => (r.ok ? r.id : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

const AddApiKeyInput = builder.inputType('AddApiKeyInput', {
  fields: (t) => ({
    provider: t.string({ required: true, description: 'e.g. openai, deepseek, zhipu' }),
    label: t.string({ required: true }),
    key: t.string({ required: true, description: 'Stored encrypted; never shown again' }),
  }),
});

builder.queryField('myApiKeys', (t) =>
  t.field({ type: [ApiKey], resolve: (_root, _args, ctx) => ctx.apiKeys.list(ctx.viewer) }),
);

builder.mutationField('addApiKey', (t) =>
  t.field({
    type: ApiKeyPayload,
    args: { input: t.arg({ type: AddApiKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.apiKeys.create(ctx.viewer, input),
  }),
);

builder.mutationField('deleteApiKey', (t) =>
  t.field({
    type: DeleteApiKeyPayload,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.apiKeys.delete(ctx.viewer, String(id)),
  }),
);
