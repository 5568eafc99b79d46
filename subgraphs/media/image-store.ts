// The only place that touches media.images, media.tags and media.image_tags.
import type { Prisma, PrismaClient } from '../../lib/db.js';
import type { Image, ImageStatus, Tag } from '../../lib/generated/prisma/client.js';

export type { Image, ImageStatus, Tag };
export type ImageWithTags = Image & { tags: { tag: Tag }[] };

export interface ImageFilter {
  ownerId: string;
  sourceType?: string | null;
  tags?: string[];
  /** Words matched against description, prompt, file name and tag names. */
  query?: string | null;
  /** Also public images of others (PPTist's image search). */
  includePublic?: boolean;
}

const WITH_TAGS = { tags: { include: { tag: true }, orderBy: { addedAt: 'asc' } } } as const satisfies Prisma.ImageInclude;

function whereOf(filter: ImageFilter): Prisma.ImageWhereInput {
  const words = (filter.query ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 10);
  return {
    status: { not: 'PENDING' },
    ...(filter.includePublic ? { OR: [{ ownerId: filter.ownerId }, { isPublic: true }] } : { ownerId: filter.ownerId }),
    ...(filter.sourceType && { sourceType: filter.sourceType }),
    AND: [
      ...(filter.tags ?? []).map((name) => ({ tags: { some: { tag: { name } } } })),
      ...words.map((word) => ({
        OR: [
          { description: { contains: word, mode: 'insensitive' as const } },
          { prompt: { contains: word, mode: 'insensitive' as const } },
          { originalFilename: { contains: word, mode: 'insensitive' as const } },
          { tags: { some: { tag: { name: { contains: word, mode: 'insensitive' as const } } } } },
        ],
      })),
    ],
  };
}

export class ImageStore {
  constructor(private readonly prisma: PrismaClient) {}

  findByIds(ids: readonly string[]): Promise<ImageWithTags[]> {
    return this.prisma.image.findMany({ where: { id: { in: [...ids] } }, include: WITH_TAGS });
  }

  findById(id: string): Promise<ImageWithTags | null> {
    return this.prisma.image.findUnique({ where: { id }, include: WITH_TAGS });
  }

  /** The image a key belongs to: its original or one of its variants. */
  findByAnyKey(key: string): Promise<ImageWithTags | null> {
    return this.prisma.image.findFirst({ where: { OR: [{ storageKey: key }, { thumbnailKey: key }, { webKey: key }] }, include: WITH_TAGS });
  }

  create(data: Prisma.ImageUncheckedCreateInput): Promise<ImageWithTags> {
    return this.prisma.image.create({ data, include: WITH_TAGS });
  }

  update(id: string, data: Prisma.ImageUncheckedUpdateInput): Promise<ImageWithTags> {
    return this.prisma.image.update({ where: { id }, data, include: WITH_TAGS });
  }

  /** Deletes the row if it exists; false when it was already gone (deletes are idempotent). */
  async delete(id: string): Promise<boolean> {
    return (await this.prisma.image.deleteMany({ where: { id } })).count > 0;
  }

  /** A numbered page (the legacy list contract) with filters. */
  page(filter: ImageFilter, options: { skip: number; take: number; sortBy: 'createdAt' | 'fileSize' | 'originalFilename'; descending: boolean }): Promise<[ImageWithTags[], number]> {
    const where = whereOf(filter);
    return Promise.all([
      this.prisma.image.findMany({ where, include: WITH_TAGS, orderBy: [{ [options.sortBy]: options.descending ? 'desc' : 'asc' }, { id: 'asc' }], skip: options.skip, take: options.take }),
      this.prisma.image.count({ where }),
    ]);
  }

  /** Keyset page of an owner's images, newest first. */
  listByOwner(ownerId: string, first: number, publicOnly = false): Promise<ImageWithTags[]> {
    return this.prisma.image.findMany({
      where: { ownerId, status: { not: 'PENDING' }, ...(publicOnly && { isPublic: true }) },
      include: WITH_TAGS,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: first,
    });
  }

  /** Uploads requested but never confirmed (the cleanup job removes them and their objects). */
  stalePending(olderThan: Date, take: number): Promise<Image[]> {
    return this.prisma.image.findMany({ where: { status: 'PENDING', createdAt: { lt: olderThan } }, take });
  }

  keyExists(storageKey: string): Promise<boolean> {
    return this.prisma.image
      .count({ where: { OR: [{ storageKey }, { thumbnailKey: storageKey }, { webKey: storageKey }] } })
      .then((count) => count > 0);
  }

  /** Sets an image's tags: `add` keeps the others, `remove` drops these, `replace` makes them the whole set. Creates missing tags. */
  async changeTags(imageId: string, names: string[], operation: 'add' | 'remove' | 'replace'): Promise<ImageWithTags> {
    return this.prisma.$transaction(async (tx) => {
      if (operation === 'remove') {
        await tx.imageTag.deleteMany({ where: { imageId, tag: { name: { in: names } } } });
      } else {
        if (operation === 'replace') await tx.imageTag.deleteMany({ where: { imageId, tag: { name: { notIn: names } } } });
        for (const name of names) {
          const tag = await tx.tag.upsert({ where: { name }, create: { name }, update: {} });
          await tx.imageTag.upsert({ where: { imageId_tagId: { imageId, tagId: tag.id } }, create: { imageId, tagId: tag.id }, update: {} });
        }
      }
      return tx.image.findUniqueOrThrow({ where: { id: imageId }, include: WITH_TAGS });
    });
  }

  /** The tag library with how many images use each tag. */
  async tags(options: { query?: string | null; skip: number; take: number; orderBy: 'name' | 'usage' | 'createdAt'; descending: boolean }): Promise<[(Tag & { usageCount: number })[], number]> {
    const where: Prisma.TagWhereInput = options.query ? { name: { contains: options.query, mode: 'insensitive' } } : {};
    const direction = options.descending ? 'desc' : 'asc';
    const orderBy: Prisma.TagOrderByWithRelationInput = options.orderBy === 'usage' ? { images: { _count: direction } } : { [options.orderBy]: direction };
    const [rows, total] = await Promise.all([
      this.prisma.tag.findMany({ where, orderBy: [orderBy, { name: 'asc' }], skip: options.skip, take: options.take, include: { _count: { select: { images: true } } } }),
      this.prisma.tag.count({ where }),
    ]);
    return [rows.map(({ _count, ...tag }) => ({ ...tag, usageCount: _count.images })), total];
  }

  createTag(name: string, description: string | null): Promise<Tag> {
    return this.prisma.tag.upsert({ where: { name }, create: { name, description }, update: description === null ? {} : { description } });
  }

  async deleteTag(name: string): Promise<boolean> {
    return (await this.prisma.tag.deleteMany({ where: { name } })).count > 0;
  }
}
