// Sessions and their tokens. A session is a refresh-token family: every refresh rotates the opaque
// refresh token; presenting a token that was already rotated means it leaked, so the whole session
// is revoked. Revocations reach every verifier at once through Redis (lib/auth/revocation.ts).
import { createHash, randomBytes } from 'node:crypto';
import { markSessionsRevoked } from '../../lib/auth/revocation.js';
import { signAccessToken, type Viewer } from '../../lib/auth/tokens.js';
import { config } from '../../lib/config.js';
import { unauthenticated } from '../../lib/errors.js';
import { LIMITS, type RateLimiter } from '../../lib/rate-limit.js';
import type { ClientInfo } from '../../lib/request-context.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import type { AuditStore } from './audit-store.js';
import type { Session, SessionStore } from './session-store.js';
import type { User } from './user-store.js';

export interface IssuedSession {
  accessToken: string;
  expiresAt: Date;
  refreshToken: string;
  refreshExpiresAt: Date;
  sessionId: string;
  user: User;
}
export type SessionResult = { ok: true; value: IssuedSession } | { ok: false; error: UserErrorShape };

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newRefreshToken = () => randomBytes(32).toString('base64url');
const INVALID_REFRESH: UserErrorShape = { code: 'INVALID_REFRESH_TOKEN', message: 'Refresh token is invalid or expired; sign in again' };

export class SessionService {
  constructor(
    private readonly sessions: SessionStore,
    private readonly audit: AuditStore,
    private readonly limiter: RateLimiter,
  ) {}

  async issue(user: User, client: ClientInfo): Promise<IssuedSession> {
    const refreshToken = newRefreshToken();
    const refreshExpiresAt = new Date(Date.now() + config().REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    const session = await this.sessions.create({
      userId: user.id,
      ipAddress: client.ip,
      userAgent: client.userAgent,
      expiresAt: refreshExpiresAt,
      tokenHash: hashToken(refreshToken),
    });
    return this.accessFor(user, session, refreshToken);
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<SessionResult> {
    const hash = hashToken(refreshToken);
    const found = await this.sessions.findToken(hash);
    if (!found) return { ok: false, error: INVALID_REFRESH };
    const { session } = found;
    await this.limiter.enforce(LIMITS.refreshPerSession, session.id, 'users');
    if (found.usedAt) {
      await this.revokeFamily(session, 'refresh_reuse', client);
      return { ok: false, error: INVALID_REFRESH };
    }
    if (session.revokedAt || session.expiresAt <= new Date() || !session.user.isActive) return { ok: false, error: INVALID_REFRESH };
    const next = newRefreshToken();
    if (!(await this.sessions.rotate(hash, hashToken(next), session.id))) {
      // Another request rotated this token first: two holders of one token means it leaked.
      await this.revokeFamily(session, 'refresh_reuse', client);
      return { ok: false, error: INVALID_REFRESH };
    }
    return { ok: true, value: await this.accessFor(session.user, session, next) };
  }

  async signOut(viewer: Viewer | null): Promise<number> {
    if (!viewer) throw unauthenticated();
    return this.revoke({ ids: [viewer.sessionId], userId: viewer.userId }, 'sign_out', viewer);
  }

  async signOutEverywhere(viewer: Viewer | null): Promise<number> {
    if (!viewer) throw unauthenticated();
    return this.revoke({ userId: viewer.userId }, 'sign_out_everywhere', viewer);
  }

  /** Revokes one of the viewer's own sessions; false when there is no such active session of theirs. */
  async revokeOne(viewer: Viewer | null, sessionId: string): Promise<boolean> {
    if (!viewer) throw unauthenticated();
    return (await this.revoke({ ids: [sessionId], userId: viewer.userId }, 'revoked_by_user', viewer)) === 1;
  }

  async list(viewer: Viewer | null, skip: number, take: number): Promise<{ sessions: Session[]; total: number }> {
    if (!viewer) throw unauthenticated();
    const [sessions, total] = await this.sessions.listActive(viewer.userId, Math.max(0, skip), Math.min(Math.max(1, take), 100));
    return { sessions, total };
  }

  /** Every session of a user except `keep` (password change, disabled account). */
  revokeAllOf(userId: string, reason: string, keep?: string): Promise<number> {
    return this.revoke({ userId, keep }, reason, null);
  }

  private async revoke(filter: { ids?: string[]; userId: string; keep?: string }, reason: string, actor: Viewer | null): Promise<number> {
    const ids = await this.sessions.revoke(filter, reason);
    await markSessionsRevoked(ids);
    if (ids.length > 0) {
      await this.audit.record({ type: 'session.revoked', userId: filter.userId, actorId: actor?.userId, details: { sessions: ids, reason } });
    }
    return ids.length;
  }

  private async revokeFamily(session: Session, reason: string, client: ClientInfo): Promise<void> {
    const ids = await this.sessions.revoke({ ids: [session.id] }, reason);
    await markSessionsRevoked([session.id]);
    await this.audit.record({ type: 'refresh.reused', userId: session.userId, ipAddress: client.ip, details: { session: session.id, revoked: ids.length } });
  }

  private async accessFor(user: User, session: Session, refreshToken: string): Promise<IssuedSession> {
    const viewer: Viewer = { userId: user.id, role: user.role, sessionId: session.id };
    const { token, expiresAt } = await signAccessToken(viewer);
    return { accessToken: token, expiresAt, refreshToken, refreshExpiresAt: session.expiresAt, sessionId: session.id, user };
  }
}
