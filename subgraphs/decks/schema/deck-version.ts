import { builder } from '../builder.js';
import type { DeckVersion as VersionRow } from '../deck-store.js';
import { Deck, DeckPayload, loadDeck } from './deck.js';
import { UserRef } from './user-ref.js';

const DeckVersion = builder.objectRef<Omit<VersionRow, 'snapshot'> & { snapshot?: unknown }>('DeckVersion').implement({
  description: 'A snapshot of the whole document',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { nullable: true }),
    kind: t.exposeString('kind', { description: 'MANUAL, AUTO_PERIODIC, AUTO_BEFORE_RESTORE, AUTO_BEFORE_REPLACE, AUTO_BEFORE_AI' }),
    revision: t.exposeInt('revision'),
    author: t.field({ type: UserRef, nullable: true, resolve: (v) => (v.authorId ? { id: v.authorId } : null) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    document: t.field({ type: 'JSON', nullable: true, description: 'Only when read one at a time (Query.deckVersion)', resolve: (v) => v.snapshot ?? null }),
  }),
});

builder.objectField(Deck, 'versions', (t) =>
  t.field({ type: [DeckVersion], description: 'Newest first', resolve: (deck, _args, ctx) => ctx.loaders.versionsByDeck.load(deck.id) }),
);

const VersionDiff = builder.objectRef<{ added: string[]; removed: string[]; changed: string[]; reordered: boolean; titleChanged: boolean; themeChanged: boolean }>('DeckVersionDiff').implement({
  description: 'What changed between two versions (or a version and now), by slide id',
  fields: (t) => ({
    added: t.exposeStringList('added'),
    removed: t.exposeStringList('removed'),
    changed: t.exposeStringList('changed'),
    reordered: t.exposeBoolean('reordered'),
    titleChanged: t.exposeBoolean('titleChanged'),
    themeChanged: t.exposeBoolean('themeChanged'),
  }),
});

builder.queryField('deckVersion', (t) =>
  t.field({
    type: DeckVersion,
    args: { deckId: t.arg.id({ required: true }), versionId: t.arg.id({ required: true }) },
    resolve: async (_root, { deckId, versionId }, ctx) => ctx.decks.version((await ctx.decks.authorize(ctx.viewer, String(deckId), 'read', loadDeck(ctx))).deck, String(versionId)),
  }),
);

builder.queryField('compareDeckVersions', (t) =>
  t.field({
    type: VersionDiff,
    args: { deckId: t.arg.id({ required: true }), fromVersionId: t.arg.id({ required: true }), toVersionId: t.arg.id({ description: 'Omit to compare with the current document' }) },
    resolve: async (_root, args, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(args.deckId), 'read', loadDeck(ctx));
      return ctx.decks.compare(deck, String(args.fromVersionId), args.toVersionId ? String(args.toVersionId) : null);
    },
  }),
);

builder.mutationField('createDeckVersion', (t) =>
  t.field({
    type: DeckVersion,
    description: 'A named snapshot; taken by the AI agent (a service acting for you) before it changes the deck, it is kept as AUTO_BEFORE_AI',
    args: { deckId: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    resolve: async (_root, { deckId, name }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(deckId), 'edit', loadDeck(ctx));
      return ctx.decks.snapshot(ctx.viewer!, deck, name, ctx.viewer!.service ? 'AUTO_BEFORE_AI' : 'MANUAL');
    },
  }),
);

builder.mutationField('restoreDeckVersion', (t) =>
  t.field({
    type: DeckPayload,
    description: 'Restores as a new revision; the current document is kept as an automatic version first',
    args: { deckId: t.arg.id({ required: true }), versionId: t.arg.id({ required: true }) },
    resolve: async (_root, { deckId, versionId }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(deckId), 'edit', loadDeck(ctx));
      return ctx.decks.restoreVersion(ctx.viewer!, deck, String(versionId));
    },
  }),
);
