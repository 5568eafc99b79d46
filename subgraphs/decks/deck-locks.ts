// Short-lived edit locks on a slide or one element, held by a person (or the AI acting for one).
// Ephemeral Redis state: one hash per deck, each lock with its own expiry; taking or refusing a
// lock is one Lua script, so two people racing for the same slide cannot both win.
import type { Redis } from '../../lib/redis.js';
import type { DeckOperation } from './deck-operations.js';

export const DEFAULT_LOCK_SECONDS = 30;
export const MAX_LOCK_SECONDS = 120;

export interface LockTarget {
  slideId: string;
  elementId: string | null;
}

export interface DeckLock extends LockTarget {
  deckId: string;
  holderId: string;
  /** The holder's editor session: the lock goes when that session leaves the deck. */
  clientId: string | null;
  /** Set when a service (the AI) holds the lock for the person. */
  agent: string | null;
  acquiredAt: number;
  expiresAt: number;
}

const locksKey = (deckId: string) => `decks:${deckId}:locks`;
const field = (target: LockTarget) => JSON.stringify([target.slideId, target.elementId]);

// A slide lock and a lock on one of its elements exclude each other across holders.
// KEYS[1] the deck's lock hash; ARGV: field, lock json, now ms, holder id, slide id, element id ('' = slide), hash ttl ms.
const ACQUIRE = `
local now = tonumber(ARGV[3])
for _, value in pairs(redis.call('HVALS', KEYS[1])) do
  local lock = cjson.decode(value)
  if lock.expiresAt > now and lock.holderId ~= ARGV[4] and lock.slideId == ARGV[5] then
    local other = lock.elementId
    if other == cjson.null then other = '' end
    if other == '' or ARGV[6] == '' or other == ARGV[6] then return value end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return false`;

// KEYS[1] the hash; ARGV: field, exact lock json.
const RELEASE_IF_UNCHANGED = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

// KEYS[1] the hash; ARGV: field, holder id.
const RELEASE = `
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value and cjson.decode(value).holderId == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

/** Which lock targets an operation touches: the slide itself, or one element of it. */
function touches(op: DeckOperation): LockTarget[] {
  switch (op.type) {
    case 'DELETE_SLIDE':
    case 'MOVE_SLIDE':
    case 'UPDATE_SLIDE':
    case 'INSERT_ELEMENT':
    case 'UNGROUP_ELEMENTS':
      return [{ slideId: op.slideId, elementId: null }];
    case 'UPDATE_ELEMENT':
    case 'DELETE_ELEMENT':
    case 'REORDER_ELEMENT':
      return [{ slideId: op.slideId, elementId: op.elementId }];
    case 'GROUP_ELEMENTS':
      return op.elementIds.map((elementId) => ({ slideId: op.slideId, elementId }));
    case 'INSERT_SLIDE':
    case 'UPDATE_DECK':
      return [];
  }
}

/** Whether `lock` stops an edit of `target`: a slide lock covers its elements; deleting a slide is
 *  stopped by any lock on it or its elements. */
function covers(lock: DeckLock, target: LockTarget, deletesSlide: boolean): boolean {
  if (lock.slideId !== target.slideId) return false;
  return lock.elementId === null || lock.elementId === target.elementId || deletesSlide;
}

export class DeckLocks {
  constructor(private readonly redis: Redis) {}

  /** Takes or renews the lock; returns the other holder's lock instead when one is in the way. */
  async acquire(lock: DeckLock): Promise<{ ok: true; lock: DeckLock } | { ok: false; heldBy: DeckLock }> {
    const held = (await this.redis.eval(
      ACQUIRE,
      1,
      locksKey(lock.deckId),
      field(lock),
      JSON.stringify(lock),
      Date.now(),
      lock.holderId,
      lock.slideId,
      lock.elementId ?? '',
      MAX_LOCK_SECONDS * 1000,
    )) as string | null;
    return held ? { ok: false, heldBy: JSON.parse(held) as DeckLock } : { ok: true, lock };
  }

  async release(deckId: string, target: LockTarget, holderId: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, locksKey(deckId), field(target), holderId)) === 1;
  }

  /** Live locks of a deck (an expired lock no longer counts, even before it is swept). */
  async active(deckId: string): Promise<DeckLock[]> {
    const now = Date.now();
    return (await this.all(deckId)).filter((lock) => lock.expiresAt > now);
  }

  /** Removes expired locks and returns them (so presence can announce them). */
  async sweepExpired(deckId: string): Promise<DeckLock[]> {
    const now = Date.now();
    const expired = (await this.all(deckId)).filter((lock) => lock.expiresAt <= now);
    const removed: DeckLock[] = [];
    // Released one by one with the holder check, so a lock renewed meanwhile is not dropped.
    for (const lock of expired) if (await this.releaseIfUnchanged(lock)) removed.push(lock);
    return removed;
  }

  /** Drops every lock a session held (it left the deck or its presence expired). */
  async releaseSession(deckId: string, holderId: string, clientId: string): Promise<DeckLock[]> {
    const locks = await this.all(deckId);
    const held = locks.filter((lock) => lock.holderId === holderId && lock.clientId === clientId);
    if (held.length > 0) await this.redis.hdel(locksKey(deckId), ...held.map(field));
    return held;
  }

  private async all(deckId: string): Promise<DeckLock[]> {
    return Object.values(await this.redis.hgetall(locksKey(deckId))).map((value) => JSON.parse(value) as DeckLock);
  }

  private async releaseIfUnchanged(lock: DeckLock): Promise<boolean> {
    return (await this.redis.eval(RELEASE_IF_UNCHANGED, 1, locksKey(lock.deckId), field(lock), JSON.stringify(lock))) === 1;
  }

  /** The first lock held by someone else that stops one of these operations, if any. */
  async blocking(deckId: string, editorId: string, operations: readonly DeckOperation[]): Promise<DeckLock | null> {
    return blockingLock(await this.active(deckId), editorId, operations);
  }
}

/** Among a deck's live `locks`, the first one held by someone else that stops one of these operations. */
export function blockingLock(locks: readonly DeckLock[], editorId: string, operations: readonly DeckOperation[]): DeckLock | null {
  const others = locks.filter((lock) => lock.holderId !== editorId);
  if (others.length === 0) return null;
  for (const op of operations) {
    for (const target of touches(op)) {
      const lock = others.find((candidate) => covers(candidate, target, op.type === 'DELETE_SLIDE'));
      if (lock) return lock;
    }
  }
  return null;
}
