import { asSelf, type AuthResult, type UserResult } from '../account-service.js';
import { builder, UserError } from '../builder.js';
import { User } from './user.js';

const AuthPayload = builder.objectRef<AuthResult>('AuthPayload').implement({
  description: 'A signed-in session, or the reason there is none',
  fields: (t) => ({
    accessToken: t.string({ nullable: true, resolve: (r) => (r.ok ? r.value.accessToken : null) }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => (r.ok ? r.value.expiresAt : null) }),
    refreshToken: t.string({ nullable: true, description: 'Opaque; rotates on every refresh', resolve: (r) => (r.ok ? r.value.refreshToken : null) }),
    refreshExpiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => (r.ok ? r.value.refreshExpiresAt : null) }),
    sessionId: t.id({ nullable: true, resolve: (r) => (r.ok ? r.value.sessionId : null) }),
    user: t.field({ type: User, nullable: true, resolve: (r) => (r.ok ? asSelf(r.value.user) : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

export const UserPayload = builder.objectRef<UserResult>('UserPayload').implement({
  fields: (t) => ({
    user: t.field({ type: User, nullable: true, resolve: (r) => (r.ok ? r.user : null) }),
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

const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  fields: (t) => ({
    currentPassword: t.string({ required: true }),
    newPassword: t.string({ required: true }),
  }),
});

const UpdateProfileInput = builder.inputType('UpdateProfileInput', {
  fields: (t) => ({
    name: t.string(),
    avatarUrl: t.string(),
    bio: t.string(),
  }),
});

builder.mutationField('signUp', (t) =>
  t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.accounts.signUp(input, ctx.client),
  }),
);

builder.mutationField('signIn', (t) =>
  t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: SignInInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.accounts.signIn(input, ctx.client),
  }),
);

builder.mutationField('refreshSession', (t) =>
  t.field({
    type: AuthPayload,
    description: 'Trades a refresh token for new tokens; a token already traded signs its session out',
    args: { refreshToken: t.arg.string({ required: true }) },
    resolve: (_root, { refreshToken }, ctx) => ctx.sessions.refresh(refreshToken, ctx.client),
  }),
);

builder.mutationField('changePassword', (t) =>
  t.field({
    type: UserPayload,
    description: 'Also signs every other session out',
    args: { input: t.arg({ type: ChangePasswordInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.accounts.changePassword(ctx.viewer, input, ctx.client),
  }),
);

builder.mutationField('updateProfile', (t) =>
  t.field({
    type: UserPayload,
    args: { input: t.arg({ type: UpdateProfileInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.accounts.updateProfile(ctx.viewer, { name: input.name ?? undefined, avatarUrl: input.avatarUrl, bio: input.bio }),
  }),
);
