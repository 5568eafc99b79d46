// The only place that touches the decks schema. A document is stored as the deck's own fields plus
// one row per slide (ordered by fractional keys), so slides and elements stay addressable by id.
import type { Prisma, PrismaClient } from '../../lib/db.js';
import type { Deck, DeckCollaborator, DeckRole, DeckVersion, Slide, TemplateVisibility } from '../../lib/generated/prisma/client.js';
import { keysAfter } from '../../lib/order-key.js';

export type { Deck, DeckCollaborator, DeckRole, DeckVersion, Slide, TemplateVisibility };
type Tx = Prisma.TransactionClient;

/** A PPTist document split the way it is stored. */
export interface DocumentParts {
  title: string;
  width: number;
  height: number;
  theme: Prisma.InputJsonValue;
  extra: Prisma.InputJsonValue;
  slides: { id: string; content: Prisma.InputJsonValue }[];
}

export interface DeckListOptions {
  first: number;
  after?: { updatedAt: Date; id: string };
  query?: string;
}

export class DeckStore {
  constructor(private readonly prisma: PrismaClient) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }

  /** One query for a batch of ids (DataLoader maps rows back); soft-deleted decks included. */
  findByIds(ids: readonly string[]): Promise<Deck[]> {
    return this.prisma.deck.findMany({ where: { id: { in: [...ids] } } });
  }

  /** One query for the (non-template, live) decks of a batch of owners, newest first. */
  findByOwners(ownerIds: readonly string[]): Promise<Deck[]> {
    return this.prisma.deck.findMany({
      where: { ownerId: { in: [...ownerIds] }, deletedAt: null, isTemplate: false },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
    });
  }

  findByShareTokenHash(hash: string): Promise<Deck | null> {
    return this.prisma.deck.findFirst({ where: { shareTokenHash: hash, deletedAt: null } });
  }

  /** The slides of a batch of decks, each deck's in order. */
  slidesOf(deckIds: readonly string[], db: Tx | PrismaClient = this.prisma): Promise<Slide[]> {
    return db.slide.findMany({ where: { deckId: { in: [...deckIds] } }, orderBy: [{ deckId: 'asc' }, { orderKey: 'asc' }] });
  }

  collaboratorsOf(deckIds: readonly string[]): Promise<DeckCollaborator[]> {
    return this.prisma.deckCollaborator.findMany({ where: { deckId: { in: [...deckIds] } }, orderBy: { createdAt: 'asc' } });
  }

  /** Collaborator rows of one user on a batch of decks (role checks for a page of decks). */
  membershipsOf(userId: string, deckIds: readonly string[]): Promise<DeckCollaborator[]> {
    return this.prisma.deckCollaborator.findMany({ where: { userId, deckId: { in: [...deckIds] } } });
  }

  async create(ownerId: string, parts: DocumentParts, flags: { isTemplate?: boolean; templateVisibility?: TemplateVisibility | null } = {}): Promise<Deck> {
    return this.prisma.$transaction(async (tx) => {
      const deck = await tx.deck.create({
        data: { ownerId, title: parts.title, width: parts.width, height: parts.height, theme: parts.theme, extra: parts.extra, isTemplate: flags.isTemplate ?? false, templateVisibility: flags.templateVisibility ?? null },
      });
      await this.writeSlides(tx, deck.id, parts.slides);
      return deck;
    });
  }

  /** Replaces the whole document (import, restore) and bumps the revision, in one transaction. */
  async replaceDocument(tx: Tx, deckId: string, parts: DocumentParts): Promise<Deck> {
    await tx.slide.deleteMany({ where: { deckId } });
    await this.writeSlides(tx, deckId, parts.slides);
    return tx.deck.update({
      where: { id: deckId },
      data: { title: parts.title, width: parts.width, height: parts.height, theme: parts.theme, extra: parts.extra, revision: { increment: 1 } },
    });
  }

  setDeleted(id: string, deletedAt: Date | null): Promise<Deck> {
    return this.prisma.deck.update({ where: { id }, data: { deletedAt } });
  }

  setShareTokenHash(id: string, hash: string | null): Promise<Deck> {
    return this.prisma.deck.update({ where: { id }, data: { shareTokenHash: hash } });
  }

  transferOwnership(id: string, from: string, to: string): Promise<Deck> {
    return this.prisma.$transaction(async (tx) => {
      await tx.deckCollaborator.deleteMany({ where: { deckId: id, userId: to } });
      // The previous owner stays on as an editor rather than losing their own work.
      await tx.deckCollaborator.upsert({ where: { deckId_userId: { deckId: id, userId: from } }, create: { deckId: id, userId: from, role: 'EDITOR' }, update: { role: 'EDITOR' } });
      // Ownership is not document content: no new revision, nothing in the operation log.
      return tx.deck.update({ where: { id }, data: { ownerId: to } });
    });
  }

  upsertCollaborator(deckId: string, userId: string, role: DeckRole): Promise<DeckCollaborator> {
    return this.prisma.deckCollaborator.upsert({ where: { deckId_userId: { deckId, userId } }, create: { deckId, userId, role }, update: { role } });
  }

  async removeCollaborator(deckId: string, userId: string): Promise<boolean> {
    return (await this.prisma.deckCollaborator.deleteMany({ where: { deckId, userId } })).count === 1;
  }

  /** Keyset page of decks the user owns, most recently updated first. */
  listOwned(ownerId: string, options: DeckListOptions, templates = false): Promise<Deck[]> {
    return this.prisma.deck.findMany({ where: { ownerId, deletedAt: null, isTemplate: templates, ...this.page(options) }, ...this.order(options) });
  }

  listSharedWith(userId: string, options: DeckListOptions): Promise<Deck[]> {
    return this.prisma.deck.findMany({ where: { deletedAt: null, collaborators: { some: { userId } }, ...this.page(options) }, ...this.order(options) });
  }

  /** Public templates and the user's own templates. */
  listTemplates(userId: string | null, options: DeckListOptions): Promise<Deck[]> {
    const visible: Prisma.DeckWhereInput[] = [{ templateVisibility: 'PUBLIC' }];
    if (userId) visible.push({ ownerId: userId });
    return this.prisma.deck.findMany({ where: { deletedAt: null, isTemplate: true, OR: visible, ...this.page(options) }, ...this.order(options) });
  }

  setTemplate(id: string, visibility: TemplateVisibility | null): Promise<Deck> {
    return this.prisma.deck.update({ where: { id }, data: { isTemplate: visibility !== null, templateVisibility: visibility } });
  }

  createVersion(data: { deckId: string; name: string | null; kind: string; revision: number; snapshot: Prisma.InputJsonValue; authorId: string | null }, db: Tx | PrismaClient = this.prisma): Promise<DeckVersion> {
    return db.deckVersion.create({ data });
  }

  versionsOf(deckIds: readonly string[]): Promise<Omit<DeckVersion, 'snapshot'>[]> {
    return this.prisma.deckVersion.findMany({
      where: { deckId: { in: [...deckIds] } },
      select: { id: true, deckId: true, name: true, kind: true, revision: true, authorId: true, createdAt: true },
      orderBy: { createdAt: 'desc' },
    });
  }

  findVersion(deckId: string, versionId: string): Promise<DeckVersion | null> {
    return this.prisma.deckVersion.findFirst({ where: { id: versionId, deckId } });
  }

  latestVersion(deckId: string, kind: string): Promise<Pick<DeckVersion, 'createdAt'> | null> {
    return this.prisma.deckVersion.findFirst({ where: { deckId, kind }, orderBy: { createdAt: 'desc' }, select: { createdAt: true } });
  }

  private async writeSlides(tx: Tx, deckId: string, slides: DocumentParts['slides']): Promise<void> {
    const keys = keysAfter(null, slides.length);
    if (slides.length > 0) {
      await tx.slide.createMany({ data: slides.map((slide, i) => ({ deckId, id: slide.id, orderKey: keys[i]!, content: slide.content })) });
    }
  }

  private page(options: DeckListOptions): Prisma.DeckWhereInput {
    const q = options.query?.trim();
    return {
      ...(q && { title: { contains: q, mode: 'insensitive' as const } }),
      ...(options.after && {
        OR: [{ updatedAt: { lt: options.after.updatedAt } }, { updatedAt: options.after.updatedAt, id: { lt: options.after.id } }],
      }),
    };
  }

  private order(options: DeckListOptions) {
    return { orderBy: [{ updatedAt: 'desc' as const }, { id: 'desc' as const }], take: options.first + 1 };
  }
}
