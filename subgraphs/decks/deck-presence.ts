// Who is in a deck right now: per editor session, the slide they are on, the elements they have
// selected and a colour. Ephemeral Redis state with a TTL that heartbeats renew; sessions that stop
// beating are swept (their locks go with them). Every change publishes a full, sequenced snapshot
// on Redis, so a subscriber on any replica only ever needs the newest one.
import { listen, type PubSub, topics } from '../../lib/pubsub.js';
import type { Redis } from '../../lib/redis.js';
import { inbox, stoppable } from '../../lib/stoppable.js';
import type { DeckLock, DeckLocks } from './deck-locks.js';

export interface PresenceTiming {
  /** A session that sends no heartbeat for this long has left. */
  ttlSeconds: number;
  /** How often an open presence subscription sweeps expired sessions and locks. */
  sweepMs: number;
}
export const DEFAULT_PRESENCE_TIMING: PresenceTiming = { ttlSeconds: 30, sweepMs: 5_000 };

// Distinguishable on white and dark themes; a person keeps theirs across sessions and decks.
const COLOURS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#469990', '#9a6324', '#800000', '#808000', '#000075'];

export function colourFor(userId: string): string {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return COLOURS[hash % COLOURS.length]!;
}

export interface Participant {
  userId: string;
  clientId: string;
  slideId: string | null;
  selectedElementIds: string[];
  colour: string;
  agent: string | null;
  joinedAt: number;
  lastSeenAt: number;
}

export type PresenceChange = 'SNAPSHOT' | 'JOINED' | 'UPDATED' | 'LEFT' | 'LOCKED' | 'UNLOCKED';

export interface PresenceMessage {
  deckId: string;
  /** Increases with every change of this deck's presence; older snapshots are stale. */
  seq: number;
  change: PresenceChange;
  participant: Participant | null;
  lock: DeckLock | null;
  participants: Participant[];
  locks: DeckLock[];
}

const membersKey = (deckId: string) => `decks:${deckId}:presence`;
const expiryKey = (deckId: string) => `decks:${deckId}:presence:expiry`;
const seqKey = (deckId: string) => `decks:${deckId}:presence:seq`;
const memberOf = (userId: string, clientId: string) => `${userId}/${clientId}`;

export class DeckPresence {
  constructor(
    private readonly redis: Redis,
    private readonly pubsub: PubSub,
    readonly locks: DeckLocks,
    private readonly timing: PresenceTiming = DEFAULT_PRESENCE_TIMING,
  ) {}

  /** Join or heartbeat: renews the session's TTL and records where it is. */
  async heartbeat(deckId: string, session: { userId: string; clientId: string; agent: string | null; slideId: string | null; selectedElementIds: string[] }): Promise<Participant> {
    const member = memberOf(session.userId, session.clientId);
    const now = Date.now();
    const previous = await this.redis.hget(membersKey(deckId), member);
    const participant: Participant = {
      ...session,
      colour: colourFor(session.userId),
      joinedAt: previous ? (JSON.parse(previous) as Participant).joinedAt : now,
      lastSeenAt: now,
    };
    const ttlMs = this.timing.ttlSeconds * 1000;
    await this.redis
      .multi()
      .hset(membersKey(deckId), member, JSON.stringify(participant))
      .zadd(expiryKey(deckId), now + ttlMs, member)
      // The keys outlive their last member by a TTL, so an abandoned deck leaves nothing behind.
      .pexpire(membersKey(deckId), ttlMs * 2)
      .pexpire(expiryKey(deckId), ttlMs * 2)
      .exec();
    await this.announce(deckId, previous ? 'UPDATED' : 'JOINED', participant, null);
    return participant;
  }

  /** The session leaves: its presence and its locks go. */
  async leave(deckId: string, userId: string, clientId: string): Promise<boolean> {
    const member = memberOf(userId, clientId);
    const [[, removed], [, raw]] = (await this.redis.multi().zrem(expiryKey(deckId), member).hget(membersKey(deckId), member).hdel(membersKey(deckId), member).exec()) as [[null, number], [null, string | null], unknown];
    await this.dropLocksOf(deckId, userId, clientId);
    // Only the caller that removed the member announces it (a sweep may race a leave).
    if (removed === 1 && raw) await this.announce(deckId, 'LEFT', JSON.parse(raw) as Participant, null);
    return removed === 1;
  }

  /** Removes sessions whose heartbeat expired and locks whose time ran out, announcing each. */
  async sweep(deckId: string): Promise<void> {
    for (const member of await this.redis.zrangebyscore(expiryKey(deckId), '-inf', Date.now())) {
      const [userId, clientId] = [member.slice(0, member.indexOf('/')), member.slice(member.indexOf('/') + 1)];
      await this.leave(deckId, userId!, clientId!);
    }
    for (const lock of await this.locks.sweepExpired(deckId)) await this.announce(deckId, 'UNLOCKED', null, lock);
  }

  async snapshot(deckId: string): Promise<{ participants: Participant[]; locks: DeckLock[] }> {
    const now = Date.now();
    const [members, expiries, locks] = await Promise.all([
      this.redis.hgetall(membersKey(deckId)),
      this.redis.zrangebyscore(expiryKey(deckId), now, '+inf'),
      this.locks.active(deckId),
    ]);
    const live = new Set(expiries);
    const participants = Object.entries(members)
      .filter(([member]) => live.has(member))
      .map(([, value]) => JSON.parse(value) as Participant)
      .sort((a, b) => a.joinedAt - b.joinedAt);
    return { participants, locks };
  }

  async announce(deckId: string, change: PresenceChange, participant: Participant | null, lock: DeckLock | null): Promise<void> {
    // The sequence number is taken after the change is written, so a higher number's snapshot
    // always includes every change announced with a lower one.
    const seq = await this.redis.incr(seqKey(deckId));
    await this.redis.pexpire(seqKey(deckId), this.timing.ttlSeconds * 10_000);
    const message: PresenceMessage = { deckId, seq, change, participant, lock, ...(await this.snapshot(deckId)) };
    await this.pubsub.publish(topics.deckPresence(deckId), message);
  }

  /**
   * The deck's presence: the current snapshot, then every newer one. While open it sweeps expired
   * sessions now and then (any replica may; each removal is announced once). When the stream ends
   * and `leaveAs` is given, that session leaves: closing the editor is leaving the deck.
   */
  stream(deckId: string, leaveAs: { userId: string; clientId: string } | null): AsyncIterableIterator<PresenceMessage> {
    return stoppable((signal) => this.follow(deckId, leaveAs, signal));
  }

  private async *follow(deckId: string, leaveAs: { userId: string; clientId: string } | null, signal: AbortSignal): AsyncGenerator<PresenceMessage> {
    const messages = inbox<PresenceMessage>(signal);
    const unsubscribe = await listen<PresenceMessage>(this.pubsub, topics.deckPresence(deckId), (message) => messages.push(message));
    const sweeper = setInterval(() => void this.sweep(deckId).catch(() => undefined), this.timing.sweepMs);
    try {
      await this.sweep(deckId);
      const seq = Number((await this.redis.get(seqKey(deckId))) ?? 0);
      let last = seq;
      yield { deckId, seq, change: 'SNAPSHOT', participant: null, lock: null, ...(await this.snapshot(deckId)) };
      for await (const message of messages.items()) {
        if (message.seq <= last) continue;
        last = message.seq;
        yield message;
      }
    } finally {
      clearInterval(sweeper);
      unsubscribe();
      if (leaveAs) await this.leave(deckId, leaveAs.userId, leaveAs.clientId).catch(() => undefined);
    }
  }

  async acquireLock(lock: DeckLock): Promise<{ ok: true; lock: DeckLock } | { ok: false; heldBy: DeckLock }> {
    const result = await this.locks.acquire(lock);
    if (result.ok) await this.announce(lock.deckId, 'LOCKED', null, lock);
    return result;
  }

  async releaseLock(deckId: string, target: { slideId: string; elementId: string | null }, holderId: string): Promise<boolean> {
    const released = await this.locks.release(deckId, target, holderId);
    if (released) await this.announce(deckId, 'UNLOCKED', null, { deckId, ...target, holderId, clientId: null, agent: null, acquiredAt: 0, expiresAt: 0 });
    return released;
  }

  private async dropLocksOf(deckId: string, userId: string, clientId: string): Promise<void> {
    for (const lock of await this.locks.releaseSession(deckId, userId, clientId)) await this.announce(deckId, 'UNLOCKED', null, lock);
  }
}
