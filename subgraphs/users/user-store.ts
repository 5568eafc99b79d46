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

  touchLastLogin(id: string): Promise<User> {
    return this.prisma.user.update({ where: { id }, data: { lastLoginAt: new Date() } });
  }
}
