// Registration, sign-in, passwords and profiles; GraphQL and REST both come through here.
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../../lib/auth/passwords.js';
import type { Viewer } from '../../lib/auth/tokens.js';
import { Prisma } from '../../lib/db.js';
import { unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { LIMITS, type RateLimiter } from '../../lib/rate-limit.js';
import type { ClientInfo } from '../../lib/request-context.js';
import type { AuditStore } from './audit-store.js';
import type { IssuedSession, SessionResult, SessionService } from './session-service.js';
import type { User, UserStore } from './user-store.js';
import { userErrorFromZod } from '../../lib/graphql/user-error.js';

export type { IssuedSession };
export type AuthResult = SessionResult;
export type UserResult = { ok: true; user: User } | { ok: false; error: UserErrorShape };

const Password = z.string().min(8, 'password must be at least 8 characters').max(200);
const SignUpInput = z.object({
  email: z.email().max(254).transform((email) => email.toLowerCase()),
  name: z.string().trim().min(2).max(100),
  password: Password,
});
const ProfileInput = z.object({
  name: z.string().trim().min(2).max(100).optional(),
  avatarUrl: z.url({ protocol: /^https?$/ }).max(2000).nullable().optional(),
  bio: z.string().max(1000).nullable().optional(),
});

const INVALID_CREDENTIALS: UserErrorShape = { code: 'INVALID_CREDENTIALS', message: 'Email or password is wrong' };


export class AccountService {
  constructor(
    private readonly users: UserStore,
    private readonly sessions: SessionService,
    private readonly audit: AuditStore,
    private readonly limiter: RateLimiter,
  ) {}

  async signUp(input: { email: string; name: string; password: string }, client: ClientInfo): Promise<AuthResult> {
    await this.limiter.enforce(LIMITS.signUpPerIp, client.ip ?? 'unknown', 'users');
    const parsed = SignUpInput.safeParse(input);
    if (!parsed.success) return { ok: false, error: userErrorFromZod(parsed.error) };
    const passwordHash = await hashPassword(parsed.data.password);
    try {
      const user = await this.users.create({ email: parsed.data.email, name: parsed.data.name, passwordHash });
      await this.audit.record({ type: 'sign_up', userId: user.id, ipAddress: client.ip });
      return { ok: true, value: await this.sessions.issue(user, client) };
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        return { ok: false, error: { code: 'EMAIL_TAKEN', message: 'An account with this email exists', field: 'email' } };
      }
      throw error;
    }
  }

  async signIn(input: { email: string; password: string }, client: ClientInfo): Promise<AuthResult> {
    const email = input.email.trim().toLowerCase();
    await this.limiter.enforce(LIMITS.signInPerIp, client.ip ?? 'unknown', 'users');
    await this.limiter.enforce(LIMITS.signInPerAccount, email, 'users');
    const user = await this.users.findByEmail(email);
    // verifyPassword costs the same whether or not the account exists.
    const valid = await verifyPassword(user?.passwordHash, input.password);
    if (!user || !valid || !user.isActive) {
      await this.audit.record({ type: 'sign_in.failed', userId: user?.id, ipAddress: client.ip, details: { reason: !user ? 'no_account' : !valid ? 'password' : 'disabled' } });
      return { ok: false, error: INVALID_CREDENTIALS };
    }
    await this.limiter.reset(LIMITS.signInPerAccount, email);
    const signedIn = await this.users.touchLastLogin(user.id);
    await this.audit.record({ type: 'sign_in.succeeded', userId: user.id, ipAddress: client.ip });
    return { ok: true, value: await this.sessions.issue(signedIn, client) };
  }

  /** Changing the password signs every other session out. */
  async changePassword(viewer: Viewer | null, input: { currentPassword: string; newPassword: string }, client: ClientInfo): Promise<UserResult> {
    if (!viewer) throw unauthenticated();
    const user = (await this.users.findByIds([viewer.userId]))[0];
    if (!user) throw unauthenticated();
    if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
      return { ok: false, error: { code: 'INVALID_CREDENTIALS', message: 'Current password is wrong', field: 'currentPassword' } };
    }
    const parsed = Password.safeParse(input.newPassword);
    if (!parsed.success) return { ok: false, error: { ...userErrorFromZod(parsed.error), field: 'newPassword' } };
    const updated = await this.users.update(user.id, { passwordHash: await hashPassword(parsed.data) });
    const revoked = await this.sessions.revokeAllOf(user.id, 'password_changed', viewer.sessionId);
    await this.audit.record({ type: 'password.changed', userId: user.id, actorId: viewer.userId, ipAddress: client.ip, details: { revokedSessions: revoked } });
    return { ok: true, user: updated };
  }

  async updateProfile(viewer: Viewer | null, input: z.input<typeof ProfileInput>): Promise<UserResult> {
    if (!viewer) throw unauthenticated();
    const parsed = ProfileInput.safeParse(input);
    if (!parsed.success) return { ok: false, error: userErrorFromZod(parsed.error) };
    return { ok: true, user: await this.users.update(viewer.userId, parsed.data) };
  }
}

const SELF = Symbol('viewed by itself');

/**
 * Marks a user object as seen by its own account: the user just signed in (or up) in this very
 * request, so the response may show their private fields although the request carried no token.
 */
export function asSelf<T extends { id: string }>(user: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(user) as object) as T, user, { [SELF]: true });
}

/** Private fields (email, preferences, last sign-in) are for the account itself and admins. */
export function canSeePrivate(viewer: Viewer | null, user: { id: string }): boolean {
  if ((user as { [SELF]?: boolean })[SELF]) return true;
  return viewer !== null && (viewer.userId === user.id || viewer.role === 'ADMIN');
}
