// Per-request DataLoaders: a deck page (deck + owner + slides + collaborators + versions) costs a
// fixed number of queries however many slides, collaborators or decks are on it.
import DataLoader from 'dataloader';
import type { Viewer } from '../../lib/auth/tokens.js';
import type { CommentStore, DeckComment } from './comment-store.js';
import type { Deck, DeckCollaborator, DeckRole, DeckStore, DeckVersion, Slide } from './deck-store.js';

function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}

export function createDeckLoaders(store: DeckStore, comments: CommentStore, viewer: Viewer | null) {
  return {
    threadsByDeck: new DataLoader<string, DeckComment[]>(async (deckIds) => groupBy(deckIds, await comments.threadsOf(deckIds), (c) => c.deckId)),
    repliesByComment: new DataLoader<string, DeckComment[]>(async (ids) => groupBy(ids, await comments.repliesOf(ids), (c) => c.parentId!)),
    decksByOwner: new DataLoader<string, Deck[]>(async (ownerIds) =>
      groupBy(ownerIds, await store.findByOwners(ownerIds), (d) => d.ownerId).map((decks) => decks.slice(0, 100)),
    ),
    slidesByDeck: new DataLoader<string, Slide[]>(async (deckIds) => groupBy(deckIds, await store.slidesOf(deckIds), (s) => s.deckId)),
    collaboratorsByDeck: new DataLoader<string, DeckCollaborator[]>(async (deckIds) => groupBy(deckIds, await store.collaboratorsOf(deckIds), (c) => c.deckId)),
    versionsByDeck: new DataLoader<string, Omit<DeckVersion, 'snapshot'>[]>(async (deckIds) => groupBy(deckIds, await store.versionsOf(deckIds), (v) => v.deckId)),
    /** The caller's own collaborator role on each deck (null: none). */
    myRoleByDeck: new DataLoader<string, DeckRole | null>(async (deckIds) => {
      if (!viewer) return deckIds.map(() => null);
      const rows = await store.membershipsOf(viewer.userId, deckIds);
      return deckIds.map((id) => rows.find((row) => row.deckId === id)?.role ?? null);
    }),
  };
}
export type DeckLoaders = ReturnType<typeof createDeckLoaders>;
