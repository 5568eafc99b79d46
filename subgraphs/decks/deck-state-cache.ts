// What this process last wrote or read of each busy deck: its whole operation state at one revision.
// A batch on a deck found here is applied in memory and written with one statement that succeeds
// only if the deck is still at that revision (`OperationLogStore.writeBatch`): with many people on
// one deck, an edit costs one round trip to Postgres instead of a locked transaction of five.
// Nothing here is trusted without that check, so another replica's (or a Prisma transaction's)
// write costs a reload, never a wrong document.
//
// Batches on one deck also run one at a time per process (`inTurn`): they wait here, in memory,
// instead of on the deck's row lock, and each finds the state its predecessor left.
import type { DeckState } from './deck-operations.js';

/** A deck as one process knows it: its operation state and log floor at `revision`. */
export interface KnownDeck {
  revision: number;
  logFloor: number;
  state: DeckState;
  /** Roughly the JSON size of the slides, for the cache's budget. */
  bytes: number;
}

/** 64 MB of slide JSON per process: a few hundred decks being edited, or one very large one. */
export const DEFAULT_DECK_CACHE_BYTES = 64 * 1024 * 1024;

export class DeckStateCache {
  /** In least-recently-used order (a Map keeps insertion order; use re-inserts). */
  private readonly decks = new Map<string, KnownDeck>();
  private readonly turns = new Map<string, Promise<unknown>>();
  private bytes = 0;

  constructor(private readonly budgetBytes = DEFAULT_DECK_CACHE_BYTES) {}

  /**
   * Removes and returns the deck: the caller mutates the state while applying a batch and
   * `put`s it back only once the write landed, so a failed or refused batch leaves nothing stale.
   */
  take(deckId: string): KnownDeck | null {
    const known = this.decks.get(deckId);
    if (!known) return null;
    this.decks.delete(deckId);
    this.bytes -= known.bytes;
    return known;
  }

  has(deckId: string): boolean {
    return this.decks.has(deckId);
  }

  put(deckId: string, known: KnownDeck): void {
    this.drop(deckId);
    if (known.bytes > this.budgetBytes) return;
    this.decks.set(deckId, known);
    this.bytes += known.bytes;
    for (const [oldest, entry] of this.decks) {
      if (this.bytes <= this.budgetBytes) break;
      this.decks.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  /** Forgets the deck (a whole-document write in this process; the next batch reads it again). */
  drop(deckId: string): void {
    const known = this.decks.get(deckId);
    if (!known) return;
    this.decks.delete(deckId);
    this.bytes -= known.bytes;
  }

  get size(): { decks: number; bytes: number } {
    return { decks: this.decks.size, bytes: this.bytes };
  }

  /** Runs `work` after every earlier `inTurn` for this deck has settled (one at a time per deck). */
  inTurn<T>(deckId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.turns.get(deckId) ?? Promise.resolve();
    const result = previous.then(work, work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(deckId, settled);
    void settled.then(() => {
      if (this.turns.get(deckId) === settled) this.turns.delete(deckId);
    });
    return result;
  }
}
