import { forbidden } from '../../../lib/errors.js';
import { builder, UserError } from '../builder.js';
import type { DeckLock } from '../deck-locks.js';
import type { Participant, PresenceMessage } from '../deck-presence.js';
import { Deck, loadDeck } from './deck.js';
import { UserRef } from './user-ref.js';

export const DeckLockType = builder.objectRef<DeckLock>('DeckLock').implement({
  description: 'A short edit lock on a slide or one element; others cannot edit it until it is released or expires',
  fields: (t) => ({
    slideId: t.exposeString('slideId'),
    elementId: t.exposeString('elementId', { nullable: true }),
    holder: t.field({ type: UserRef, resolve: (l) => ({ id: l.holderId }) }),
    clientId: t.exposeString('clientId', { nullable: true }),
    agent: t.exposeString('agent', { nullable: true, description: 'The service (the AI) holding it for the person, if any' }),
    acquiredAt: t.field({ type: 'DateTime', resolve: (l) => new Date(l.acquiredAt) }),
    expiresAt: t.field({ type: 'DateTime', resolve: (l) => new Date(l.expiresAt) }),
  }),
});

const ParticipantType = builder.objectRef<Participant>('DeckParticipant').implement({
  description: 'One editor session in the deck',
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (p) => ({ id: p.userId }) }),
    clientId: t.exposeString('clientId'),
    slideId: t.exposeString('slideId', { nullable: true }),
    selectedElementIds: t.exposeStringList('selectedElementIds'),
    colour: t.exposeString('colour', { description: "The person's colour (#rrggbb), the same in every deck" }),
    agent: t.exposeString('agent', { nullable: true, description: 'Set when a service (the AI) is the participant' }),
    joinedAt: t.field({ type: 'DateTime', resolve: (p) => new Date(p.joinedAt) }),
    lastSeenAt: t.field({ type: 'DateTime', resolve: (p) => new Date(p.lastSeenAt) }),
  }),
});

const PresenceChange = builder.enumType('DeckPresenceChange', { values: ['SNAPSHOT', 'JOINED', 'UPDATED', 'LEFT', 'LOCKED', 'UNLOCKED'] as const });

const PresenceEvent = builder.objectRef<PresenceMessage>('DeckPresenceEvent').implement({
  description: 'A change of who is in the deck, with the whole current picture',
  fields: (t) => ({
    deckId: t.exposeID('deckId'),
    seq: t.exposeInt('seq'),
    change: t.field({ type: PresenceChange, resolve: (m) => m.change }),
    participant: t.field({ type: ParticipantType, nullable: true, resolve: (m) => m.participant }),
    lock: t.field({ type: DeckLockType, nullable: true, resolve: (m) => m.lock }),
    participants: t.field({ type: [ParticipantType], resolve: (m) => m.participants }),
    locks: t.field({ type: [DeckLockType], resolve: (m) => m.locks }),
  }),
});

builder.objectField(Deck, 'presence', (t) =>
  t.field({ type: [ParticipantType], description: 'Editor sessions in the deck now', resolve: async (deck, _args, ctx) => (await ctx.collaboration.presence.snapshot(deck.id)).participants }),
);
builder.objectField(Deck, 'locks', (t) => t.field({ type: [DeckLockType], resolve: (deck, _args, ctx) => ctx.collaboration.presence.locks.active(deck.id) }));

const PresenceInput = builder.inputType('DeckPresenceInput', {
  fields: (t) => ({
    deckId: t.id({ required: true }),
    clientId: t.string({ required: true, description: 'Your editor session (one per open tab)' }),
    slideId: t.string(),
    selectedElementIds: t.stringList(),
  }),
});

builder.mutationField('updateDeckPresence', (t) =>
  t.field({
    type: ParticipantType,
    description: 'Join or heartbeat (at least every 30 s, or you leave): where you are and what you have selected',
    args: { input: t.arg({ type: PresenceInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(input.deckId), 'read', loadDeck(ctx));
      await ctx.collaboration.requireMember(ctx.viewer!, deck, ctx.decks.freshSource(ctx.viewer!));
      return ctx.collaboration.heartbeat(ctx.viewer!, deck, input);
    },
  }),
);

builder.mutationField('leaveDeck', (t) =>
  t.field({
    type: 'Boolean',
    description: 'Leave the deck: your presence and your locks go',
    args: { deckId: t.arg.id({ required: true }), clientId: t.arg.string({ required: true }) },
    resolve: async (_root, { deckId, clientId }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(deckId), 'read', loadDeck(ctx));
      return ctx.collaboration.leave(ctx.viewer!, deck, clientId);
    },
  }),
);

const LockInput = builder.inputType('AcquireDeckLockInput', {
  fields: (t) => ({
    deckId: t.id({ required: true }),
    slideId: t.string({ required: true }),
    elementId: t.string({ description: 'Absent: lock the whole slide' }),
    clientId: t.string({ description: 'Your editor session: the lock goes when it leaves' }),
    ttlSeconds: t.int({ description: 'How long until it expires unless renewed (default 30, at most 120)' }),
  }),
});

const LockPayload = builder.objectRef<{ ok: true; lock: DeckLock } | { ok: false; lock: DeckLock; error: { code: string; message: string; field?: string | null } }>('DeckLockPayload').implement({
  fields: (t) => ({
    lock: t.field({ type: DeckLockType, description: 'Yours, or (with error LOCKED) the holder’s', resolve: (r) => r.lock }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

builder.mutationField('acquireDeckLock', (t) =>
  t.field({
    type: LockPayload,
    description: 'Take (or renew) a lock on a slide or an element',
    args: { input: t.arg({ type: LockInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(input.deckId), 'edit', loadDeck(ctx));
      return ctx.collaboration.acquireLock(ctx.viewer!, deck, { slideId: input.slideId, elementId: input.elementId ?? null, clientId: input.clientId, ttlSeconds: input.ttlSeconds });
    },
  }),
);

builder.mutationField('releaseDeckLock', (t) =>
  t.field({
    type: 'Boolean',
    description: 'Release your lock (false when you did not hold it)',
    args: { deckId: t.arg.id({ required: true }), slideId: t.arg.string({ required: true }), elementId: t.arg.string() },
    resolve: async (_root, { deckId, slideId, elementId }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(deckId), 'edit', loadDeck(ctx));
      return ctx.collaboration.releaseLock(ctx.viewer!, deck, { slideId, elementId: elementId ?? null });
    },
  }),
);

builder.subscriptionField('deckPresence', (t) =>
  t.field({
    type: PresenceEvent,
    description: 'Who is in the deck: a snapshot, then every change. With clientId, ending the subscription leaves the deck',
    args: { deckId: t.arg.id({ required: true }), clientId: t.arg.string() },
    subscribe: async (_root, { deckId, clientId }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(deckId), 'read', loadDeck(ctx));
      if (!ctx.viewer) throw forbidden();
      await ctx.collaboration.requireMember(ctx.viewer, deck, ctx.decks.freshSource(ctx.viewer));
      return ctx.collaboration.presenceStream(ctx.viewer, deck, clientId ?? null);
    },
    resolve: (message) => message,
  }),
);
