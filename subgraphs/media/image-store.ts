// The only place that touches media.images.
import type { PrismaClient } from '../../lib/db.js';
import type { Image } from '../../lib/generated/prisma/client.js';

export type { Image };

export class ImageStore {
  constructor(private readonly prisma: PrismaClient) {}

  findByIds(ids: readonly string[]): Promise<Image[]> {
    return this.prisma.image.findMany({ where: { id: { in: [...ids] } } });
  }

  /** A numbered page of an owner's images and their total (the legacy list contract). */
  page(ownerId: string, options: { skip: number; take: number; sortBy: 'createdAt' | 'fileSize' | 'originalFilename'; descending: boolean }): Promise<[Image[], number]> {
    return Promise.all([
      this.prisma.image.findMany({
        where: { ownerId },
        orderBy: [{ [options.sortBy]: options.descending ? 'desc' : 'asc' }, { id: 'asc' }],
        skip: options.skip,
        take: options.take,
      }),
      this.prisma.image.count({ where: { ownerId } }),
    ]);
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
