// /api/v1/ai-models (REST-COMPAT.md §1 "AI models registry"): the model registry in the
// predecessor's shape. Legacy routes: the old client's model-settings page calls them without a
// token, so anonymous calls act as the workspace account (LegacyAccess). Bodies come in either of
// the client generations' forms: capabilities + provider_mapping, or provider + supports_* flags.
import type express from 'express';
import { z } from 'zod';
import type { Gateway } from '../gateway.js';
import { runOperation } from './graphql-client.js';
import { type Caller, type Handler, optionalText, parseBody, wholeNumberField } from './handler.js';
import type { LegacyAccess } from './legacy-access.js';
import { type GraphAiModel, MODEL_SUPPORT_FLAGS, restAiModel, snakeCase } from './representations.js';
import { RestError, restErrorFromUserError } from './standard-response.js';

type ModelPayload = { model: GraphAiModel | null; error: { code: string; message: string; field?: string | null } | null };
type SupportFlag = keyof typeof MODEL_SUPPORT_FLAGS;

/** Numbers the edit form may send as strings; '' and null clear the value. */
const optionalCount = (field: string) => z.preprocess((value) => (value === '' ? null : value), wholeNumberField(field).nullable()).optional();
const optionalPrice = (field: string) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value), z.number({ error: `${field} must be a number` }).optional());
/** JSON objects the older client sends as JSON text. */
const jsonObject = (field: string) =>
  z.preprocess(
    (value) => {
      if (value === null) return undefined;
      if (typeof value !== 'string') return value;
      if (value.trim() === '') return {};
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    },
    z.record(z.string(), z.unknown(), { error: `${field} must be a JSON object` }).optional(),
  );
const flag = z.boolean().nullish().transform((value) => value ?? undefined);

const ModelBody = z.object({
  name: optionalText,
  ai_model_name: optionalText,
  base_url: optionalText,
  api_key: optionalText,
  capabilities: z.array(z.string(), { error: 'capabilities must be a list' }).nullish().transform((value) => value ?? undefined),
  provider_mapping: jsonObject('provider_mapping'),
  provider: optionalText,
  parameters: jsonObject('parameters'),
  max_tokens: optionalCount('max_tokens'),
  context_window: optionalCount('context_window'),
  input_price: optionalPrice('input_price'),
  output_price: optionalPrice('output_price'),
  is_enabled: flag,
  is_default: flag,
  personal: flag,
  ...(Object.fromEntries(Object.keys(MODEL_SUPPORT_FLAGS).map((name) => [name, flag])) as Record<SupportFlag, typeof flag>),
});
type ModelBody = z.infer<typeof ModelBody>;

/** The capabilities a body asks for: its list, or its supports_* flags applied to `current`. */
function capabilitiesOf(body: ModelBody, current: string[]): string[] | undefined {
  if (body.capabilities) return body.capabilities;
  const given = (Object.entries(MODEL_SUPPORT_FLAGS) as [SupportFlag, string][]).filter(([name]) => body[name] !== undefined);
  if (given.length === 0) return undefined;
  const capabilities = new Set(current);
  for (const [name, capability] of given) {
    if (body[name]) capabilities.add(capability);
    else capabilities.delete(capability);
  }
  return [...capabilities];
}

/**
 * The graph's input. In the older form `provider` names who serves the model (openai, zhipu, …):
 * it becomes the provider of every capability, and the transport stays OpenAI-compatible unless
 * it is the offline writer.
 */
function modelInput(body: ModelBody, current?: GraphAiModel) {
  const capabilities = capabilitiesOf(body, current?.capabilities ?? []);
  const mappedTo = body.provider && !body.provider_mapping ? body.provider : undefined;
  const mapped = capabilities ?? current?.capabilities ?? ['chat'];
  return {
    name: body.name,
    providerModel: body.ai_model_name,
    provider: body.provider ? (body.provider === 'offline' ? 'offline' : 'openai') : undefined,
    baseUrl: body.base_url,
    capabilities,
    providerMapping: body.provider_mapping ?? (mappedTo && Object.fromEntries(mapped.map((capability) => [capability, mappedTo]))),
    parameters: body.parameters,
    maxTokens: body.max_tokens,
    contextWindow: body.context_window,
    inputPrice: body.input_price,
    outputPrice: body.output_price,
    enabled: body.is_enabled,
    isDefault: body.is_default,
    // '' or the mask on update means "unchanged"; the registry decides (and refuses a mask on create).
    apiKey: body.api_key,
  };
}

/** Graph input names -> the contract's, for `error_details.field`. */
const FIELD_NAMES: Record<string, string> = { providerModel: 'ai_model_name', enabled: 'is_enabled', isDefault: 'is_default', apiKey: 'api_key' };

function modelOf(payload: ModelPayload, status = 200, message?: string) {
  if (payload.model) return { data: restAiModel(payload.model), status, message };
  const error = payload.error ?? { code: 'UNKNOWN', message: 'Nothing changed' };
  const field = error.field ? (FIELD_NAMES[error.field] ?? snakeCase(error.field)) : undefined;
  if (error.code === 'NOT_FOUND') throw new RestError(404, 'RESOURCE_NOT_FOUND', error.message);
  if (error.code === 'DUPLICATE_NAME') throw new RestError(409, 'CONFLICT', error.message, { code: error.code, field });
  throw restErrorFromUserError({ ...error, field });
}

function listFilter(query: express.Request['query']) {
  const enabledOnly = String(query.enabled_only ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(enabledOnly)) throw new RestError(400, 'INVALID_REQUEST', 'enabled_only is true or false', { field: 'enabled_only' });
  // The older client asks for image models with supports_image_generation=true.
  const capability = query.capability ?? (String(query.supports_image_generation) === 'true' ? 'image_gen' : undefined);
  return { enabledOnly: enabledOnly === 'true' || enabledOnly === '1', capability: capability === undefined ? null : String(capability) };
}

export function mountAiModelRoutes(router: express.Router, gateway: Gateway, route: (handler: Handler) => express.RequestHandler, legacy: LegacyAccess): void {
  // `acting` is the caller as LegacyAccess resolved it, once per request.
  const run = <T>(name: Parameters<typeof runOperation>[1], variables: Record<string, unknown>, acting: Caller) => runOperation<T>(gateway, name, variables, acting);
  const readModel = async (id: string, acting: Caller) => {
    const { model } = await run<{ model: GraphAiModel | null }>('AiModel', { id }, acting);
    if (!model) throw new RestError(404, 'RESOURCE_NOT_FOUND', `Model ${id} not found`);
    return model;
  };

  router.get(
    '/ai-models',
    route(async (req, caller) => {
      const filter = listFilter(req.query);
      const { models } = await run<{ models: GraphAiModel[] }>('AiModels', filter, await legacy.resolve(caller));
      return { data: { items: models.map(restAiModel), total: models.length } };
    }),
  );

  router.get(
    '/ai-models/:id',
    route(async (req, caller) => ({ data: restAiModel(await readModel(String(req.params.id), await legacy.resolve(caller))) })),
  );

  router.post(
    '/ai-models/models',
    route(async (req, caller) => {
      const body = parseBody(ModelBody, req);
      const { result } = await run<{ result: ModelPayload }>('CreateAiModel', { input: { ...modelInput(body), personal: body.personal } }, await legacy.resolve(caller));
      return modelOf(result, 201, 'Model created');
    }),
  );

  router.put(
    '/ai-models/models/:id',
    route(async (req, caller) => {
      const body = parseBody(ModelBody, req);
      // The supports_* form says what changes, not the whole list: apply it to the stored one.
      const acting = await legacy.resolve(caller);
      const current = await readModel(String(req.params.id), acting);
      const { result } = await run<{ result: ModelPayload }>('UpdateAiModel', { id: current.id, input: modelInput(body, current) }, acting);
      return modelOf(result, 200, 'Model updated');
    }),
  );

  router.delete(
    '/ai-models/models/:id',
    route(async (req, caller) => {
      const { deleted } = await run<{ deleted: boolean }>('DeleteAiModel', { id: req.params.id }, await legacy.resolve(caller));
      if (!deleted) throw new RestError(404, 'RESOURCE_NOT_FOUND', `Model ${String(req.params.id)} not found`);
      return { data: { id: req.params.id, deleted: true }, message: 'Model deleted' };
    }),
  );
}
