// User is owned by the users subgraph; decks adds the decks a user owns.
import { Deck } from './deck.js';
import { UserRef } from './user-ref.js';

UserRef.implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    decks: t.field({
      type: [Deck],
      description: "The user's latest 100 decks, newest first; empty unless the caller is that user or an admin (see Query.myDecks to page)",
      resolve: (user, _args, ctx) => {
        const viewer = ctx.viewer;
        if (!viewer || (viewer.userId !== user.id && viewer.role !== 'ADMIN')) return [];
        return ctx.loaders.decksByOwner.load(user.id);
      },
    }),
  }),
});
