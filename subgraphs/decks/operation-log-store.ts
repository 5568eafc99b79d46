// The only place that reads and writes the deck operation log, and the slide rows an operation
// batch changes. Every batch runs under the deck row's lock (SELECT … FOR UPDATE), so revisions are
// handed out one at a time and each revision has exactly one log row.
import type { Prisma, PrismaClient } from '../../lib/db.js';
import type { DeckOperationBatch } from '../../lib/generated/prisma/client.js';
import type { DeckState, SlideClock, SlideState } from './deck-operations.js';

export type { DeckOperationBatch };
type Tx = Prisma.TransactionClient;

export interface LockedDeck {
  id: string;
  revision: number;
  logFloor: number;
  deleted: boolean;
  title: string;
  theme: unknown;
  width: number;
  height: number;
  fieldClock: Record<string, number>;
  /** [slide id, order key] in order. */
  slideOrder: [string, string][];
}

export type BatchKind = 'EDIT' | 'UNDO' | 'REDO' | 'REPLACE';

// Batches wait on the deck's row lock behind each other; with many editors on one deck that wait
// (not the work) dominates, so the interactive transaction gets more room than Prisma's 5 s.
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

export class OperationLogStore {
  constructor(private readonly prisma: PrismaClient) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work, TRANSACTION_OPTIONS);
  }

  /**
   * Locks the deck row until the transaction ends, then reads the slide order. Two statements on
   * purpose: under READ COMMITTED a statement that waited for the lock still reads other tables as
   * of its own start, so a slide order read in the locking statement could miss the slide the
   * previous batch just inserted (and two inserts would get one order key).
   */
  async lockDeck(tx: Tx, deckId: string): Promise<LockedDeck | null> {
    const rows = await tx.$queryRaw<{ id: string; revision: number; log_floor: number; deleted: boolean; title: string; theme: unknown; width: number; height: number; field_clock: Record<string, number> }[]>`
      SELECT id, revision, log_floor, deleted_at IS NOT NULL AS deleted, title, theme, width, height, field_clock
      FROM decks.decks WHERE id = ${deckId}::uuid FOR UPDATE`;
    const row = rows[0];
    if (!row) return null;
    const order = await tx.$queryRaw<{ id: string; order_key: string }[]>`
      SELECT id, order_key FROM decks.slides WHERE deck_id = ${deckId}::uuid ORDER BY order_key COLLATE "C"`;
    return {
      id: row.id,
      revision: row.revision,
      logFloor: row.log_floor,
      deleted: row.deleted,
      title: row.title,
      theme: row.theme,
      width: row.width,
      height: row.height,
      fieldClock: row.field_clock ?? {},
      slideOrder: order.map((slide) => [slide.id, slide.order_key]),
    };
  }

  /** The deck as operation state, with content and clocks loaded only for `loadSlides`. */
  async stateOf(tx: Tx, deck: LockedDeck, loadSlides: Set<string>): Promise<DeckState> {
    const wanted = deck.slideOrder.filter(([id]) => loadSlides.has(id)).map(([id]) => id);
    const rows = wanted.length > 0 ? await tx.slide.findMany({ where: { deckId: deck.id, id: { in: wanted } }, select: { id: true, content: true, clock: true } }) : [];
    const loaded = new Map(rows.map((row) => [row.id, row]));
    const slides: SlideState[] = deck.slideOrder.map(([id, orderKey]) => {
      const row = loaded.get(id);
      return row ? { id, orderKey, content: row.content as SlideState['content'], clock: row.clock as SlideClock } : { id, orderKey };
    });
    return { fields: { title: deck.title, theme: deck.theme, width: deck.width, height: deck.height }, fieldClock: { ...deck.fieldClock }, slides };
  }

  findBatch(tx: Tx, deckId: string, batchId: string): Promise<DeckOperationBatch | null> {
    return tx.deckOperationBatch.findUnique({ where: { deckId_batchId: { deckId, batchId } } });
  }

  /** Writes the batch's changes and its log row, and moves the deck to `revision`. */
  async commit(
    tx: Tx,
    state: DeckState,
    changes: { deck: boolean; written: Set<string>; deleted: Set<string> },
    row: Omit<Prisma.DeckOperationBatchUncheckedCreateInput, 'createdAt'> & { revision: number; deckId: string },
  ): Promise<DeckOperationBatch> {
    const { deckId, revision } = row;
    if (changes.deleted.size > 0) await tx.slide.deleteMany({ where: { deckId, id: { in: [...changes.deleted] } } });
    for (const id of changes.written) {
      const slide = state.slides.find((s) => s.id === id)!;
      const data = { orderKey: slide.orderKey, content: slide.content as Prisma.InputJsonValue, clock: (slide.clock ?? {}) as Prisma.InputJsonValue };
      await tx.slide.upsert({ where: { deckId_id: { deckId, id } }, create: { deckId, id, ...data }, update: data });
    }
    await tx.deck.update({
      where: { id: deckId },
      data: {
        revision,
        ...(changes.deck && {
          title: state.fields.title,
          theme: state.fields.theme as Prisma.InputJsonValue,
          width: state.fields.width,
          height: state.fields.height,
          fieldClock: state.fieldClock,
        }),
      },
    });
    return tx.deckOperationBatch.create({ data: row });
  }

  /** Logged batches after `revision`, oldest first. */
  batchesAfter(deckId: string, revision: number): Promise<DeckOperationBatch[]> {
    return this.prisma.deckOperationBatch.findMany({ where: { deckId, revision: { gt: revision } }, orderBy: { revision: 'asc' } });
  }

  /** The person's newest batch that undo would revert (an edit or a redo, not yet undone). */
  lastUndoable(tx: Tx, deckId: string, actorId: string): Promise<DeckOperationBatch | null> {
    return tx.deckOperationBatch.findFirst({ where: { deckId, actorId, kind: { in: ['EDIT', 'REDO'] }, revertedBy: null }, orderBy: { revision: 'desc' } });
  }

  /** The person's newest undo that redo would restore: only while they made no new edit since. */
  async lastRedoable(tx: Tx, deckId: string, actorId: string): Promise<DeckOperationBatch | null> {
    const undo = await tx.deckOperationBatch.findFirst({ where: { deckId, actorId, kind: 'UNDO', revertedBy: null }, orderBy: { revision: 'desc' } });
    if (!undo) return null;
    const newerEdit = await tx.deckOperationBatch.findFirst({ where: { deckId, actorId, kind: 'EDIT', revision: { gt: undo.revision } }, select: { revision: true } });
    return newerEdit ? null : undo;
  }

  async markReverted(tx: Tx, deckId: string, revision: number, by: number): Promise<void> {
    await tx.deckOperationBatch.update({ where: { deckId_revision: { deckId, revision } }, data: { revertedBy: by } });
  }

  /** Drops log rows at or below `floor` (a snapshot of the document was kept by the caller). */
  async compact(tx: Tx, deckId: string, floor: number): Promise<number> {
    await tx.deck.update({ where: { id: deckId }, data: { logFloor: floor } });
    return (await tx.deckOperationBatch.deleteMany({ where: { deckId, revision: { lte: floor } } })).count;
  }
}
