// The only place that touches decks.comments.
import type { PrismaClient } from '../../lib/db.js';
import type { DeckComment } from '../../lib/generated/prisma/client.js';

export type { DeckComment };

export class CommentStore {
  constructor(private readonly prisma: PrismaClient) {}

  create(data: { deckId: string; slideId: string; elementId: string | null; parentId: string | null; authorId: string; content: string }): Promise<DeckComment> {
    return this.prisma.deckComment.create({ data });
  }

  findById(id: string): Promise<DeckComment | null> {
    return this.prisma.deckComment.findUnique({ where: { id } });
  }

  /** Thread starters of a batch of decks, oldest first. */
  threadsOf(deckIds: readonly string[]): Promise<DeckComment[]> {
    return this.prisma.deckComment.findMany({ where: { deckId: { in: [...deckIds] }, parentId: null }, orderBy: { createdAt: 'asc' } });
  }

  repliesOf(parentIds: readonly string[]): Promise<DeckComment[]> {
    return this.prisma.deckComment.findMany({ where: { parentId: { in: [...parentIds] } }, orderBy: { createdAt: 'asc' } });
  }

  setResolved(id: string, resolved: boolean): Promise<DeckComment> {
    return this.prisma.deckComment.update({ where: { id }, data: { resolved } });
  }

  delete(id: string): Promise<DeckComment> {
    return this.prisma.deckComment.delete({ where: { id } });
  }

  slideExists(deckId: string, slideId: string): Promise<boolean> {
    return this.prisma.slide.count({ where: { deckId, id: slideId } }).then((n) => n > 0);
  }
}
