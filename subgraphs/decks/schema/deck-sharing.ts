import { builder } from '../builder.js';
import { CollaboratorRole, Deck, DeckPayload, loadDeck } from './deck.js';

const ShareDeckInput = builder.inputType('ShareDeckInput', {
  fields: (t) => ({
    deckId: t.id({ required: true }),
    userId: t.id({ required: true }),
    role: t.field({ type: CollaboratorRole, required: true }),
  }),
});

builder.mutationField('shareDeck', (t) =>
  t.field({
    type: DeckPayload,
    description: 'Invites a user, or changes their role',
    args: { input: t.arg({ type: ShareDeckInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(input.deckId), 'share', loadDeck(ctx));
      return ctx.decks.share(deck, String(input.userId), input.role);
    },
  }),
);

builder.mutationField('unshareDeck', (t) =>
  t.field({
    type: DeckPayload,
    args: { deckId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }) },
    resolve: async (_root, { deckId, userId }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(deckId), 'share', loadDeck(ctx));
      return ctx.decks.unshare(deck, String(userId));
    },
  }),
);

builder.mutationField('transferDeckOwnership', (t) =>
  t.field({
    type: DeckPayload,
    description: 'The previous owner stays on as an editor',
    args: { deckId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }) },
    resolve: async (_root, { deckId, userId }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(deckId), 'delete', loadDeck(ctx));
      return ctx.decks.transfer(deck, String(userId));
    },
  }),
);

const ShareLink = builder.objectRef<{ token: string; deck: unknown }>('DeckShareLink').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Shown once; open the deck with Query.sharedDeck(token)' }),
    deck: t.field({ type: Deck, resolve: (r) => r.deck as never }),
  }),
});

builder.mutationField('createDeckShareLink', (t) =>
  t.field({
    type: ShareLink,
    description: 'A new public read-only link (the previous one stops working)',
    args: { deckId: t.arg.id({ required: true }) },
    resolve: async (_root, { deckId }, ctx) => ctx.decks.createShareLink((await ctx.decks.authorize(ctx.viewer, String(deckId), 'share', loadDeck(ctx))).deck),
  }),
);

builder.mutationField('revokeDeckShareLink', (t) =>
  t.field({
    type: Deck,
    args: { deckId: t.arg.id({ required: true }) },
    resolve: async (_root, { deckId }, ctx) => ctx.decks.revokeShareLink((await ctx.decks.authorize(ctx.viewer, String(deckId), 'share', loadDeck(ctx))).deck),
  }),
);
