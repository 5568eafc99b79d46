import { builder } from '../builder.js';
import { Role, User } from './user.js';

builder.queryField('users', (t) =>
  t.field({
    type: [User],
    description: 'Admin only: accounts, newest first',
    args: { first: t.arg.int({ defaultValue: 50 }), after: t.arg.id(), query: t.arg.string() },
    resolve: (_root, args, ctx) => ctx.admin.list(ctx.viewer, { first: args.first ?? 50, after: args.after ? String(args.after) : null, query: args.query }),
  }),
);

builder.mutationField('setUserActive', (t) =>
  t.field({
    type: User,
    description: 'Admin only: disabling signs the user out everywhere',
    args: { userId: t.arg.id({ required: true }), active: t.arg.boolean({ required: true }) },
    resolve: (_root, { userId, active }, ctx) => ctx.admin.setActive(ctx.viewer, String(userId), active),
  }),
);

builder.mutationField('setUserRole', (t) =>
  t.field({
    type: User,
    description: 'Admin only',
    args: { userId: t.arg.id({ required: true }), role: t.arg({ type: Role, required: true }) },
    resolve: (_root, { userId, role }, ctx) => ctx.admin.setRole(ctx.viewer, String(userId), role),
  }),
);
