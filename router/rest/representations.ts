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
  document: unknown;
  slideCount: number;
  createdAt: string;
  updatedAt: string;
  owner: { id: string };
}

export function restDeck(deck: GraphDeck) {
  return {
    id: deck.id,
    title: deck.title,
    revision: deck.revision,
    slide_count: deck.slideCount,
    owner_id: deck.owner.id,
    document: deck.document,
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
