// The only place that touches decks.decks.
import type { Prisma, PrismaClient } from '../../lib/db.js';
import type { Deck } from '../../lib/generated/prisma/client.js';

export type { Deck };

export class DeckStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** One query for a whole batch of ids (DataLoader maps rows back to ids). */
  findByIds(ids: readonly string[]): Promise<Deck[]> {
    return this.prisma.deck.findMany({ where: { id: { in: [...ids] }, deletedAt: null } });
  }

  /** One query for the decks of a whole batch of owners, newest first. */
  findByOwners(ownerIds: readonly string[]): Promise<Deck[]> {
    return this.prisma.deck.findMany({
      where: { ownerId: { in: [...ownerIds] }, deletedAt: null },
      orderBy: { updatedAt: 'desc' },
    });
  }

  create(data: { ownerId: string; title: string; document: Prisma.InputJsonValue }): Promise<Deck> {
    return this.prisma.deck.create({ data });
  }
}
