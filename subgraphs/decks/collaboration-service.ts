// Live co-editing: operation batches (with conflicts as data), the deck's log and event stream,
// per-person undo/redo, presence and locks. The one path every change to a deck's content takes
// (people through GraphQL or REST, the AI through its worker), so every change is in the log.
import { randomUUID } from 'node:crypto';
import type { Viewer } from '../../lib/auth/tokens.js';
import type { Prisma } from '../../lib/db.js';
import { badInput, forbidden, isUuid } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import type { Logger } from '../../lib/logger.js';
import { MAX_ID_CHARS } from '../../lib/pptist/document.js';
import type { DeckSource } from './deck-service.js';
import { blockingLock, DEFAULT_LOCK_SECONDS, type DeckLock, type LockTarget, MAX_LOCK_SECONDS } from './deck-locks.js';
import { applyOperations, type DeckOperation, DeckOperationListSchema, type OperationConflict, targetedSlideIds } from './deck-operations.js';
import { assembleDocument } from './deck-parts.js';
import { type DeckEventMessage, type DeckEvents, eventFromBatch } from './deck-events.js';
import { DEFAULT_DECK_CACHE_BYTES, DeckStateCache, type KnownDeck } from './deck-state-cache.js';
import type { DeckPresence, Participant } from './deck-presence.js';
import type { Deck, DeckRole, DeckStore, DocumentParts } from './deck-store.js';
import { type BatchKind, type DeckOperationBatch, type LockedDeck, type OperationLogStore, prismaSql, type Sql } from './operation-log-store.js';

/** How many revisions of log a deck keeps; older ones are folded into a snapshot. */
export const DEFAULT_LOG_RETENTION = 1000;

/** Fast-path tries before a batch takes the deck's row lock (each one a read after another process wrote). */
export const DEFAULT_OPTIMISTIC_ATTEMPTS = 3;

export interface CollaborationOptions {
  /** How many revisions of log a deck keeps before compaction. */
  logRetention: number;
  afterCommit?: (deckId: string) => void;
  /** Fast-path tries per batch; 0 sends every batch down the locked path (tests compare both). */
  optimisticAttempts: number;
  /** The budget of remembered deck states (`DeckStateCache`). */
  deckCacheBytes: number;
}

export type BatchOutcome =
  | { status: 'APPLIED'; revision: number; event: DeckEventMessage; conflicts: [] }
  | { status: 'CONFLICT'; revision: number; conflicts: OperationConflict[] }
  | { status: 'REJECTED'; revision: number; conflicts: []; error: UserErrorShape; lock?: DeckLock };

export interface BatchInput {
  operations: unknown;
  baseRevision: number;
  /** The client's id for this batch: sending it again (a retry) applies it once. */
  batchId?: string | null;
  clientId?: string | null;
}

/** What a locked transaction decided to apply (or an outcome that needs no change). */
type Plan = { operations: DeckOperation[]; baseRevision: number; kind: BatchKind; reverts?: DeckOperationBatch } | { outcome: BatchOutcome };

const appliedEarlier = (earlier: DeckOperationBatch): BatchOutcome => ({ status: 'APPLIED', revision: earlier.revision, event: eventFromBatch(earlier), conflicts: [] });

const rejected = (revision: number, code: string, message: string, field?: string, lock?: DeckLock): BatchOutcome => ({ status: 'REJECTED', revision, conflicts: [], error: { code, message, field }, ...(lock && { lock }) });

const baseRevisionOutOfRange = (baseRevision: number, revision: number): BatchOutcome | null =>
  baseRevision < 0 || baseRevision > revision ? rejected(revision, 'BAD_USER_INPUT', `baseRevision must be between 0 and the deck's revision (${revision})`, 'baseRevision') : null;

function lockedOut(revision: number, lock: DeckLock): BatchOutcome {
  const what = lock.elementId ? `Element ${lock.elementId} on slide ${lock.slideId}` : `Slide ${lock.slideId}`;
  return rejected(revision, 'LOCKED', `${what} is locked by user ${lock.holderId} until ${new Date(lock.expiresAt).toISOString()}`, undefined, lock);
}

export class CollaborationService {
  constructor(
    private readonly decks: DeckStore,
    private readonly log: OperationLogStore,
    private readonly events: DeckEvents,
    readonly presence: DeckPresence,
    private readonly logger: Logger,
    options: Partial<CollaborationOptions> = {},
  ) {
    this.options = {
      logRetention: options.logRetention ?? DEFAULT_LOG_RETENTION,
      optimisticAttempts: options.optimisticAttempts ?? DEFAULT_OPTIMISTIC_ATTEMPTS,
      deckCacheBytes: options.deckCacheBytes ?? DEFAULT_DECK_CACHE_BYTES,
      afterCommit: options.afterCommit,
    };
    this.known = new DeckStateCache(this.options.deckCacheBytes);
  }

  private readonly options: CollaborationOptions;
  /** The decks this process wrote or read last, and one batch at a time per deck. */
  private readonly known: DeckStateCache;

  // ---------------------------------------------------------------- batches

  /** Applies a batch atomically: every operation, or none and the conflicts (or the lock) why. */
  applyBatch(viewer: Viewer, deck: Deck, input: BatchInput): Promise<BatchOutcome> {
    return this.applyEdit(viewer, deck.id, () => Promise.resolve(deck), input);
  }

  /**
   * `applyBatch` for a caller whose permission is not checked yet: `authorize` reads the deck and
   * the caller's role (or throws the coded reason).
   *
   * On a deck this process is editing (its state remembered), the batch is applied first and its
   * one write statement is also the permission check: it lands only if the caller may edit the
   * deck (`OperationLogStore.writeBatch`). An edit then waits for no read of the deck or of the
   * caller's role at all. Whatever does not land that way (a refusal, a conflict, a lock in the
   * way, a caller who may not edit, another replica's write) is decided after `authorize`, as
   * every edit on a deck not remembered here is, so a refusal is only ever told to someone allowed
   * to see it. The deck's locks are read meanwhile either way.
   */
  async applyEdit(viewer: Viewer, deckId: string, authorize: () => Promise<Deck>, input: BatchInput): Promise<BatchOutcome> {
    const locks = this.presence.locks.active(deckId);
    // Read before it is known whether the caller may see it: unused (and its failure unreported) unless so.
    locks.catch(() => undefined);
    const parsed = DeckOperationListSchema.safeParse(input.operations);
    const clientProblem = checkClientIds(input);
    const batchId = input.batchId ?? randomUUID();
    // A failed read of the locks is left to the checked path below, which reports it to a caller allowed to know.
    const lockList = parsed.success && !clientProblem && this.known.has(deckId) ? await locks.catch(() => null) : null;
    if (parsed.success && lockList && !blockingLock(lockList, viewer.userId, parsed.data)) {
      const editor = viewer.role === 'ADMIN' ? null : viewer.userId;
      const landed = await this.known.inTurn(deckId, async () => {
        const known = this.known.take(deckId);
        if (!known) return null;
        const tried = await this.tryWrite(viewer, deckId, input, batchId, parsed.data, known, editor);
        return 'applied' in tried ? tried.applied : null;
      });
      if (landed) return landed;
    }
    const deck = await authorize();
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return rejected(deck.revision, 'BAD_USER_INPUT', issue.message, ['operations', ...issue.path].join('.'));
    }
    if (clientProblem) return rejected(deck.revision, 'BAD_USER_INPUT', clientProblem.message, clientProblem.field);
    // Checked before the batch waits its turn, so a slow Redis never holds up other editors' batches.
    const lock = blockingLock(await locks, viewer.userId, parsed.data);
    if (lock) return lockedOut(deck.revision, lock);
    return this.known.inTurn(deck.id, () => this.applyToKnownState(viewer, deck.id, input, batchId, parsed.data));
  }

  /** Reverts the person's own last batch, even after others edited elsewhere. */
  undo(viewer: Viewer, deck: Deck, input: { batchId?: string | null; clientId?: string | null } = {}): Promise<BatchOutcome> {
    return this.revert(viewer, deck, input, 'UNDO');
  }

  /** Restores what the person's last undo reverted, unless they edited since. */
  redo(viewer: Viewer, deck: Deck, input: { batchId?: string | null; clientId?: string | null } = {}): Promise<BatchOutcome> {
    return this.revert(viewer, deck, input, 'REDO');
  }

  private async revert(viewer: Viewer, deck: Deck, input: { batchId?: string | null; clientId?: string | null }, kind: 'UNDO' | 'REDO'): Promise<BatchOutcome> {
    const clientProblem = checkClientIds(input);
    if (clientProblem) return rejected(deck.revision, 'BAD_USER_INPUT', clientProblem.message, clientProblem.field);
    return this.known.inTurn(deck.id, () =>
      this.commitLocked(viewer, deck.id, input, async (locked, sql) => {
        const row = kind === 'UNDO' ? await this.log.lastUndoable(sql, deck.id, viewer.userId) : await this.log.lastRedoable(sql, deck.id, viewer.userId);
        if (!row) return { outcome: rejected(locked.revision, kind === 'UNDO' ? 'NOTHING_TO_UNDO' : 'NOTHING_TO_REDO', `You have nothing to ${kind.toLowerCase()} in this deck`) };
        // The inverse was computed against the state the batch applied to; based on that revision,
        // it conflicts exactly where someone changed the same properties afterwards.
        return { operations: row.inverse as DeckOperation[], baseRevision: row.revision, kind, reverts: row };
      }),
    );
  }

  /**
   * The fast path of an edit: apply to the deck as this process last knew it (or as read now) and
   * write with one statement that holds only if nobody wrote since. A refusal decided on the
   * remembered state is decided again on a fresh read; when other processes keep moving the deck,
   * the batch takes the row lock instead (`commitLocked`).
   */
  private async applyToKnownState(viewer: Viewer, deckId: string, input: BatchInput, batchId: string, operations: DeckOperation[]): Promise<BatchOutcome> {
    for (let attempt = 0; attempt < this.options.optimisticAttempts; attempt++) {
      const remembered = this.known.take(deckId);
      const known = remembered ?? (await this.log.loadDeckState(deckId));
      if (!known || ('deleted' in known && known.deleted)) return rejected(known?.revision ?? 0, 'NOT_FOUND', `Deck ${deckId} not found`);
      const tried = await this.tryWrite(viewer, deckId, input, batchId, operations, known, null);
      if ('applied' in tried) return tried.applied;
      if ('refused' in tried) {
        if (remembered) continue;
        // A retry of a batch that did apply answers with what it did, not with conflicts against itself.
        const earlier = input.batchId ? await this.log.findBatch(this.log.outsideTransaction, deckId, batchId) : null;
        return earlier ? appliedEarlier(earlier) : tried.refused;
      }
      if (tried.moved === 'duplicate') {
        const earlier = await this.log.findBatch(this.log.outsideTransaction, deckId, batchId);
        if (earlier) return appliedEarlier(earlier);
      }
    }
    return this.commitLocked(viewer, deckId, input, async (locked) => {
      const outOfRange = baseRevisionOutOfRange(input.baseRevision, locked.revision);
      return outOfRange ? { outcome: outOfRange } : { operations, baseRevision: input.baseRevision, kind: 'EDIT' };
    });
  }

  /**
   * Applies the batch to `known` (which it changes: the caller took it from the cache) and writes
   * it if the deck is still at `known.revision` (and, with `uncheckedEditor`, that person may edit
   * it). The state goes back to the cache only when the write landed.
   */
  private async tryWrite(
    viewer: Viewer,
    deckId: string,
    input: BatchInput,
    batchId: string,
    operations: DeckOperation[],
    known: KnownDeck,
    uncheckedEditor: string | null,
  ): Promise<{ applied: BatchOutcome } | { refused: BatchOutcome } | { moved: 'revision' | 'duplicate' }> {
    const outOfRange = baseRevisionOutOfRange(input.baseRevision, known.revision);
    if (outOfRange) return { refused: outOfRange };
    const revision = known.revision + 1;
    const result = applyOperations(known.state, operations, { revision, baseRevision: input.baseRevision, mode: 'server' });
    if (result.invalid) return { refused: rejected(known.revision, 'BAD_USER_INPUT', result.invalid.message, result.invalid.path) };
    if (result.conflicts.length > 0) return { refused: { status: 'CONFLICT', revision: known.revision, conflicts: result.conflicts } };
    const batch = { deckId, revision, kind: 'EDIT' as const, actorId: viewer.userId, clientId: input.clientId ?? null, batchId, operations: result.applied, inverse: result.inverse, revertsRevision: null };
    const written = await this.log.writeBatch(this.log.outsideTransaction, known.state, result.changes, batch, known.revision, uncheckedEditor);
    if (written === 'duplicate') return { moved: 'duplicate' };
    if (!written) return { moved: 'revision' };
    this.known.put(deckId, { revision, logFloor: written.logFloor, state: known.state, bytes: known.bytes + written.bytes });
    return { applied: this.announce({ status: 'APPLIED', revision, event: eventFromBatch(written.row), conflicts: [] }, written.logFloor) };
  }

  /**
   * The locked write path (undo, redo, and edits on a deck other processes keep moving): lock the
   * deck row, let `plan` decide, refuse locked targets, apply with conflict checks, write slides +
   * deck + log row, then publish. A batch id seen before returns the earlier result instead of
   * applying twice.
   */
  private async commitLocked(viewer: Viewer, deckId: string, input: { batchId?: string | null; clientId?: string | null }, plan: (locked: LockedDeck, sql: Sql) => Promise<Plan>): Promise<BatchOutcome> {
    const batchId = input.batchId ?? randomUUID();
    // What this process remembered of the deck is about to be out of date.
    this.known.drop(deckId);
    let logFloor: number | null = null;
    const outcome = await this.log.batchTransaction(async (sql): Promise<BatchOutcome> => {
      const locked = await this.log.lockDeck(sql, deckId);
      if (!locked || locked.deleted) return rejected(locked?.revision ?? 0, 'NOT_FOUND', `Deck ${deckId} not found`);
      const decided = await plan(locked, sql);
      if ('outcome' in decided) {
        // A retried undo finds nothing left to undo: answer with what the first attempt did.
        const earlier = input.batchId ? await this.log.findBatch(sql, deckId, batchId) : null;
        return earlier ? appliedEarlier(earlier) : decided.outcome;
      }
      const { state, earlier } = await this.log.readForBatch(sql, locked, targetedSlideIds(decided.operations), input.batchId ? batchId : null);
      if (earlier) return appliedEarlier(earlier);
      const lock = decided.kind === 'EDIT' ? null : await this.presence.locks.blocking(deckId, viewer.userId, decided.operations);
      if (lock) return lockedOut(locked.revision, lock);
      const revision = locked.revision + 1;
      const result = applyOperations(state, decided.operations, { revision, baseRevision: decided.baseRevision, mode: 'server' });
      if (result.conflicts.length > 0) return { status: 'CONFLICT', revision: locked.revision, conflicts: result.conflicts };
      if (result.invalid) return rejected(locked.revision, 'BAD_USER_INPUT', result.invalid.message, result.invalid.path);
      const written = await this.log.writeBatch(
        sql,
        state,
        result.changes,
        {
          deckId,
          revision,
          kind: decided.kind,
          actorId: viewer.userId,
          clientId: input.clientId ?? null,
          batchId,
          operations: result.applied,
          inverse: result.inverse,
          revertsRevision: decided.reverts ? (decided.reverts.revertsRevision ?? decided.reverts.revision) : null,
        },
        locked.revision,
      );
      // Under the row lock, with the batch id checked above, neither can happen.
      if (!written || written === 'duplicate') throw new Error(`deck ${deckId} moved under its row lock`);
      if (decided.reverts) await this.log.markReverted(sql, deckId, decided.reverts.revision, revision);
      logFloor = written.logFloor;
      return { status: 'APPLIED', revision, event: eventFromBatch(written.row), conflicts: [] };
    });
    return logFloor === null ? outcome : this.announce(outcome, logFloor);
  }

  /** After a batch is in the log: subscribers, the layout check, and compaction when due. */
  private announce(outcome: BatchOutcome, logFloor: number): BatchOutcome {
    if (outcome.status !== 'APPLIED') return outcome;
    const deckId = outcome.event.deckId;
    this.events.publish(outcome.event);
    this.options.afterCommit?.(deckId);
    if (outcome.revision - logFloor >= 2 * this.options.logRetention) void this.compactIfDue(deckId).catch((err: unknown) => this.logger.error({ err, deckId }, 'log compaction failed'));
    return outcome;
  }

  /**
   * Replaces the whole document (import, version restore) as one REPLACE revision: subscribers are
   * told to reload. `snapshot` keeps the document as it was first.
   */
  replaceDocument(viewer: Viewer, deckId: string, parts: DocumentParts, options: { expectedRevision?: number | null; snapshotKind: string }): Promise<Deck | null> {
    return this.known.inTurn(deckId, () => this.replaceInTurn(viewer, deckId, parts, options));
  }

  private async replaceInTurn(viewer: Viewer, deckId: string, parts: DocumentParts, options: { expectedRevision?: number | null; snapshotKind: string }): Promise<Deck | null> {
    this.known.drop(deckId);
    const result = await this.log.transaction(async (tx) => {
      const locked = await this.log.lockDeck(prismaSql(tx), deckId);
      if (!locked || locked.deleted) return null;
      if (options.expectedRevision !== undefined && options.expectedRevision !== null && options.expectedRevision !== locked.revision) return null;
      const before = assembleDocument(await tx.deck.findUniqueOrThrow({ where: { id: deckId } }), await this.decks.slidesOf([deckId], tx));
      await this.decks.createVersion({ deckId, name: null, kind: options.snapshotKind, revision: locked.revision, snapshot: before as Prisma.InputJsonValue, authorId: viewer.userId }, tx);
      const deck = await this.decks.replaceDocument(tx, deckId, parts);
      const row = await tx.deckOperationBatch.create({
        data: { deckId, revision: deck.revision, kind: 'REPLACE', actorId: viewer.userId, batchId: randomUUID(), operations: [], inverse: [] },
      });
      return { deck, event: eventFromBatch(row) };
    });
    if (result) {
      this.events.publish(result.event);
      this.options.afterCommit?.(deckId);
    }
    return result?.deck ?? null;
  }

  /** Folds log rows older than the retention into a snapshot; clients that far behind reload. */
  async compactIfDue(deckId: string): Promise<number> {
    return this.log.transaction(async (tx) => {
      const locked = await this.log.lockDeck(prismaSql(tx), deckId);
      if (!locked || locked.revision - locked.logFloor < 2 * this.options.logRetention) return 0;
      const floor = locked.revision - this.options.logRetention;
      const document = assembleDocument(await tx.deck.findUniqueOrThrow({ where: { id: deckId } }), await this.decks.slidesOf([deckId], tx));
      await this.decks.createVersion({ deckId, name: null, kind: 'AUTO_COMPACTION', revision: locked.revision, snapshot: document as Prisma.InputJsonValue, authorId: null }, tx);
      return this.log.compact(tx, deckId, floor);
    });
  }

  // ---------------------------------------------------------------- events

  /**
   * The deck's events after `afterRevision`. Only members subscribe (a public template's readers
   * do not); a member whose access is revoked gets ACCESS_REVOKED and the stream ends.
   */
  async subscribe(viewer: Viewer | null, deck: Deck, afterRevision: number, fresh: DeckSource): Promise<AsyncIterableIterator<DeckEventMessage>> {
    if (!viewer) throw forbidden();
    await this.requireMember(viewer, deck, fresh);
    if (!Number.isInteger(afterRevision) || afterRevision < 0) throw badInput('afterRevision must be a whole number ≥ 0', 'afterRevision');
    if (afterRevision > deck.revision) throw badInput(`afterRevision is ahead of the deck (revision ${deck.revision})`, 'afterRevision');
    if (afterRevision < deck.logFloor) return reloadOnly(deck, 'Your copy is too far behind the log; reload the document');
    return this.events.stream(deck.id, afterRevision, async (event) => {
      if (event.userId !== viewer.userId) return null;
      const current = await fresh.deck(deck.id);
      const stillMember = current && !current.deletedAt && isMember(viewer, current, await fresh.membership(deck.id));
      return stillMember ? null : { ...event, type: 'ACCESS_REVOKED', revision: null };
    });
  }

  /** Presence and edits are for the deck's members, not for every reader of a public template. */
  async requireMember(viewer: Viewer, deck: Deck, fresh: DeckSource): Promise<void> {
    if (!isMember(viewer, deck, await fresh.membership(deck.id))) throw forbidden('Only members of this deck can follow it live');
  }

  /** Tells open streams that someone's access changed (they re-check) or the deck is gone. */
  announceAccessChange(deckId: string, userId: string): void {
    this.events.publish({ deckId, type: 'ACCESS_CHANGED', revision: null, userId, createdAt: new Date().toISOString() });
  }

  announceDeleted(deckId: string): void {
    this.events.publish({ deckId, type: 'DECK_DELETED', revision: null, createdAt: new Date().toISOString() });
  }

  // ---------------------------------------------------------------- presence and locks

  async heartbeat(viewer: Viewer, deck: Deck, input: { clientId: string; slideId?: string | null; selectedElementIds?: readonly string[] | null }): Promise<Participant> {
    checkSessionId(input.clientId);
    const selected = [...new Set(input.selectedElementIds ?? [])];
    if (selected.length > 500 || selected.some((id) => id.length > MAX_ID_CHARS)) throw badInput('selectedElementIds: at most 500 element ids', 'selectedElementIds');
    return this.presence.heartbeat(deck.id, { userId: viewer.userId, clientId: input.clientId, agent: viewer.service ?? null, slideId: input.slideId ?? null, selectedElementIds: selected });
  }

  presenceStream(viewer: Viewer, deck: Deck, clientId: string | null) {
    if (clientId) checkSessionId(clientId);
    return this.presence.stream(deck.id, clientId ? { userId: viewer.userId, clientId } : null);
  }

  leave(viewer: Viewer, deck: Deck, clientId: string): Promise<boolean> {
    checkSessionId(clientId);
    return this.presence.leave(deck.id, viewer.userId, clientId);
  }

  async acquireLock(viewer: Viewer, deck: Deck, input: LockTarget & { clientId?: string | null; ttlSeconds?: number | null }): Promise<{ ok: true; lock: DeckLock } | { ok: false; error: UserErrorShape; lock: DeckLock }> {
    if (input.clientId) checkSessionId(input.clientId);
    const ttl = input.ttlSeconds ?? DEFAULT_LOCK_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_LOCK_SECONDS) throw badInput(`ttlSeconds must be 1 to ${MAX_LOCK_SECONDS}`, 'ttlSeconds');
    const now = Date.now();
    const result = await this.presence.acquireLock({
      deckId: deck.id,
      slideId: input.slideId,
      elementId: input.elementId ?? null,
      holderId: viewer.userId,
      clientId: input.clientId ?? null,
      agent: viewer.service ?? null,
      acquiredAt: now,
      expiresAt: now + ttl * 1000,
    });
    if (result.ok) return result;
    const held = result.heldBy;
    return { ok: false, lock: held, error: { code: 'LOCKED', message: `Already locked by user ${held.holderId} until ${new Date(held.expiresAt).toISOString()}`, field: held.elementId ? 'elementId' : 'slideId' } };
  }

  releaseLock(viewer: Viewer, deck: Deck, target: LockTarget): Promise<boolean> {
    return this.presence.releaseLock(deck.id, target, viewer.userId);
  }
}

/** Owner, admin or collaborator: every one of them may read. (roleOn also grants VIEWER to anyone
 *  on a public template; following edits live needs one of these real roles.) */
function isMember(viewer: Viewer, deck: Deck, membership: DeckRole | null | undefined): boolean {
  return deck.ownerId === viewer.userId || viewer.role === 'ADMIN' || Boolean(membership);
}

async function* reloadOnly(deck: Deck, reason: string): AsyncGenerator<DeckEventMessage> {
  yield { deckId: deck.id, type: 'RELOAD_REQUIRED', revision: deck.revision, reason, createdAt: new Date().toISOString() };
}

const SESSION_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const SESSION_ID_RULE = 'clientId must be 1 to 64 letters, digits or _.:-';

function checkSessionId(clientId: string): void {
  if (!SESSION_ID.test(clientId)) throw badInput(SESSION_ID_RULE, 'clientId');
}

function checkClientIds(input: { batchId?: string | null; clientId?: string | null }): { message: string; field: string } | null {
  if (input.batchId && !isUuid(input.batchId)) return { message: 'batchId must be a uuid', field: 'batchId' };
  if (input.clientId && !SESSION_ID.test(input.clientId)) return { message: SESSION_ID_RULE, field: 'clientId' };
  return null;
}
