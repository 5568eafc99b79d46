// The only place that touches media.images.
import type { PrismaClient } from '../../lib/db.js';
import type { Image } from '../../lib/generated/prisma/client.js';

export type { Image };

export class ImageStore {
  constructor(private readonly prisma: PrismaClient) {}

  findByIds(ids: readonly string[]): Promise<Image[]> {
    return this.prisma.image.findMany({ where: { id: { in: [...ids] } } });
  }

  /** Keyset page of an owner's images, newest first. */
  listByOwner(ownerId: string, first: number, after?: { createdAt: Date; id: string }): Promise<Image[]> {
    return this.prisma.image.findMany({
      where: {
        ownerId,
        ...(after && { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: first,
    });
  }
}
