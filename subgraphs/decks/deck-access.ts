// Who may do what with a deck. One table of capabilities per role, used by GraphQL, REST and
// workers alike (through DeckService), so the authorisation matrix tests one rule set.
import type { Viewer } from '../../lib/auth/tokens.js';
import { DeckRole as DeckRoles } from '../../lib/generated/prisma/enums.js';
import type { Deck, DeckRole } from './deck-store.js';

export type AccessRole = 'OWNER' | 'EDITOR' | 'COMMENTER' | 'VIEWER' | 'ADMIN';
export type Capability = 'read' | 'comment' | 'edit' | 'share' | 'delete';

const CAPABILITIES: Record<AccessRole, ReadonlySet<Capability>> = {
  OWNER: new Set(['read', 'comment', 'edit', 'share', 'delete']),
  ADMIN: new Set(['read', 'comment', 'edit', 'share', 'delete']),
  EDITOR: new Set(['read', 'comment', 'edit']),
  COMMENTER: new Set(['read', 'comment']),
  VIEWER: new Set(['read']),
};

/**
 * The caller's role on a deck: owner, a collaborator's role, admin; a public template or a valid
 * share-link token reads as VIEWER. Null: no access at all.
 */
export function roleOn(viewer: Viewer | null, deck: Deck, membership: DeckRole | null | undefined, viaShareLink = false): AccessRole | null {
  if (viewer?.userId === deck.ownerId) return 'OWNER';
  if (viewer?.role === 'ADMIN') return 'ADMIN';
  if (membership) return membership;
  if (viaShareLink) return 'VIEWER';
  if (viewer && deck.isTemplate && deck.templateVisibility === 'PUBLIC') return 'VIEWER';
  return null;
}

export function can(role: AccessRole | null, capability: Capability): boolean {
  return role !== null && CAPABILITIES[role].has(capability);
}

/** The roles a collaborator can be given that may edit (the owner and admins are not collaborators). */
export const EDITING_COLLABORATOR_ROLES: readonly DeckRole[] = Object.values(DeckRoles).filter((role) => can(role, 'edit'));
