import type { AuthResult } from '../account-service.js';
import { builder, UserError } from '../builder.js';
import { User } from './user.js';

const AuthPayload = builder.objectRef<AuthResult>('AuthPayload').implement({
  description: 'A signed-in session, or the reason there is none',
  fields: (t) => ({
    accessToken: t.string({ nullable: true, resolve: (r) => (r.ok ? r.value.accessToken : null) }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => (r.ok ? r.value.expiresAt : null) }),
    user: t.field({ type: User, nullable: true, resolve: (r) => (r.ok ? r.value.user : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    name: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

const SignInInput = builder.inputType('SignInInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

builder.mutationField('signUp', (t) =>
  t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.accounts.signUp(input),
  }),
);

builder.mutationField('signIn', (t) =>
  t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: SignInInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.accounts.signIn(input),
  }),
);
