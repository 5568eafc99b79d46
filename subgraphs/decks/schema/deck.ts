import { badInput } from '../../../lib/errors.js';
import { builder, UserError } from '../builder.js';
import { can, roleOn } from '../deck-access.js';
import type { DeckResult, DeckSource } from '../deck-service.js';
import { assembleDocument } from '../deck-parts.js';
import type { Deck as DeckRow, DeckCollaborator as CollaboratorRow, Slide as SlideRow } from '../deck-store.js';
import { UserRef } from './user-ref.js';

export const DeckAccessRole = builder.enumType('DeckAccessRole', { values: ['OWNER', 'EDITOR', 'COMMENTER', 'VIEWER', 'ADMIN'] as const });
export const CollaboratorRole = builder.enumType('CollaboratorRole', { values: ['EDITOR', 'COMMENTER', 'VIEWER'] as const });
export const TemplateVisibility = builder.enumType('TemplateVisibility', { values: ['PRIVATE', 'PUBLIC'] as const });

const DeckSlide = builder.objectRef<SlideRow & { position: number }>('DeckSlide').implement({
  description: 'One slide of a deck, addressable by its PPTist id',
  fields: (t) => ({
    id: t.exposeID('id'),
    position: t.exposeInt('position'),
    orderKey: t.exposeString('orderKey', { description: 'Fractional order key (co-editing inserts between keys)' }),
    type: t.string({ nullable: true, resolve: (s) => ((s.content as { type?: unknown }).type as string | undefined) ?? null }),
    content: t.field({ type: 'JSON', description: 'The PPTist slide with its id', resolve: (s) => ({ id: s.id, ...(s.content as object) }) }),
  }),
});

const Collaborator = builder.objectRef<CollaboratorRow>('DeckCollaborator').implement({
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (c) => ({ id: c.userId }) }),
    role: t.field({ type: CollaboratorRole, resolve: (c) => c.role }),
    addedAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const Deck = builder.loadableObject('Deck', {
  load: (ids: string[], ctx) => ctx.deckStore.findByIds(ids),
  sort: (deck: DeckRow) => deck.id,
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    revision: t.exposeInt('revision', { description: 'Bumped by every applied change' }),
    width: t.exposeFloat('width'),
    height: t.exposeFloat('height'),
    theme: t.field({ type: 'JSON', resolve: (deck) => deck.theme }),
    document: t.field({
      type: 'JSON',
      description: 'The whole PPTist document ({title, width, height, theme, slides})',
      resolve: async (deck, _args, ctx) => assembleDocument(deck, await ctx.loaders.slidesByDeck.load(deck.id)),
    }),
    slides: t.field({
      type: [DeckSlide],
      resolve: async (deck, _args, ctx) => (await ctx.loaders.slidesByDeck.load(deck.id)).map((slide, position) => ({ ...slide, position })),
    }),
    slideCount: t.int({ resolve: async (deck, _args, ctx) => (await ctx.loaders.slidesByDeck.load(deck.id)).length }),
    owner: t.field({ type: UserRef, resolve: (deck) => ({ id: deck.ownerId }) }),
    collaborators: t.field({ type: [Collaborator], resolve: (deck, _args, ctx) => ctx.loaders.collaboratorsByDeck.load(deck.id) }),
    myRole: t.field({
      type: DeckAccessRole,
      nullable: true,
      resolve: async (deck, _args, ctx) => roleOn(ctx.viewer, deck, await ctx.loaders.myRoleByDeck.load(deck.id)),
    }),
    isTemplate: t.exposeBoolean('isTemplate'),
    templateVisibility: t.field({ type: TemplateVisibility, nullable: true, resolve: (deck) => deck.templateVisibility }),
    hasShareLink: t.boolean({
      nullable: true,
      description: 'Whether a public read-only link exists (null unless you may manage sharing)',
      resolve: async (deck, _args, ctx) => (can(roleOn(ctx.viewer, deck, await ctx.loaders.myRoleByDeck.load(deck.id)), 'share') ? deck.shareTokenHash !== null : null),
    }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.asEntity(Deck, {
  key: builder.selection<{ id: string }>('id'),
  // Entity fetches obey the same rule as Query.deck: unreadable or deleted decks resolve to null.
  resolveReference: async (ref, ctx) => {
    const deck = await Deck.getDataloader(ctx).load(ref.id).catch(() => null);
    if (!deck || deck.deletedAt) return null;
    return can(roleOn(ctx.viewer, deck, await ctx.loaders.myRoleByDeck.load(deck.id)), 'read') ? deck : null;
  },
});

export const DeckPayload = builder.objectRef<DeckResult>('DeckPayload').implement({
  fields: (t) => ({
    deck: t.field({ type: Deck, nullable: true, resolve: (r) => (r.ok ? r.deck : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

export const loadDeck = (ctx: Parameters<typeof Deck.getDataloader>[0]): DeckSource => ({
  deck: (id) => Deck.getDataloader(ctx).load(id).catch(() => null),
  membership: (id) => ctx.loaders.myRoleByDeck.load(id),
});

builder.queryField('deck', (t) =>
  t.field({
    type: Deck,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => (await ctx.decks.authorize(ctx.viewer, String(id), 'read', loadDeck(ctx))).deck,
  }),
);

builder.queryField('sharedDeck', (t) =>
  t.field({
    type: Deck,
    description: 'A deck opened through its public read-only link (no sign-in needed)',
    args: { token: t.arg.string({ required: true }) },
    resolve: (_root, { token }, ctx) => ctx.decks.byShareToken(token),
  }),
);

const CreateDeckInput = builder.inputType('CreateDeckInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    document: t.field({ type: 'JSON', required: false, description: 'A whole PPTist document to start from' }),
    templateId: t.id({ required: false, description: 'Start from this template (a deck flagged as one)' }),
  }),
});

builder.mutationField('createDeck', (t) =>
  t.field({
    type: DeckPayload,
    args: { input: t.arg({ type: CreateDeckInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      let template = null;
      if (input.templateId) {
        const { deck } = await ctx.decks.authorize(ctx.viewer, String(input.templateId), 'read', loadDeck(ctx));
        if (!deck.isTemplate) throw badInput('templateId is not a template', 'templateId');
        template = { deck, document: await ctx.decks.document(deck) };
      }
      return ctx.decks.create(ctx.viewer, { title: input.title, document: input.document, template });
    },
  }),
);

const RenameDeckInput = builder.inputType('RenameDeckInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    title: t.string({ required: true }),
    expectedRevision: t.int({ description: 'Refuse (STALE_REVISION) unless the deck is still at this revision' }),
  }),
});

builder.mutationField('renameDeck', (t) =>
  t.field({
    type: DeckPayload,
    args: { input: t.arg({ type: RenameDeckInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(input.id), 'edit', loadDeck(ctx));
      return ctx.decks.rename(ctx.viewer!, deck, input.title, input.expectedRevision);
    },
  }),
);

const UpdateDeckSettingsInput = builder.inputType('UpdateDeckSettingsInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    theme: t.field({ type: 'JSON', required: false }),
    width: t.float(),
    height: t.float(),
    expectedRevision: t.int(),
  }),
});

builder.mutationField('updateDeckSettings', (t) =>
  t.field({
    type: DeckPayload,
    description: 'Theme and canvas size',
    args: { input: t.arg({ type: UpdateDeckSettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(input.id), 'edit', loadDeck(ctx));
      return ctx.decks.updateSettings(ctx.viewer!, deck, { theme: input.theme, width: input.width, height: input.height }, input.expectedRevision);
    },
  }),
);

const ReplaceDeckDocumentInput = builder.inputType('ReplaceDeckDocumentInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    document: t.field({ type: 'JSON', required: true }),
    expectedRevision: t.int(),
  }),
});

builder.mutationField('replaceDeckDocument', (t) =>
  t.field({
    type: DeckPayload,
    description: 'Replaces the whole document (an automatic version is kept of the old one)',
    args: { input: t.arg({ type: ReplaceDeckDocumentInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(input.id), 'edit', loadDeck(ctx));
      return ctx.decks.replaceDocument(ctx.viewer!, deck, input.document, input.expectedRevision);
    },
  }),
);

builder.mutationField('deleteDeck', (t) =>
  t.field({
    type: Deck,
    description: `Moves the deck to the bin; restorable for a while`,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => ctx.decks.softDelete((await ctx.decks.authorize(ctx.viewer, String(id), 'delete', loadDeck(ctx))).deck),
  }),
);

builder.mutationField('restoreDeck', (t) =>
  t.field({
    type: Deck,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) =>
      ctx.decks.restore((await ctx.decks.authorize(ctx.viewer, String(id), 'delete', loadDeck(ctx), { includeDeleted: true })).deck),
  }),
);

builder.mutationField('duplicateDeck', (t) =>
  t.field({
    type: DeckPayload,
    description: 'A copy of the deck, owned by you',
    args: { id: t.arg.id({ required: true }), title: t.arg.string() },
    resolve: async (_root, { id, title }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(id), 'read', loadDeck(ctx));
      return ctx.decks.duplicate(ctx.viewer!, deck, title);
    },
  }),
);
