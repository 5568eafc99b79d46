import { isUuid } from '../../../lib/errors.js';
import { canSeePrivate } from '../account-service.js';
import { builder } from '../builder.js';
import type { PreferencesView } from '../preferences-service.js';

export const Role = builder.enumType('Role', { values: ['USER', 'ADMIN'] as const });

export const Preferences = builder.objectRef<PreferencesView>('Preferences').implement({
  description: "A user's defaults for generation and editing",
  fields: (t) => ({
    // Shared with the ai subgraph, which reads these through @requires.
    language: t.exposeString('language', { shareable: true }),
    defaultModel: t.exposeString('defaultModel', { nullable: true, shareable: true }),
    defaultTemplate: t.exposeString('defaultTemplate', { nullable: true, shareable: true }),
    defaultStyle: t.exposeString('defaultStyle', { nullable: true, shareable: true }),
    version: t.exposeInt('version', { description: 'Pass as expectedVersion to update without losing a concurrent change' }),
  }),
});

export const User = builder.loadableObject('User', {
  load: (ids: string[], ctx) => ctx.users.findByIds(ids),
  sort: (user) => user.id,
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true }),
    bio: t.exposeString('bio', { nullable: true }),
    email: t.string({
      nullable: true,
      description: 'Visible to the account itself and to admins; null for everyone else',
      resolve: (user, _args, ctx) => (canSeePrivate(ctx.viewer, user) ? user.email : null),
    }),
    role: t.field({ type: Role, resolve: (user) => user.role }),
    isActive: t.exposeBoolean('isActive'),
    lastLoginAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Visible to the account itself and to admins',
      resolve: (user, _args, ctx) => (canSeePrivate(ctx.viewer, user) ? user.lastLoginAt : null),
    }),
    preferences: t.field({
      type: Preferences,
      nullable: true,
      description: 'Visible to the account itself and to admins (and so to other subgraphs acting for them)',
      resolve: (user, _args, ctx) => (canSeePrivate(ctx.viewer, user) ? ctx.loaders.preferencesByUser.load(user.id) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.asEntity(User, {
  key: builder.selection<{ id: string }>('id'),
  // Public profile fields only; private ones are null unless the caller may see them.
  resolveReference: (ref, ctx) => (isUuid(ref.id) ? User.getDataloader(ctx).load(ref.id) : null),
});

builder.queryField('me', (t) =>
  t.field({
    type: User,
    nullable: true,
    description: 'The signed-in account; null when anonymous',
    resolve: (_root, _args, ctx) => (ctx.viewer ? ctx.viewer.userId : null),
  }),
);

builder.queryField('userByEmail', (t) =>
  t.field({
    type: User,
    nullable: true,
    description: 'Finds an account to invite (public profile fields only); null when there is none',
    args: { email: t.arg.string({ required: true }) },
    resolve: (_root, { email }, ctx) => ctx.users.findByEmail(email.trim().toLowerCase()),
  }),
);
