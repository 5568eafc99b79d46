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
}

export interface NewBatch {
  deckId: string;
  revision: number;
  kind: BatchKind;
  actorId: string;
  clientId: string | null;
  batchId: string;
  operations: unknown[];
  inverse: unknown[];
  revertsRevision: number | null;
}

/** A log row as Postgres' row_to_json spells it. */
interface BatchRow {
  deck_id: string;
  revision: number;
  kind: string;
  actor_id: string | null;
  client_id: string | null;
  batch_id: string;
  operations: unknown;
  inverse: unknown;
  reverts_revision: number | null;
  reverted_by: number | null;
  created_at: string;
}

function batchFromRow(row: BatchRow): DeckOperationBatch {
  return {
    deckId: row.deck_id,
    revision: row.revision,
    kind: row.kind,
    actorId: row.actor_id,
    clientId: row.client_id,
    batchId: row.batch_id,
    operations: row.operations as DeckOperationBatch['operations'],
    inverse: row.inverse as DeckOperationBatch['inverse'],
    revertsRevision: row.reverts_revision,
    revertedBy: row.reverted_by,
    createdAt: new Date(row.created_at),
  };
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
   * Locks the deck row until the transaction ends. Reads of other tables come after, in their own
   * statement: under READ COMMITTED a statement that waited for the lock still reads other tables
   * as of its own start, so it could miss the slide the previous batch just inserted.
   */
  async lockDeck(tx: Tx, deckId: string): Promise<LockedDeck | null> {
    const rows = await tx.$queryRaw<{ id: string; revision: number; log_floor: number; deleted: boolean; title: string; theme: unknown; width: number; height: number; field_clock: Record<string, number> }[]>`
      SELECT id, revision, log_floor, deleted_at IS NOT NULL AS deleted, title, theme, width, height, field_clock
      FROM decks.decks WHERE id = ${deckId}::uuid FOR UPDATE`;
    const row = rows[0];
    if (!row) return null;
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
    };
  }

  /**
   * One round trip for everything a batch reads once the deck is locked: the slide order, the
   * content and clocks of the slides it targets, and an earlier batch with the same id (a retry).
   * (Batches are the hot path of co-editing, so this and `commit` are single SQL statements.)
   */
  async readForBatch(tx: Tx, deck: LockedDeck, loadSlides: Set<string>, batchId: string | null): Promise<{ state: DeckState; earlier: DeckOperationBatch | null }> {
    const [row] = await tx.$queryRaw<{ slide_order: [string, string][] | null; loaded: { id: string; content: SlideState['content']; clock: SlideClock }[] | null; earlier: BatchRow | null }[]>`
      SELECT
        (SELECT json_agg(json_build_array(id, order_key) ORDER BY order_key COLLATE "C") FROM decks.slides WHERE deck_id = ${deck.id}::uuid) AS slide_order,
        (SELECT json_agg(json_build_object('id', id, 'content', content, 'clock', clock)) FROM decks.slides WHERE deck_id = ${deck.id}::uuid AND id = ANY(${[...loadSlides]}::text[])) AS loaded,
        (SELECT row_to_json(o) FROM decks.operations o WHERE o.deck_id = ${deck.id}::uuid AND o.batch_id = ${batchId}::uuid) AS earlier`;
    const loaded = new Map((row?.loaded ?? []).map((slide) => [slide.id, slide]));
    const slides: SlideState[] = (row?.slide_order ?? []).map(([id, orderKey]) => {
      const found = loaded.get(id);
      return found ? { id, orderKey, content: found.content, clock: found.clock ?? {} } : { id, orderKey };
    });
    return {
      state: { fields: { title: deck.title, theme: deck.theme, width: deck.width, height: deck.height }, fieldClock: { ...deck.fieldClock }, slides },
      earlier: row?.earlier ? batchFromRow(row.earlier) : null,
    };
  }

  /** Writes the batch's changes and its log row, and moves the deck to `revision`: one statement. */
  async commit(tx: Tx, state: DeckState, changes: { deck: boolean; written: Set<string>; deleted: Set<string> }, batch: NewBatch): Promise<DeckOperationBatch> {
    const { deckId, revision } = batch;
    const written = [...changes.written].map((id) => {
      const slide = state.slides.find((s) => s.id === id)!;
      return { id, order_key: slide.orderKey, content: slide.content, clock: slide.clock ?? {} };
    });
    const fields = changes.deck ? state.fields : null;
    const [row] = await tx.$queryRaw<{ created_at: Date }[]>`
      WITH removed AS (
        DELETE FROM decks.slides WHERE deck_id = ${deckId}::uuid AND id = ANY(${[...changes.deleted]}::text[])
      ), written AS (
        INSERT INTO decks.slides (deck_id, id, order_key, content, clock, updated_at)
        SELECT ${deckId}::uuid, s.id, s.order_key, s.content, s.clock, now()
        FROM jsonb_to_recordset(${JSON.stringify(written)}::jsonb) AS s(id text, order_key text, content jsonb, clock jsonb)
        ON CONFLICT (deck_id, id) DO UPDATE SET order_key = EXCLUDED.order_key, content = EXCLUDED.content, clock = EXCLUDED.clock, updated_at = now()
      ), moved AS (
        UPDATE decks.decks SET revision = ${revision}, updated_at = now(),
          title = COALESCE(${fields?.title ?? null}, title),
          theme = COALESCE(${fields ? JSON.stringify(fields.theme) : null}::jsonb, theme),
          width = COALESCE(${fields?.width ?? null}::double precision, width),
          height = COALESCE(${fields?.height ?? null}::double precision, height),
          field_clock = COALESCE(${fields ? JSON.stringify(state.fieldClock) : null}::jsonb, field_clock)
        WHERE id = ${deckId}::uuid
      )
      INSERT INTO decks.operations (deck_id, revision, kind, actor_id, client_id, batch_id, operations, inverse, reverts_revision)
      VALUES (${deckId}::uuid, ${revision}, ${batch.kind}, ${batch.actorId}::uuid, ${batch.clientId}, ${batch.batchId}::uuid,
              ${JSON.stringify(batch.operations)}::jsonb, ${JSON.stringify(batch.inverse)}::jsonb, ${batch.revertsRevision})
      RETURNING created_at`;
    return { ...batch, revertedBy: null, createdAt: row!.created_at } as DeckOperationBatch;
  }

  findBatch(tx: Tx, deckId: string, batchId: string): Promise<DeckOperationBatch | null> {
    return tx.deckOperationBatch.findUnique({ where: { deckId_batchId: { deckId, batchId } } });
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
