import { badInput, isUuid } from '../../../lib/errors.js';
import { builder } from '../builder.js';
import type { Session as SessionRow } from '../session-store.js';

const Session = builder.objectRef<SessionRow & { current: boolean }>('Session').implement({
  description: 'A signed-in device',
  fields: (t) => ({
    id: t.exposeID('id'),
    ipAddress: t.exposeString('ipAddress', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    current: t.exposeBoolean('current', { description: 'The session of the token that asked' }),
  }),
});

const SessionList = builder.objectRef<{ sessions: (SessionRow & { current: boolean })[]; total: number }>('SessionList').implement({
  fields: (t) => ({
    sessions: t.field({ type: [Session], resolve: (r) => r.sessions }),
    total: t.exposeInt('total'),
  }),
});

const RevokedCount = builder.objectRef<{ revokedCount: number }>('RevokedCount').implement({
  fields: (t) => ({ revokedCount: t.exposeInt('revokedCount') }),
});

builder.queryField('mySessions', (t) =>
  t.field({
    type: SessionList,
    description: 'My active sessions, newest first',
    args: { skip: t.arg.int({ defaultValue: 0 }), limit: t.arg.int({ defaultValue: 20 }) },
    resolve: async (_root, { skip, limit }, ctx) => {
      const { sessions, total } = await ctx.sessions.list(ctx.viewer, skip ?? 0, limit ?? 20);
      return { sessions: sessions.map((s) => ({ ...s, current: s.id === ctx.viewer?.sessionId })), total };
    },
  }),
);

builder.mutationField('signOut', (t) =>
  t.field({ type: RevokedCount, description: 'Signs this session out', resolve: async (_r, _a, ctx) => ({ revokedCount: await ctx.sessions.signOut(ctx.viewer) }) }),
);

builder.mutationField('signOutEverywhere', (t) =>
  t.field({ type: RevokedCount, description: 'Signs every session of mine out', resolve: async (_r, _a, ctx) => ({ revokedCount: await ctx.sessions.signOutEverywhere(ctx.viewer) }) }),
);

builder.mutationField('revokeSession', (t) =>
  t.field({
    type: RevokedCount,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      if (!isUuid(String(id))) throw badInput('id is not a session id', 'id');
      return { revokedCount: (await ctx.sessions.revokeOne(ctx.viewer, String(id))) ? 1 : 0 };
    },
  }),
);
