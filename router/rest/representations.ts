// Graph objects -> the snake_case shapes the REST contract names.
export interface GraphUser {
  id: string;
  email: string | null;
  name: string;
  role: 'USER' | 'ADMIN';
  isActive: boolean;
  avatarUrl?: string | null;
  bio?: string | null;
  createdAt: string;
  lastLoginAt: string | null;
}

export function restUser(user: GraphUser) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    is_active: user.isActive,
    is_superuser: user.role === 'ADMIN',
    auth_type: 'password',
    avatar_url: user.avatarUrl ?? null,
    bio: user.bio ?? null,
    created_at: user.createdAt,
    last_login_at: user.lastLoginAt,
  };
}

export interface GraphDeck {
  id: string;
  title: string;
  revision: number;
  width: number;
  height: number;
  theme: unknown;
  slideCount: number;
  isTemplate: boolean;
  templateVisibility: string | null;
  myRole: string | null;
  document?: unknown;
  createdAt: string;
  updatedAt: string;
  owner: { id: string };
}

export function restDeck(deck: GraphDeck) {
  return {
    id: deck.id,
    title: deck.title,
    revision: deck.revision,
    width: deck.width,
    height: deck.height,
    theme: deck.theme,
    slide_count: deck.slideCount,
    owner_id: deck.owner.id,
    my_role: deck.myRole,
    is_template: deck.isTemplate,
    template_visibility: deck.templateVisibility,
    ...(deck.document !== undefined && { document: deck.document }),
    created_at: deck.createdAt,
    updated_at: deck.updatedAt,
  };
}

export interface GraphAuth {
  accessToken: string | null;
  expiresAt: string | null;
  refreshToken: string | null;
  refreshExpiresAt: string | null;
  sessionId: string | null;
  user: GraphUser | null;
  error: { code: string; message: string; field?: string | null } | null;
}

/** The login/register/refresh `data` of the contract. */
export function restAuth(auth: GraphAuth) {
  return {
    access_token: auth.accessToken,
    refresh_token: auth.refreshToken,
    token_type: 'bearer',
    expires_at: auth.expiresAt,
    refresh_expires_at: auth.refreshExpiresAt,
    session_id: auth.sessionId,
    user: auth.user && restUser(auth.user),
  };
}

export interface GraphSession {
  id: string;
  ipAddress: string | null;
  userAgent: string | null;
  createdAt: string;
  expiresAt: string;
  current: boolean;
}

export function restSession(session: GraphSession) {
  return {
    id: session.id,
    ip_address: session.ipAddress,
    user_agent: session.userAgent,
    created_at: session.createdAt,
    expires_at: session.expiresAt,
    is_current: session.current,
  };
}

export interface GraphImage {
  id: string;
  storageKey: string;
  originalFilename: string;
  description: string | null;
  mimeType: string;
  fileSize: number;
  width: number | null;
  height: number | null;
  status: 'PENDING' | 'PROCESSING' | 'READY' | 'FAILED';
  sourceType: string;
  prompt: string | null;
  generationModel: string | null;
  isPublic: boolean;
  tags: string[];
  /** The stable `/api/v1/img-access/{key}?sig=…` link, relative to the router. */
  link: string;
  storageType: string;
  createdAt: string;
  updatedAt: string;
  owner: { id: string };
}

/**
 * The predecessor's image fields; `url` is the storage key, as it returned it, and `image_url` the
 * stable link (absolute when `base`, the router's public origin, is given).
 */
export function restImage(image: GraphImage, base = '') {
  return {
    id: image.id,
    user_id: image.owner.id,
    filename: image.storageKey.split('/').at(-1),
    original_filename: image.originalFilename,
    description: image.description,
    tags: image.tags,
    is_public: image.isPublic,
    url: image.storageKey,
    image_url: `${base}${image.link}`,
    source_type: image.sourceType,
    generation_model: image.generationModel,
    width: image.width,
    height: image.height,
    file_size: image.fileSize,
    mime_type: image.mimeType,
    storage_status: image.status.toLowerCase(),
    cos_key: image.storageKey,
    created_at: image.createdAt,
    updated_at: image.updatedAt,
  };
}

export interface GraphImageTag {
  id: string;
  name: string;
  description: string | null;
  usageCount: number;
  createdAt: string;
  updatedAt: string;
}

export function restImageTag(tag: GraphImageTag) {
  return { id: tag.id, name: tag.name, description: tag.description, usage_count: tag.usageCount, created_at: tag.createdAt, updated_at: tag.updatedAt };
}

/** The contract's list envelope. */
export function restList<T>(items: T[], total: number, page: number, limit: number) {
  const pages = Math.ceil(total / limit);
  return { items, total, page, limit, pages, total_pages: pages };
}

/** A graph field name as the REST contract spells it (`slideCount` -> `slide_count`). */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export interface GraphGenerationJob {
  id: string;
  lastEventSeq: number;
  mode: string;
  topic: string;
  language: string;
  style: string | null;
  status: string;
  stage: string;
  progress: { stage: string; slidesDone: number; slidesTotal: number };
  outline: string | null;
  templateId: string | null;
  deckId: string | null;
  modelId: string | null;
  degraded: boolean;
  usage: { promptTokens: number; completionTokens: number; costUsd: number };
  error: string | null;
  errorCode: string | null;
  owner: { id: string };
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Status and mode in lower case, like the facade's other enum-like values (collaborator roles, deck event types). */
export function restGenerationJob(job: GraphGenerationJob) {
  return {
    id: job.id,
    mode: job.mode.toLowerCase(),
    status: job.status.toLowerCase(),
    progress: { stage: job.progress.stage, slides_done: job.progress.slidesDone, slides_total: job.progress.slidesTotal },
    topic: job.topic,
    language: job.language,
    style: job.style,
    outline: job.outline,
    template_id: job.templateId,
    deck_id: job.deckId,
    model_id: job.modelId,
    degraded: job.degraded,
    usage: { prompt_tokens: job.usage.promptTokens, completion_tokens: job.usage.completionTokens, cost_usd: job.usage.costUsd },
    error: job.error,
    error_code: job.errorCode,
    owner_id: job.owner.id,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  };
}

export interface GraphAiModel {
  id: string;
  name: string;
  providerModel: string;
  provider: string;
  baseUrl: string;
  capabilities: string[];
  providerMapping: Record<string, string>;
  parameters: Record<string, unknown>;
  maxTokens: number | null;
  contextWindow: number | null;
  inputPrice: number;
  outputPrice: number;
  enabled: boolean;
  isDefault: boolean;
  personal: boolean;
  apiKeyHint: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The `supports_*` flags the older client filters on, and the capability each one names. */
export const MODEL_SUPPORT_FLAGS = {
  supports_chat: 'chat',
  supports_vision: 'vision',
  supports_image_generation: 'image_gen',
  supports_embeddings: 'embeddings',
  supports_tools: 'tools',
} as const;

/** The predecessor's model fields; `api_key` is only ever the mask (the key is write-only). */
export function restAiModel(model: GraphAiModel) {
  const flags = Object.fromEntries(Object.entries(MODEL_SUPPORT_FLAGS).map(([flag, capability]) => [flag, model.capabilities.includes(capability)]));
  return {
    id: model.id,
    name: model.name,
    ai_model_name: model.providerModel,
    base_url: model.baseUrl,
    api_key: model.apiKeyHint ?? '',
    capabilities: model.capabilities,
    provider_mapping: model.providerMapping,
    parameters: model.parameters,
    max_tokens: model.maxTokens,
    context_window: model.contextWindow,
    input_price: model.inputPrice,
    output_price: model.outputPrice,
    is_enabled: model.enabled,
    is_default: model.isDefault,
    is_personal: model.personal,
    created_at: model.createdAt,
    updated_at: model.updatedAt,
    ...flags,
    provider: model.providerMapping.chat ?? model.provider,
  };
}
