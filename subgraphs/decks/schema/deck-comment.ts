import { builder, UserError } from '../builder.js';
import type { CommentResult } from '../comment-service.js';
import type { DeckComment as CommentRow } from '../comment-store.js';
import { Deck, loadDeck } from './deck.js';
import { UserRef } from './user-ref.js';

const Comment = builder.objectRef<CommentRow>('DeckComment');
Comment.implement({
  description: 'A comment on a slide or an element; threads are one level deep',
  fields: (t) => ({
    id: t.exposeID('id'),
    slideId: t.exposeString('slideId'),
    elementId: t.exposeString('elementId', { nullable: true }),
    author: t.field({ type: UserRef, resolve: (c) => ({ id: c.authorId }) }),
    content: t.exposeString('content'),
    resolved: t.exposeBoolean('resolved'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    replies: t.field({ type: [Comment], resolve: (c, _args, ctx) => (c.parentId ? [] : ctx.loaders.repliesByComment.load(c.id)) }),
  }),
});

builder.objectField(Deck, 'comments', (t) =>
  t.field({
    type: [Comment],
    description: 'Comment threads, oldest first',
    args: { slideId: t.arg.string(), includeResolved: t.arg.boolean({ defaultValue: true }) },
    resolve: async (deck, args, ctx) =>
      (await ctx.loaders.threadsByDeck.load(deck.id)).filter((c) => (!args.slideId || c.slideId === args.slideId) && (args.includeResolved !== false || !c.resolved)),
  }),
);

const CommentPayload = builder.objectRef<CommentResult>('DeckCommentPayload').implement({
  fields: (t) => ({
    comment: t.field({ type: Comment, nullable: true, resolve: (r) => (r.ok ? r.comment : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

const AddCommentInput = builder.inputType('AddDeckCommentInput', {
  fields: (t) => ({
    deckId: t.id({ required: true }),
    slideId: t.string({ required: true }),
    elementId: t.string(),
    content: t.string({ required: true }),
  }),
});

builder.mutationField('addDeckComment', (t) =>
  t.field({
    type: CommentPayload,
    args: { input: t.arg({ type: AddCommentInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(input.deckId), 'comment', loadDeck(ctx));
      return ctx.comments.add(ctx.viewer!, deck, input);
    },
  }),
);

builder.mutationField('replyToDeckComment', (t) =>
  t.field({
    type: CommentPayload,
    args: { commentId: t.arg.id({ required: true }), content: t.arg.string({ required: true }) },
    resolve: async (_root, { commentId, content }, ctx) => {
      const parent = await ctx.comments.find(String(commentId));
      await ctx.decks.authorize(ctx.viewer, parent.deckId, 'comment', loadDeck(ctx));
      return ctx.comments.reply(ctx.viewer!, parent, content);
    },
  }),
);

builder.mutationField('resolveDeckComment', (t) =>
  t.field({
    type: Comment,
    description: 'Marks the whole thread resolved (or open again)',
    args: { commentId: t.arg.id({ required: true }), resolved: t.arg.boolean({ required: true }) },
    resolve: async (_root, { commentId, resolved }, ctx) => {
      const comment = await ctx.comments.find(String(commentId));
      await ctx.decks.authorize(ctx.viewer, comment.deckId, 'comment', loadDeck(ctx));
      return ctx.comments.resolve(comment, resolved);
    },
  }),
);

builder.mutationField('deleteDeckComment', (t) =>
  t.field({
    type: CommentPayload,
    args: { commentId: t.arg.id({ required: true }) },
    resolve: async (_root, { commentId }, ctx) => {
      const comment = await ctx.comments.find(String(commentId));
      const { role } = await ctx.decks.authorize(ctx.viewer, comment.deckId, 'comment', loadDeck(ctx));
      return ctx.comments.remove(ctx.viewer!, role, comment);
    },
  }),
);
