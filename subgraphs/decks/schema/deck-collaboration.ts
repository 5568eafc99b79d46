import { builder, UserError } from '../builder.js';
import type { BatchOutcome } from '../collaboration-service.js';
import { DECK_EVENT_TYPES, type DeckEventMessage } from '../deck-events.js';
import { CONFLICT_CODES, OPERATION_TYPES, type OperationConflict } from '../deck-operations.js';
import { DeckLockType } from './deck-presence.js';
import { loadDeck } from './deck.js';
import { UserRef } from './user-ref.js';

const OperationType = builder.enumType('DeckOperationType', { values: OPERATION_TYPES });
const ConflictCode = builder.enumType('DeckConflictCode', {
  values: {
    CHANGED_SINCE_BASE: { description: 'Someone changed this property after your baseRevision, to another value' },
    TARGET_MISSING: { description: 'The slide, element or group no longer exists' },
    DUPLICATE_ID: { description: 'A slide or element with this id already exists' },
    INVALID_TARGET: { description: 'The operation cannot apply to this target (a slide after itself)' },
  } satisfies Record<(typeof CONFLICT_CODES)[number], unknown>,
});
const EventType = builder.enumType('DeckEventType', {
  values: {
    OPERATIONS: { description: 'A batch was applied: apply `operations` in order' },
    RELOAD_REQUIRED: { description: 'Reload the document (it was replaced, or your revision is older than the log)' },
    ACCESS_CHANGED: { description: 'Internal: access changed (never delivered)' },
    ACCESS_REVOKED: { description: 'You no longer have access; the stream ends' },
    DECK_DELETED: { description: 'The deck was deleted; the stream ends' },
  } satisfies Record<(typeof DECK_EVENT_TYPES)[number], unknown>,
});
const BatchKind = builder.enumType('DeckBatchKind', { values: ['EDIT', 'UNDO', 'REDO', 'REPLACE'] as const });
const BatchStatus = builder.enumType('DeckBatchStatus', { values: ['APPLIED', 'CONFLICT', 'REJECTED'] as const });

const DeckEvent = builder.objectRef<DeckEventMessage>('DeckEvent').implement({
  description: "One entry of a deck's stream, in revision order",
  fields: (t) => ({
    type: t.field({ type: EventType, resolve: (e) => e.type }),
    deckId: t.exposeID('deckId'),
    revision: t.exposeInt('revision', { nullable: true, description: 'The deck revision after this event; resume with afterRevision = this' }),
    kind: t.field({ type: BatchKind, nullable: true, resolve: (e) => e.kind ?? null }),
    actor: t.field({ type: UserRef, nullable: true, resolve: (e) => (e.actorId ? { id: e.actorId } : null) }),
    clientId: t.string({ nullable: true, resolve: (e) => e.clientId ?? null }),
    batchId: t.id({ nullable: true, resolve: (e) => e.batchId ?? null }),
    operations: t.field({ type: 'JSON', nullable: true, description: 'The operations as applied (order keys resolved)', resolve: (e) => e.operations ?? null }),
    reason: t.string({ nullable: true, resolve: (e) => e.reason ?? null }),
    at: t.field({ type: 'DateTime', resolve: (e) => new Date(e.createdAt) }),
  }),
});

const Conflict = builder.objectRef<OperationConflict>('DeckOperationConflict').implement({
  description: 'Why one operation of a batch could not apply; nothing of the batch was applied',
  fields: (t) => ({
    operationIndex: t.exposeInt('operationIndex'),
    code: t.field({ type: ConflictCode, resolve: (c) => c.code }),
    message: t.exposeString('message'),
    slideId: t.string({ nullable: true, resolve: (c) => c.slideId ?? null }),
    elementId: t.string({ nullable: true, resolve: (c) => c.elementId ?? null }),
    property: t.string({ nullable: true, resolve: (c) => c.property ?? null }),
    currentValue: t.field({ type: 'JSON', nullable: true, description: "The server's current value, to rebase on", resolve: (c) => c.currentValue ?? null }),
  }),
});

export const OperationsResult = builder.objectRef<BatchOutcome>('DeckOperationsResult').implement({
  fields: (t) => ({
    status: t.field({ type: BatchStatus, resolve: (r) => r.status }),
    applied: t.boolean({ resolve: (r) => r.status === 'APPLIED' }),
    revision: t.exposeInt('revision', { description: 'The deck revision after the batch (or now, when it was not applied)' }),
    batch: t.field({ type: DeckEvent, nullable: true, resolve: (r) => (r.status === 'APPLIED' ? r.event : null) }),
    conflicts: t.field({ type: [Conflict], resolve: (r) => r.conflicts }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.status === 'REJECTED' ? r.error : null) }),
    lock: t.field({ type: DeckLockType, nullable: true, description: 'The lock that refused the batch (error LOCKED)', resolve: (r) => (r.status === 'REJECTED' ? (r.lock ?? null) : null) }),
  }),
});

const OperationInput = builder.inputType('DeckOperationInput', {
  description: 'One operation; which fields it needs depends on `type`',
  fields: (t) => ({
    type: t.field({ type: OperationType, required: true }),
    slideId: t.string(),
    elementId: t.string(),
    afterSlideId: t.string({ description: 'INSERT_SLIDE / MOVE_SLIDE: place right after this slide (absent: first)' }),
    index: t.int({ description: 'INSERT_ELEMENT / REORDER_ELEMENT: z-order position (0 = bottom)' }),
    slide: t.field({ type: 'JSON', description: 'INSERT_SLIDE: the PPTist slide, with its id' }),
    element: t.field({ type: 'JSON', description: 'INSERT_ELEMENT: the PPTist element, with its id' }),
    props: t.field({ type: 'JSON', description: 'UPDATE_*: properties to set (null removes one)' }),
    elementIds: t.stringList({ description: 'GROUP_ELEMENTS: the members' }),
    groupId: t.string(),
    baseRevision: t.int({ description: "Overrides the batch's baseRevision for this operation" }),
  }),
});

const ApplyInput = builder.inputType('ApplyDeckOperationsInput', {
  fields: (t) => ({
    deckId: t.id({ required: true }),
    baseRevision: t.int({ required: true, description: 'The revision your copy was at when you made these edits' }),
    operations: t.field({ type: [OperationInput], required: true }),
    batchId: t.id({ description: 'Your uuid for this batch: a retry with the same id applies once' }),
    clientId: t.string({ description: 'Your editor session (echoed in events so you can skip your own)' }),
  }),
});

const RevertInput = builder.inputType('RevertDeckEditInput', {
  fields: (t) => ({ deckId: t.id({ required: true }), batchId: t.id(), clientId: t.string() }),
});

/** GraphQL leaves absent fields null; the operation schema wants them absent. */
function withoutNulls(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined));
}

builder.mutationField('applyDeckOperations', (t) =>
  t.field({
    type: OperationsResult,
    description: 'Applies a batch of operations atomically; conflicts come back as data, nothing half-applied',
    args: { input: t.arg({ type: ApplyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const deckId = String(input.deckId);
      const authorize = () => ctx.decks.authorize(ctx.viewer, deckId, 'edit', loadDeck(ctx)).then(({ deck }) => deck);
      return ctx.collaboration.applyEdit(ctx.viewer!, deckId, authorize, {
        operations: input.operations.map((op) => withoutNulls(op)),
        baseRevision: input.baseRevision,
        batchId: input.batchId === null || input.batchId === undefined ? null : String(input.batchId),
        clientId: input.clientId,
      });
    },
  }),
);

for (const [field, description] of [
  ['undoDeckEdit', 'Reverts your own last batch in this deck (others may have edited meanwhile)'],
  ['redoDeckEdit', 'Re-applies what your last undo reverted, unless you edited since'],
] as const) {
  builder.mutationField(field, (t) =>
    t.field({
      type: OperationsResult,
      description,
      args: { input: t.arg({ type: RevertInput, required: true }) },
      resolve: async (_root, { input }, ctx) => {
        const { deck } = await ctx.decks.authorize(ctx.viewer, String(input.deckId), 'edit', loadDeck(ctx));
        const ids = { batchId: input.batchId === null || input.batchId === undefined ? null : String(input.batchId), clientId: input.clientId };
        return field === 'undoDeckEdit' ? ctx.collaboration.undo(ctx.viewer!, deck, ids) : ctx.collaboration.redo(ctx.viewer!, deck, ids);
      },
    }),
  );
}

builder.subscriptionField('deckEvents', (t) =>
  t.field({
    type: DeckEvent,
    description: 'Logged batches after `afterRevision`, then live ones, for members of the deck',
    args: { deckId: t.arg.id({ required: true }), afterRevision: t.arg.int({ required: true }) },
    subscribe: async (_root, { deckId, afterRevision }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(deckId), 'read', loadDeck(ctx));
      return ctx.collaboration.subscribe(ctx.viewer, deck, afterRevision, ctx.decks.freshSource(ctx.viewer!));
    },
    resolve: (event) => event,
  }),
);
