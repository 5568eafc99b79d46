// The only place that touches users.users.
import type { PrismaClient } from '../../lib/db.js';
import type { User } from '../../lib/generated/prisma/client.js';

export type { User };

export class UserStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** One query for a whole batch (DataLoader maps the rows back to the requested ids). */
  findByIds(ids: readonly string[]): Promise<User[]> {
    return this.prisma.user.findMany({ where: { id: { in: [...ids] } } });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  create(data: { email: string; name: string; passwordHash: string }): Promise<User> {
    return this.prisma.user.create({ data });
  }

  update(id: string, data: { passwordHash?: string; name?: string; avatarUrl?: string | null; bio?: string | null; isActive?: boolean; role?: 'USER' | 'ADMIN' }): Promise<User> {
    return this.prisma.user.update({ where: { id }, data });
  }

  /** Keyset page of all users (admin), newest first, optionally filtered by email or name. */
  list(options: { first: number; after?: string; query?: string }): Promise<User[]> {
    const q = options.query?.trim();
    return this.prisma.user.findMany({
      where: q ? { OR: [{ email: { contains: q, mode: 'insensitive' } }, { name: { contains: q, mode: 'insensitive' } }] } : {},
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.first,
      ...(options.after && { cursor: { id: options.after }, skip: 1 }),
    });
  }

  touchLastLogin(id: string): Promise<User> {
    return this.prisma.user.update({ where: { id }, data: { lastLoginAt: new Date() } });
  }
}
