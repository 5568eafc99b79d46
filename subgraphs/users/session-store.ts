// The only place that touches users.sessions and users.refresh_tokens.
import type { PrismaClient } from '../../lib/db.js';
import type { Session } from '../../lib/generated/prisma/client.js';

export type { Session };

export class SessionStore {
  constructor(private readonly prisma: PrismaClient) {}

  create(data: { userId: string; ipAddress: string | null; userAgent: string | null; expiresAt: Date; tokenHash: string }): Promise<Session> {
    const { tokenHash, ...session } = data;
    return this.prisma.session.create({ data: { ...session, refreshTokens: { create: { tokenHash } } } });
  }

  findToken(tokenHash: string) {
    return this.prisma.refreshToken.findUnique({ where: { tokenHash }, include: { session: { include: { user: true } } } });
  }

  /**
   * Marks the presented token used and stores its successor, atomically. Returns false when the
   * token was used meanwhile (a concurrent refresh): the caller treats that as reuse.
   */
  async rotate(oldHash: string, newHash: string, sessionId: string): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const marked = await tx.refreshToken.updateMany({ where: { tokenHash: oldHash, usedAt: null }, data: { usedAt: new Date() } });
      if (marked.count !== 1) return false;
      await tx.refreshToken.create({ data: { tokenHash: newHash, sessionId } });
      await tx.session.update({ where: { id: sessionId }, data: { lastUsedAt: new Date() } });
      return true;
    });
  }

  findById(id: string): Promise<Session | null> {
    return this.prisma.session.findUnique({ where: { id } });
  }

  listActive(userId: string, skip: number, take: number): Promise<[Session[], number]> {
    const where = { userId, revokedAt: null, expiresAt: { gt: new Date() } };
    return Promise.all([
      this.prisma.session.findMany({ where, orderBy: { createdAt: 'desc' }, skip, take }),
      this.prisma.session.count({ where }),
    ]);
  }

  /** Revokes the given sessions (or every active one of a user, except `keep`); returns their ids. */
  async revoke(filter: { ids?: string[]; userId?: string; keep?: string }, reason: string): Promise<string[]> {
    const where = {
      revokedAt: null,
      ...(filter.ids && { id: { in: filter.ids } }),
      ...(filter.userId && { userId: filter.userId }),
      ...(filter.keep && { NOT: { id: filter.keep } }),
    };
    return this.prisma.$transaction(async (tx) => {
      const targets = await tx.session.findMany({ where, select: { id: true } });
      const ids = targets.map((t) => t.id);
      if (ids.length > 0) await tx.session.updateMany({ where: { id: { in: ids } }, data: { revokedAt: new Date(), revokedReason: reason } });
      return ids;
    });
  }
}
