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
  createdAt: string;
  owner: { id: string };
}

/** The predecessor's image fields; `url` is the storage key, as it returned it. */
export function restImage(image: GraphImage) {
  return {
    id: image.id,
    user_id: image.owner.id,
    filename: image.storageKey.split('/').at(-1),
    original_filename: image.originalFilename,
    description: image.description,
    tags: [],
    is_public: false,
    url: image.storageKey,
    image_url: `/api/v1/img-access/${image.storageKey}`,
    source_type: 'uploaded',
    generation_model: null,
    width: image.width,
    height: image.height,
    file_size: image.fileSize,
    mime_type: image.mimeType,
    storage_status: 'stored',
    cos_key: image.storageKey,
    created_at: image.createdAt,
  };
}

/** The contract's list envelope. */
export function restList<T>(items: T[], total: number, page: number, limit: number) {
  const pages = Math.ceil(total / limit);
  return { items, total, page, limit, pages, total_pages: pages };
}
