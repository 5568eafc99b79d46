import { badInput, unauthenticated } from '../../../lib/errors.js';
import { builder } from '../builder.js';
import type { DeckListOptions, Deck as DeckRow } from '../deck-store.js';
import { Deck, loadDeck, TemplateVisibility } from './deck.js';

// Cursors are opaque to clients: base64url of "updatedAt|id" (the keyset the lists sort by).
const encodeCursor = (deck: DeckRow) => Buffer.from(`${deck.updatedAt.toISOString()}|${deck.id}`).toString('base64url');
function decodeCursor(cursor: string | null | undefined): DeckListOptions['after'] {
  if (!cursor) return undefined;
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const updatedAt = new Date(at ?? '');
  if (!id || Number.isNaN(updatedAt.getTime())) throw badInput('after is not a cursor from this list', 'after');
  return { updatedAt, id };
}

interface DeckPage {
  rows: DeckRow[];
  first: number;
}

const DeckEdge = builder.objectRef<DeckRow>('DeckEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: encodeCursor }),
    node: t.field({ type: Deck, resolve: (deck) => deck }),
  }),
});

const DeckConnection = builder.objectRef<DeckPage>('DeckConnection').implement({
  description: 'A page of decks, most recently updated first',
  fields: (t) => ({
    edges: t.field({ type: [DeckEdge], resolve: (page) => page.rows.slice(0, page.first) }),
    hasNextPage: t.boolean({ resolve: (page) => page.rows.length > page.first }),
    endCursor: t.string({ nullable: true, resolve: (page) => (page.rows.length > 0 ? encodeCursor(page.rows[Math.min(page.first, page.rows.length) - 1]!) : null) }),
  }),
});

const listArgs = (t: Parameters<Parameters<typeof builder.queryField>[1]>[0]) => ({
  first: t.arg.int({ defaultValue: 20 }),
  after: t.arg.string(),
  query: t.arg.string({ description: 'Matches titles, case-insensitively' }),
});

function options(args: { first?: number | null; after?: string | null; query?: string | null }): DeckListOptions {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be 1 to 100', 'first');
  return { first, after: decodeCursor(args.after), query: args.query ?? undefined };
}

type DecksContext = Parameters<typeof loadDeck>[0];

/** One paged deck list: the same arguments, cursor and page shape for every list. */
function deckList(name: string, description: string, list: (ctx: DecksContext, o: DeckListOptions) => Promise<DeckRow[]>) {
  builder.queryField(name, (t) =>
    t.field({
      type: DeckConnection,
      description,
      args: listArgs(t),
      resolve: async (_root, args, ctx) => {
        const o = options(args);
        return { rows: await list(ctx, o), first: o.first };
      },
    }),
  );
}

function viewerId(ctx: DecksContext): string {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer.userId;
}

deckList('myDecks', 'Decks I own', (ctx, o) => ctx.deckStore.listOwned(viewerId(ctx), o));
deckList('decksSharedWithMe', 'Decks others shared with me', (ctx, o) => ctx.deckStore.listSharedWith(viewerId(ctx), o));
deckList('templates', 'Public templates and my own', (ctx, o) => ctx.deckStore.listTemplates(ctx.viewer?.userId ?? null, o));

builder.mutationField('publishDeckAsTemplate', (t) =>
  t.field({
    type: Deck,
    description: 'Flags the deck as a template (PRIVATE: only you; PUBLIC: everyone); null visibility unflags it',
    args: { deckId: t.arg.id({ required: true }), visibility: t.arg({ type: TemplateVisibility }) },
    resolve: async (_root, { deckId, visibility }, ctx) =>
      ctx.decks.publishTemplate((await ctx.decks.authorize(ctx.viewer, String(deckId), 'delete', loadDeck(ctx))).deck, visibility ?? null),
  }),
);
