// The model registry: which OpenAI-compatible models exist, who may use and change them, and which
// one a request means. Keys are sealed at rest and opened only for a model call on the server.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Viewer } from '../../lib/auth/tokens.js';
import { type KeyRing, keyRing, maskSecret, open, seal } from '../../lib/crypto/envelope.js';
import { forbidden, isUuid, unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { userErrorFromZod } from '../../lib/graphql/user-error.js';
import { type AiModel, type ModelStore, type ModelWrite, sealedKeyColumns, sealedKeyOf } from './model-store.js';

export const MODEL_CAPABILITIES = ['chat', 'vision', 'image_gen', 'embeddings', 'tools', 'audio'] as const;
export type ModelCapability = (typeof MODEL_CAPABILITIES)[number];
/** The built-in writer (offline-generator.ts): seeded as a model so every client lists it. */
export const OFFLINE_MODEL_ID = '00000000-0000-4000-8000-0000000000f1';

export type ModelResult = { ok: true; model: AiModel } | { ok: false; error: UserErrorShape };

/** What a model call needs; the key exists only in memory, for the call. */
export interface ModelEndpoint {
  id: string;
  name: string;
  providerModel: string;
  baseUrl: string;
  apiKey: string;
  parameters: Record<string, unknown>;
  maxTokens: number | null;
  inputPrice: number;
  outputPrice: number;
}

const Parameters = z.record(z.string(), z.unknown()).refine((p) => JSON.stringify(p).length <= 4000, 'parameters are at most 4000 characters of JSON');

const ModelFields = z.object({
  name: z.string().trim().min(1, 'Name is required').max(100, 'Name is at most 100 characters'),
  providerModel: z.string().trim().min(1, 'Provider model name is required').max(200, 'Provider model name is at most 200 characters'),
  provider: z.enum(['openai', 'offline']).default('openai'),
  baseUrl: z.url({ protocol: /^https?$/, message: 'Base URL must be an http(s) URL' }).max(500).or(z.literal('')).default(''),
  capabilities: z.array(z.enum(MODEL_CAPABILITIES)).max(MODEL_CAPABILITIES.length).default(['chat']),
  providerMapping: z.record(z.string().max(50), z.string().max(50)).default({}),
  parameters: Parameters.default({}),
  maxTokens: z.number().int().min(1).max(1_000_000).nullable().default(null),
  contextWindow: z.number().int().min(1).max(10_000_000).nullable().default(null),
  inputPrice: z.number().min(0).max(10_000).default(0),
  outputPrice: z.number().min(0).max(10_000).default(0),
  enabled: z.boolean().default(true),
  isDefault: z.boolean().default(false),
  personal: z.boolean().default(false),
});

const ApiKeyInput = z
  .string()
  .max(500, 'API key is at most 500 characters')
  .refine((key) => !/\s/.test(key), 'API key must not contain spaces or line breaks');

export type ModelInput = z.input<typeof ModelFields> & { apiKey?: string | null };
export type ModelPatch = Partial<ModelInput>;

/** The sealed key is bound to its record: a blob copied onto another model does not open. */
const sealContext = (id: string) => `ai.models:${id}`;
const looksMasked = (key: string) => key.includes('…') || key.includes('***');

export class ModelRegistry {
  constructor(
    private readonly store: ModelStore,
    private readonly ring: () => KeyRing = keyRing,
  ) {}

  list(viewer: Viewer | null, filter: { enabledOnly?: boolean; capability?: string | null } = {}): Promise<AiModel[]> {
    // Disabled models are the admins' business; everyone else sees what they can use.
    const enabledOnly = filter.enabledOnly ?? true;
    return this.store.visibleTo(viewer?.userId ?? null, { enabledOnly: enabledOnly || viewer?.role !== 'ADMIN', capability: filter.capability ?? undefined });
  }

  async get(viewer: Viewer | null, id: string): Promise<AiModel | null> {
    const model = isUuid(id) ? await this.store.findById(id) : null;
    return model && this.canSee(viewer, model) ? model : null;
  }

  canSee(viewer: Viewer | null, model: AiModel): boolean {
    if (model.ownerId) return viewer?.userId === model.ownerId;
    return model.enabled || viewer?.role === 'ADMIN';
  }

  async create(viewer: Viewer | null, input: ModelInput): Promise<ModelResult> {
    if (!viewer) throw unauthenticated();
    const parsed = ModelFields.safeParse(input);
    if (!parsed.success) return { ok: false, error: userErrorFromZod(parsed.error) };
    // Users bring their own models and keys; only admins add models for everyone.
    const ownerId = viewer.role === 'ADMIN' && !parsed.data.personal ? null : viewer.userId;
    const key = input.apiKey ?? '';
    const keyProblem = this.keyProblem(key, null);
    if (keyProblem) return { ok: false, error: keyProblem };
    if (parsed.data.provider === 'openai' && !parsed.data.baseUrl) return { ok: false, error: { code: 'BAD_USER_INPUT', message: 'An OpenAI-compatible model needs a base URL', field: 'baseUrl' } };
    if (await this.store.findByName(ownerId, parsed.data.name)) return { ok: false, error: { code: 'DUPLICATE_NAME', message: `A model named ${parsed.data.name} exists`, field: 'name' } };
    const id = randomUUID();
    const { personal: _personal, ...fields } = parsed.data;
    const data: ModelWrite = { ...fields, providerMapping: fields.providerMapping, parameters: fields.parameters as object, ownerId, ...this.sealedKey(id, key) };
    return { ok: true, model: await this.store.save(id, data, false) };
  }

  async update(viewer: Viewer | null, id: string, patch: ModelPatch): Promise<ModelResult> {
    const model = await this.writable(viewer, id);
    if (!model) return { ok: false, error: { code: 'NOT_FOUND', message: `Model ${id} not found`, field: 'id' } };
    const current = {
      name: model.name,
      providerModel: model.providerModel,
      provider: model.provider as 'openai' | 'offline',
      baseUrl: model.baseUrl,
      capabilities: model.capabilities as (typeof MODEL_CAPABILITIES)[number][],
      providerMapping: model.providerMapping as Record<string, string>,
      parameters: model.parameters as Record<string, unknown>,
      maxTokens: model.maxTokens,
      contextWindow: model.contextWindow,
      inputPrice: model.inputPrice,
      outputPrice: model.outputPrice,
      enabled: model.enabled,
      isDefault: model.isDefault,
    };
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    const parsed = ModelFields.safeParse({ ...current, ...defined });
    if (!parsed.success) return { ok: false, error: userErrorFromZod(parsed.error) };
    if (parsed.data.name !== model.name) {
      const clash = await this.store.findByName(model.ownerId, parsed.data.name);
      if (clash) return { ok: false, error: { code: 'DUPLICATE_NAME', message: `A model named ${parsed.data.name} exists`, field: 'name' } };
    }
    // The edit form sends back what it was shown: the mask, or '' — both mean "unchanged".
    const key = patch.apiKey;
    const keyChanged = key !== undefined && key !== null && key !== '' && key !== model.keyHint;
    if (keyChanged) {
      const keyProblem = this.keyProblem(key, model.keyHint);
      if (keyProblem) return { ok: false, error: keyProblem };
    }
    const { personal: _personal, ...fields } = parsed.data;
    const data: ModelWrite = { ...fields, parameters: fields.parameters as object, ownerId: model.ownerId, ...(keyChanged && this.sealedKey(id, key)) };
    return { ok: true, model: await this.store.save(id, data, true) };
  }

  async remove(viewer: Viewer | null, id: string): Promise<boolean> {
    const model = await this.writable(viewer, id);
    if (!model) return false;
    if (model.id === OFFLINE_MODEL_ID) throw forbidden('The built-in offline writer cannot be deleted (disable it instead)');
    return this.store.delete(id);
  }

  /**
   * The model a request means (REST-COMPAT.md "Model names"): by id, then provider model name, then
   * name, among the enabled models with the capability the owner may use; else the default
   * platform model. For chat, then the offline writer; for any other capability (which the offline
   * writer lacks), then the owner's own model, so a user who brought one image model need not name
   * it. Never fails on a name: clients send literals this server has never heard of.
   */
  async resolve(ownerId: string, requested: string | null | undefined, capability: ModelCapability = 'chat'): Promise<{ model: AiModel | null; matched: boolean }> {
    const usable = (await this.store.visibleTo(ownerId, { enabledOnly: true, capability })).filter((m) => (m.provider === 'offline' ? capability === 'chat' : Boolean(m.baseUrl)));
    const wanted = requested?.trim();
    if (wanted) {
      const match = usable.find((m) => m.id === wanted) ?? usable.find((m) => m.providerModel === wanted) ?? usable.find((m) => m.name === wanted);
      if (match) return { model: match, matched: true };
    }
    const platformDefault = usable.find((m) => m.isDefault && !m.ownerId);
    const fallback = platformDefault ?? (capability === 'chat' ? usable.find((m) => m.id === OFFLINE_MODEL_ID) : usable.find((m) => m.ownerId === ownerId)) ?? null;
    return { model: fallback, matched: false };
  }

  /** The endpoint of a model for a call, key opened; null for the offline writer or a missing model. */
  async endpoint(modelId: string | null): Promise<ModelEndpoint | null> {
    const model = modelId ? await this.store.findById(modelId) : null;
    if (!model || model.provider === 'offline' || !model.baseUrl) return null;
    const sealed = sealedKeyOf(model);
    return {
      id: model.id,
      name: model.name,
      providerModel: model.providerModel,
      baseUrl: model.baseUrl,
      // Local OpenAI-compatible servers often need no key; the SDK insists on a string.
      apiKey: sealed ? open(sealed, this.ring(), sealContext(model.id)) : 'no-key',
      parameters: model.parameters as Record<string, unknown>,
      maxTokens: model.maxTokens,
      inputPrice: model.inputPrice,
      outputPrice: model.outputPrice,
    };
  }

  private async writable(viewer: Viewer | null, id: string): Promise<AiModel | null> {
    if (!viewer) throw unauthenticated();
    const model = isUuid(id) ? await this.store.findById(id) : null;
    if (!model) return null;
    if (model.ownerId ? model.ownerId !== viewer.userId : viewer.role !== 'ADMIN') {
      if (!this.canSee(viewer, model)) return null;
      throw forbidden(model.ownerId ? 'This model is not yours' : 'Only administrators change platform models');
    }
    return model;
  }

  private keyProblem(key: string, currentHint: string | null): UserErrorShape | null {
    const parsed = ApiKeyInput.safeParse(key);
    if (!parsed.success) return { ...userErrorFromZod(parsed.error), field: 'apiKey' };
    if (key && key !== currentHint && looksMasked(key)) return { code: 'BAD_USER_INPUT', message: 'Paste the whole API key, not its masked hint', field: 'apiKey' };
    return null;
  }

  private sealedKey(id: string, key: string) {
    return key ? sealedKeyColumns(seal(key, this.ring(), sealContext(id)), maskSecret(key)) : sealedKeyColumns(null, null);
  }
}
