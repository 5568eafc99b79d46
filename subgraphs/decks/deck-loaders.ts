// Per-request DataLoaders for relations (entities use Pothos loadable objects).
import DataLoader from 'dataloader';
import type { Deck, DeckStore } from './deck-store.js';

export function createDeckLoaders(store: DeckStore) {
  return {
    decksByOwner: new DataLoader<string, Deck[]>(async (ownerIds) => {
      const rows = await store.findByOwners(ownerIds);
      return ownerIds.map((ownerId) => rows.filter((deck) => deck.ownerId === ownerId));
    }),
  };
}
export type DeckLoaders = ReturnType<typeof createDeckLoaders>;
