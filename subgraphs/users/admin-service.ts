// What only admins may do with accounts. Every change is audited; disabling signs the user out.
import type { Viewer } from '../../lib/auth/tokens.js';
import { badInput, forbidden, isUuid, notFound, unauthenticated } from '../../lib/errors.js';
import type { AuditStore } from './audit-store.js';
import type { SessionService } from './session-service.js';
import type { User, UserStore } from './user-store.js';

export function assertAdmin(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  if (viewer.role !== 'ADMIN') throw forbidden('Only administrators may do this');
  return viewer;
}

export class AdminService {
  constructor(
    private readonly users: UserStore,
    private readonly sessions: SessionService,
    private readonly audit: AuditStore,
  ) {}

  list(viewer: Viewer | null, options: { first: number; after?: string | null; query?: string | null }): Promise<User[]> {
    assertAdmin(viewer);
    if (options.first < 1 || options.first > 100) throw badInput('first must be 1 to 100', 'first');
    if (options.after && !isUuid(options.after)) throw badInput('after is not a user id', 'after');
    return this.users.list({ first: options.first, after: options.after ?? undefined, query: options.query ?? undefined });
  }

  async setActive(viewer: Viewer | null, userId: string, active: boolean): Promise<User> {
    const admin = assertAdmin(viewer);
    const user = await this.target(userId);
    if (user.id === admin.userId && !active) throw badInput('You cannot disable your own account', 'userId');
    const updated = await this.users.update(user.id, { isActive: active });
    if (!active) await this.sessions.revokeAllOf(user.id, 'disabled_by_admin');
    await this.audit.record({ type: active ? 'user.enabled' : 'user.disabled', userId: user.id, actorId: admin.userId });
    return updated;
  }

  async setRole(viewer: Viewer | null, userId: string, role: 'USER' | 'ADMIN'): Promise<User> {
    const admin = assertAdmin(viewer);
    const user = await this.target(userId);
    if (user.id === admin.userId && role !== 'ADMIN') throw badInput('You cannot remove your own admin role', 'userId');
    const updated = await this.users.update(user.id, { role });
    // Tokens carry the role: sign the user out so the new role applies at the next sign-in.
    if (user.role !== role) {
      await this.sessions.revokeAllOf(user.id, 'role_changed');
      await this.audit.record({ type: 'role.changed', userId: user.id, actorId: admin.userId, details: { from: user.role, to: role } });
    }
    return updated;
  }

  private async target(userId: string): Promise<User> {
    const user = isUuid(userId) ? (await this.users.findByIds([userId]))[0] : undefined;
    if (!user) throw notFound('User', userId);
    return user;
  }
}
