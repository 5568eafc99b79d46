// Graph objects -> the snake_case shapes the REST contract names.
export interface GraphUser {
  id: string;
  email: string | null;
  name: string;
  role: 'USER' | 'ADMIN';
  isActive: boolean;
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
