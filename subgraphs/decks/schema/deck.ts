import { badInput } from '../../../lib/errors.js';
import { builder, UserError } from '../builder.js';
import type { DeckResult } from '../deck-service.js';
import type { Deck as DeckRow } from '../deck-store.js';
import { UserRef } from './user-ref.js';


export const Deck = builder.loadableObject('Deck', {
  load: (ids: string[], ctx) => ctx.deckStore.findByIds(ids),
  sort: (deck: DeckRow) => deck.id,
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    revision: t.exposeInt('revision', { description: 'Bumped by every applied change' }),
    document: t.field({ type: 'JSON', description: 'The PPTist document', resolve: (deck) => deck.document }),
    slideCount: t.int({
      resolve: (deck) => {
        const slides = (deck.document as { slides?: unknown[] } | null)?.slides;
        return Array.isArray(slides) ? slides.length : 0;
      },
    }),
    owner: t.field({ type: UserRef, resolve: (deck) => ({ id: deck.ownerId }) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.asEntity(Deck, {
  key: builder.selection<{ id: string }>('id'),
  // Entity fetches obey the same rule as Query.deck: unreadable decks resolve to null.
  resolveReference: async (ref, ctx) => {
    if (!ctx.decks.validId(ref.id)) return null;
    const deck = await Deck.getDataloader(ctx).load(ref.id).catch(() => null);
    return deck && ctx.viewer && (deck.ownerId === ctx.viewer.userId || ctx.viewer.role === 'ADMIN') ? deck : null;
  },
});

builder.queryField('deck', (t) =>
  t.field({
    type: Deck,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const deckId = String(id);
      if (!ctx.decks.validId(deckId)) throw badInput('id is not a valid deck id', 'id');
      const deck = await Deck.getDataloader(ctx).load(deckId).catch(() => null);
      return ctx.decks.assertReadable(ctx.viewer, deckId, deck);
    },
  }),
);

const DeckPayload = builder.objectRef<DeckResult>('DeckPayload').implement({
  fields: (t) => ({
    deck: t.field({ type: Deck, nullable: true, resolve: (r) => (r.ok ? r.deck : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

const CreateDeckInput = builder.inputType('CreateDeckInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    document: t.field({ type: 'JSON', required: false, description: 'A whole PPTist document to start from' }),
  }),
});

builder.mutationField('createDeck', (t) =>
  t.field({
    type: DeckPayload,
    args: { input: t.arg({ type: CreateDeckInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.decks.create(ctx.viewer, { title: input.title, document: input.document }),
  }),
);
