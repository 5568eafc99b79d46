import { isUuid } from '../../../lib/errors.js';
import { canSeeEmail } from '../account-service.js';
import { builder } from '../builder.js';

export const Role = builder.enumType('Role', { values: ['USER', 'ADMIN'] as const });

export const User = builder.loadableObject('User', {
  load: (ids: string[], ctx) => ctx.users.findByIds(ids),
  sort: (user) => user.id,
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    email: t.string({
      nullable: true,
      description: 'Visible to the account itself and to admins; null for everyone else',
      resolve: (user, _args, ctx) => (canSeeEmail(ctx.viewer, user) ? user.email : null),
    }),
    role: t.field({ type: Role, resolve: (user) => user.role }),
    isActive: t.exposeBoolean('isActive'),
    lastLoginAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Visible to the account itself and to admins',
      resolve: (user, _args, ctx) => (canSeeEmail(ctx.viewer, user) ? user.lastLoginAt : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.asEntity(User, {
  key: builder.selection<{ id: string }>('id'),
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
