// Sign-up and sign-in (minimal in the foundation: no refresh tokens or session table yet).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../../lib/auth/passwords.js';
import { signAccessToken, type Viewer } from '../../lib/auth/tokens.js';
import { Prisma } from '../../lib/db.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import type { User, UserStore } from './user-store.js';

export interface AuthSuccess {
  accessToken: string;
  expiresAt: Date;
  user: User;
}
export type AuthResult = { ok: true; value: AuthSuccess } | { ok: false; error: UserErrorShape };

const SignUpInput = z.object({
  email: z.email().max(254).transform((email) => email.toLowerCase()),
  name: z.string().trim().min(2).max(100),
  password: z.string().min(8).max(200),
});

const INVALID_CREDENTIALS: UserErrorShape = { code: 'INVALID_CREDENTIALS', message: 'Email or password is wrong' };

export class AccountService {
  constructor(private readonly users: UserStore) {}

  async signUp(input: { email: string; name: string; password: string }): Promise<AuthResult> {
    const parsed = SignUpInput.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { ok: false, error: { code: 'BAD_USER_INPUT', message: issue.message, field: String(issue.path[0] ?? '') } };
    }
    const passwordHash = await hashPassword(parsed.data.password);
    try {
      const user = await this.users.create({ email: parsed.data.email, name: parsed.data.name, passwordHash });
      return { ok: true, value: await this.issue(user) };
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        return { ok: false, error: { code: 'EMAIL_TAKEN', message: 'An account with this email exists', field: 'email' } };
      }
      throw error;
    }
  }

  async signIn(input: { email: string; password: string }): Promise<AuthResult> {
    const user = await this.users.findByEmail(input.email.trim().toLowerCase());
    // verifyPassword costs the same whether or not the account exists.
    const valid = await verifyPassword(user?.passwordHash, input.password);
    if (!user || !valid || !user.isActive) return { ok: false, error: INVALID_CREDENTIALS };
    return { ok: true, value: await this.issue(await this.users.touchLastLogin(user.id)) };
  }

  private async issue(user: User): Promise<AuthSuccess> {
    const viewer: Viewer = { userId: user.id, role: user.role, sessionId: randomUUID() };
    const { token, expiresAt } = await signAccessToken(viewer);
    return { accessToken: token, expiresAt, user };
  }
}

/** Email is private: only its owner and admins see it. */
export function canSeeEmail(viewer: Viewer | null, user: User): boolean {
  return viewer !== null && (viewer.userId === user.id || viewer.role === 'ADMIN');
}
