// The only place that reads and writes the deck operation log, and the slide rows an operation
// batch changes. Every batch runs under the deck row's lock (SELECT … FOR UPDATE), so revisions are
// handed out one at a time and each revision has exactly one log row.
//
// Batches are the hot path of co-editing (and of the AI writing a deck), so their transaction runs
// on node-postgres directly: Prisma's raw queries serialize every parameter to JSON and parse it
// back (a 39-slide AI batch sends ~210 KB twice) and its interactive transactions add round trips.
// Whole-document work (replace, compaction) stays in Prisma transactions; the statements both use
// take an `Sql` runner, so each is written once.
import pg from 'pg';
import type { Prisma, PrismaClient } from '../../lib/db.js';
import type { DeckOperationBatch } from '../../lib/generated/prisma/client.js';
import { withSpan } from '../../lib/observability/tracing.js';
import type { DeckState, SlideClock, SlideState } from './deck-operations.js';
import { EDITING_COLLABORATOR_ROLES } from './deck-access.js';
import type { KnownDeck } from './deck-state-cache.js';

export type { DeckOperationBatch };
type Tx = Prisma.TransactionClient;

/** Runs one SQL statement ($1… placeholders) inside the current transaction. */
export type Sql = <R>(text: string, values: unknown[]) => Promise<R[]>;

/** The `Sql` runner of a Prisma transaction. */
export const prismaSql =
  (tx: Tx): Sql =>
  <R>(text: string, values: unknown[]) =>
    tx.$queryRawUnsafe<R[]>(text, ...values);

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
// (not the work) dominates, so transactions get more room than Prisma's default 5 s.
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };
// A batch's transaction: it may wait this long for the deck's row lock, then gives up (an error).
const BATCH_BEGIN = "BEGIN; SET LOCAL lock_timeout = '10s'";

export class OperationLogStore {
  private readonly pool: pg.Pool;

  constructor(
    private readonly prisma: PrismaClient,
    databaseUrl: string,
  ) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: TRANSACTION_OPTIONS.maxWait, idleTimeoutMillis: 30_000 });
    // An idle connection that drops (a Postgres restart) is replaced on the next checkout.
    this.pool.on('error', () => undefined);
  }

  /** A Prisma transaction, for whole-document work. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work, TRANSACTION_OPTIONS);
  }

  /** A batch's transaction on its own connection: committed when `work` resolves, rolled back when it throws. */
  batchTransaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return withSpan('decks batch transaction', {}, async () => {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query(BATCH_BEGIN);
        const result = await work(async <R>(text: string, values: unknown[]) => (await client.query(text, values)).rows as R[]);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        // A connection whose rollback failed is in an unknown state: dropped, not reused.
        client.release(broken);
      }
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /** One statement outside any transaction (atomic on its own). */
  readonly outsideTransaction: Sql = async <R>(text: string, values: unknown[]) => (await this.pool.query(text, values)).rows as R[];

  /**
   * Locks the deck row until the transaction ends. Reads of other tables come after, in their own
   * statement: under READ COMMITTED a statement that waited for the lock still reads other tables
   * as of its own start, so it could miss the slide the previous batch just inserted.
   */
  async lockDeck(sql: Sql, deckId: string): Promise<LockedDeck | null> {
    const rows = await sql<{ id: string; revision: number; log_floor: number; deleted: boolean; title: string; theme: unknown; width: number; height: number; field_clock: Record<string, number> }>(
      `SELECT id, revision, log_floor, deleted_at IS NOT NULL AS deleted, title, theme, width, height, field_clock
       FROM decks.decks WHERE id = $1::uuid FOR UPDATE`,
      [deckId],
    );
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
  async readForBatch(sql: Sql, deck: LockedDeck, loadSlides: Set<string>, batchId: string | null): Promise<{ state: DeckState; earlier: DeckOperationBatch | null }> {
    const [row] = await sql<{ slide_order: [string, string][] | null; loaded: { id: string; content: SlideState['content']; clock: SlideClock }[] | null; earlier: BatchRow | null }>(
      `SELECT
        (SELECT json_agg(json_build_array(id, order_key) ORDER BY order_key COLLATE "C") FROM decks.slides WHERE deck_id = $1::uuid) AS slide_order,
        (SELECT json_agg(json_build_object('id', id, 'content', content, 'clock', clock)) FROM decks.slides WHERE deck_id = $1::uuid AND id = ANY($2::text[])) AS loaded,
        (SELECT row_to_json(o) FROM decks.operations o WHERE o.deck_id = $1::uuid AND o.batch_id = $3::uuid) AS earlier`,
      [deck.id, [...loadSlides], batchId],
    );
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

  /**
   * The deck's whole operation state, read without a lock in one statement (one snapshot): what a
   * batch applied optimistically starts from (`DeckStateCache`). Null when there is no such deck.
   */
  async loadDeckState(deckId: string): Promise<(KnownDeck & { deleted: boolean }) | null> {
    const [row] = await this.outsideTransaction<{ revision: number; log_floor: number; deleted: boolean; title: string; theme: unknown; width: number; height: number; field_clock: Record<string, number> | null; slides: string | null }>(
      `SELECT d.revision, d.log_floor, d.deleted_at IS NOT NULL AS deleted, d.title, d.theme, d.width, d.height, d.field_clock,
        (SELECT json_agg(json_build_array(s.id, s.order_key, s.content, s.clock) ORDER BY s.order_key COLLATE "C")::text
         FROM decks.slides s WHERE s.deck_id = d.id) AS slides
       FROM decks.decks d WHERE d.id = $1::uuid`,
      [deckId],
    );
    if (!row) return null;
    // Parsed here rather than by the driver so its size is known for the cache's budget.
    const slides = (row.slides ? JSON.parse(row.slides) : []) as [string, string, SlideState['content'], SlideClock | null][];
    return {
      revision: row.revision,
      logFloor: row.log_floor,
      deleted: row.deleted,
      bytes: row.slides?.length ?? 0,
      state: {
        fields: { title: row.title, theme: row.theme, width: row.width, height: row.height },
        fieldClock: { ...row.field_clock },
        slides: slides.map(([id, orderKey, content, clock]) => ({ id, orderKey, content, clock: clock ?? {} })),
      },
    };
  }

  /**
   * Writes the batch's changes and its log row and moves the deck to `batch.revision`, in one
   * statement that does all of it only if the deck is still at `expectedRevision` (and not
   * deleted): under the row lock that always holds; for a batch applied to a cached state it is
   * the check that nobody wrote in between. With `uncheckedEditor`, a caller whose permission was
   * not read beforehand, it also holds only if that person owns the deck or is a collaborator
   * whose role may edit. Null when any of it did not hold; 'duplicate' when a batch with this id is
   * already in the log (a retry).
   */
  async writeBatch(
    sql: Sql,
    state: DeckState,
    changes: { deck: boolean; written: Set<string>; deleted: Set<string> },
    batch: NewBatch,
    expectedRevision: number,
    uncheckedEditor: string | null = null,
  ): Promise<{ row: DeckOperationBatch; logFloor: number; bytes: number } | null | 'duplicate'> {
    const { deckId, revision } = batch;
    const written = [...changes.written].map((id) => {
      const slide = state.slides.find((s) => s.id === id)!;
      return { id, order_key: slide.orderKey, content: slide.content, clock: slide.clock ?? {} };
    });
    const fields = changes.deck ? state.fields : null;
    const writtenJson = JSON.stringify(written);
    try {
      const [row] = await sql<{ log_floor: number; created_at: Date }>(
        `WITH moved AS (
          UPDATE decks.decks SET revision = $4, updated_at = now(),
            title = COALESCE($5::text, title),
            theme = COALESCE($6::jsonb, theme),
            width = COALESCE($7::double precision, width),
            height = COALESCE($8::double precision, height),
            field_clock = COALESCE($9::jsonb, field_clock)
          WHERE id = $1::uuid AND revision = $17 AND deleted_at IS NULL
            AND ($18::uuid IS NULL OR owner_id = $18::uuid
              OR EXISTS (SELECT 1 FROM decks.collaborators c WHERE c.deck_id = $1::uuid AND c.user_id = $18::uuid AND c.role::text = ANY($19::text[])))
          RETURNING log_floor
        ), removed AS (
          DELETE FROM decks.slides WHERE deck_id = $1::uuid AND id = ANY($2::text[]) AND EXISTS (SELECT 1 FROM moved)
        ), written AS (
          INSERT INTO decks.slides (deck_id, id, order_key, content, clock, updated_at)
          SELECT $1::uuid, s.id, s.order_key, s.content, s.clock, now()
          FROM jsonb_to_recordset($3::jsonb) AS s(id text, order_key text, content jsonb, clock jsonb)
          WHERE EXISTS (SELECT 1 FROM moved)
          ON CONFLICT (deck_id, id) DO UPDATE SET order_key = EXCLUDED.order_key, content = EXCLUDED.content, clock = EXCLUDED.clock, updated_at = now()
        ), logged AS (
          INSERT INTO decks.operations (deck_id, revision, kind, actor_id, client_id, batch_id, operations, inverse, reverts_revision)
          SELECT $1::uuid, $4, $10, $11::uuid, $12, $13::uuid, $14::jsonb, $15::jsonb, $16
          WHERE EXISTS (SELECT 1 FROM moved)
          RETURNING created_at
        )
        SELECT moved.log_floor, logged.created_at FROM moved, logged`,
        [
          deckId,
          [...changes.deleted],
          writtenJson,
          revision,
          fields?.title ?? null,
          fields ? JSON.stringify(fields.theme) : null,
          fields?.width ?? null,
          fields?.height ?? null,
          fields ? JSON.stringify(state.fieldClock) : null,
          batch.kind,
          batch.actorId,
          batch.clientId,
          batch.batchId,
          JSON.stringify(batch.operations),
          JSON.stringify(batch.inverse),
          batch.revertsRevision,
          expectedRevision,
          uncheckedEditor,
          EDITING_COLLABORATOR_ROLES,
        ],
      );
      if (!row) return null;
      return { row: { ...batch, revertedBy: null, createdAt: row.created_at } as DeckOperationBatch, logFloor: row.log_floor, bytes: writtenJson.length };
    } catch (error) {
      if (error instanceof pg.DatabaseError && error.code === '23505' && error.constraint === 'operations_deck_id_batch_id_key') return 'duplicate';
      throw error;
    }
  }

  async findBatch(sql: Sql, deckId: string, batchId: string): Promise<DeckOperationBatch | null> {
    return this.oneBatch(sql, 'o.deck_id = $1::uuid AND o.batch_id = $2::uuid', [deckId, batchId]);
  }

  private async oneBatch(sql: Sql, where: string, values: unknown[]): Promise<DeckOperationBatch | null> {
    const [row] = await sql<{ batch: BatchRow }>(`SELECT row_to_json(o) AS batch FROM decks.operations o WHERE ${where} ORDER BY o.revision DESC LIMIT 1`, values);
    return row ? batchFromRow(row.batch) : null;
  }

  /** Logged batches after `revision`, oldest first. */
  batchesAfter(deckId: string, revision: number): Promise<DeckOperationBatch[]> {
    return this.prisma.deckOperationBatch.findMany({ where: { deckId, revision: { gt: revision } }, orderBy: { revision: 'asc' } });
  }

  /** The person's newest batch that undo would revert (an edit or a redo, not yet undone). */
  lastUndoable(sql: Sql, deckId: string, actorId: string): Promise<DeckOperationBatch | null> {
    return this.oneBatch(sql, "o.deck_id = $1::uuid AND o.actor_id = $2::uuid AND o.kind IN ('EDIT', 'REDO') AND o.reverted_by IS NULL", [deckId, actorId]);
  }

  /** The person's newest undo that redo would restore: only while they made no new edit since. */
  async lastRedoable(sql: Sql, deckId: string, actorId: string): Promise<DeckOperationBatch | null> {
    const undo = await this.oneBatch(sql, "o.deck_id = $1::uuid AND o.actor_id = $2::uuid AND o.kind = 'UNDO' AND o.reverted_by IS NULL", [deckId, actorId]);
    if (!undo) return null;
    const newerEdit = await sql(`SELECT 1 FROM decks.operations WHERE deck_id = $1::uuid AND actor_id = $2::uuid AND kind = 'EDIT' AND revision > $3 LIMIT 1`, [deckId, actorId, undo.revision]);
    return newerEdit.length > 0 ? null : undo;
  }

  async markReverted(sql: Sql, deckId: string, revision: number, by: number): Promise<void> {
    await sql('UPDATE decks.operations SET reverted_by = $3 WHERE deck_id = $1::uuid AND revision = $2', [deckId, revision, by]);
  }

  /** Drops log rows at or below `floor` (a snapshot of the document was kept by the caller). */
  async compact(tx: Tx, deckId: string, floor: number): Promise<number> {
    await tx.deck.update({ where: { id: deckId }, data: { logFloor: floor } });
    return (await tx.deckOperationBatch.deleteMany({ where: { deckId, revision: { lte: floor } } })).count;
  }
}
