// Co-editing when things go wrong or far: clients resume from their revision after a disconnect,
// too-old clients are told to reload, edits cross replicas, a Redis restart loses nothing, and the
// REST facade (ops + SSE with Last-Event-ID) streams the same events.
// This file runs its own redis-server (restarted mid-test), so other test files are not disturbed.
import { randomUUID } from 'node:crypto';
import { type LocalService, startRedis } from '../scripts/local-services.js';
import { createPrisma } from '../lib/db.js';
import { Redis } from '../lib/redis.js';
import { applyBatch, comparable, DeckFollower, documentWithSlides, randomEdit, serverState, textElement } from './deck-follower.js';
import { seededRandom } from './seeded-random.js';
import { gql, type Stack, signUp, startStack } from './stack.js';

let redis: LocalService;
let redisPort: number;
let stack: Stack;
let prisma: ReturnType<typeof createPrisma>;
const LOG_RETENTION = 5;


async function newDeck(routerUrl: string, token: string): Promise<{ id: string; revision: number }> {
  const document = documentWithSlides('Resilient', [{ id: 's1', elements: [textElement('t1')] }]);
  const created = await gql(`${routerUrl}/graphql`, 'mutation($i: CreateDeckInput!) { createDeck(input: $i) { deck { id revision } } }', { i: { title: 'Resilient', document } }, token);
  return created.data!.createDeck.deck;
}

const move = (left: number) => [{ type: 'UPDATE_ELEMENT' as const, slideId: 's1', elementId: 't1', props: { left } }];

beforeAll(async () => {
  redis = await startRedis();
  redisPort = Number(new URL(redis.url).port);
  // Every Redis client this file's platform creates reads the URL from here on first use.
  // (Nothing may read the configuration before this line: it is parsed once, on first use.)
  process.env.REDIS_URL = redis.url;
  prisma = createPrisma();
  // The replica sends every batch down the locked path, the primary applies to the deck as it
  // remembers it: edits through both at once check that each path sees the other's writes.
  stack = await startStack({ decksReplicas: 2, decks: { logRetention: LOG_RETENTION }, decksReplica: { optimisticAttempts: 0 } });
});

afterAll(async () => {
  await stack?.close();
  await prisma?.$disconnect();
  await redis?.stop();
});

describe('resuming', () => {
  it('a client that disconnects mid-stream resumes from its revision with no gap and no duplicate', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const deck = await newDeck(stack.routerUrl, alice.token);
    const follower = await DeckFollower.open(stack.routerUrl, alice.token, deck.id);
    let revision = deck.revision;
    for (let i = 1; i <= 3; i++) revision = (await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: revision, operations: move(i) })).revision;
    await follower.waitForRevision(revision);
    await follower.close();
    const kept = { revision: follower.revision, state: follower.state };
    // Offline: others keep editing.
    for (let i = 4; i <= 6; i++) revision = (await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: revision, operations: move(i) })).revision;
    const resumed = await DeckFollower.open(stack.routerUrl, alice.token, deck.id, { from: kept });
    await resumed.waitForRevision(revision);
    expect(resumed.error).toBeUndefined();
    expect(resumed.events.map((e) => e.revision)).toEqual([kept.revision + 1, kept.revision + 2, kept.revision + 3]);
    expect(comparable(resumed.state)).toEqual(comparable((await serverState(stack.routerUrl, alice.token, deck.id)).state));
    await resumed.close();
  });

  it('old log entries are compacted into a snapshot; a client behind them is told to reload', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const deck = await newDeck(stack.routerUrl, alice.token);
    let revision = deck.revision;
    for (let i = 1; i <= 2 * LOG_RETENTION; i++) revision = (await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: revision, operations: move(i) })).revision;
    // Compaction runs after the commit that made it due.
    let floor = 0;
    for (let i = 0; i < 50 && floor === 0; i++) {
      floor = (await prisma.deck.findUniqueOrThrow({ where: { id: deck.id } })).logFloor;
      if (floor === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(floor).toBe(revision - LOG_RETENTION);
    expect(await prisma.deckOperationBatch.count({ where: { deckId: deck.id } })).toBe(LOG_RETENTION);
    const snapshot = await prisma.deckVersion.findFirst({ where: { deckId: deck.id, kind: 'AUTO_COMPACTION' } });
    expect(snapshot).toMatchObject({ revision });

    const behind = await DeckFollower.open(stack.routerUrl, alice.token, deck.id, { from: { revision: floor - 1, state: (await serverState(stack.routerUrl, alice.token, deck.id)).state } });
    await behind.waitUntil((f) => f.ended);
    expect(behind.events).toEqual([expect.objectContaining({ type: 'RELOAD_REQUIRED', revision })]);
    await behind.close();
    // At the floor itself the log is still complete.
    const atFloor = await DeckFollower.open(stack.routerUrl, alice.token, deck.id, { from: { revision: floor, state: (await serverState(stack.routerUrl, alice.token, deck.id)).state } });
    await atFloor.waitForRevision(revision);
    expect(atFloor.events.map((e) => e.type)).toEqual(Array(LOG_RETENTION).fill('OPERATIONS'));
    await atFloor.close();
  });
});

describe('across replicas', () => {
  it('an edit through one decks replica reaches subscribers of the other, in order', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const deck = await newDeck(stack.routerUrl, alice.token);
    const onReplica = await DeckFollower.open(stack.replicaRouterUrl!, alice.token, deck.id);
    const onPrimary = await DeckFollower.open(stack.routerUrl, alice.token, deck.id);
    let revision = deck.revision;
    for (let i = 1; i <= 5; i++) {
      const via = i % 2 === 0 ? stack.replicaRouterUrl! : stack.routerUrl;
      revision = (await applyBatch(via, alice.token, { deckId: deck.id, baseRevision: revision, operations: move(i * 10) })).revision;
    }
    await Promise.all([onReplica.waitForRevision(revision), onPrimary.waitForRevision(revision)]);
    const server = comparable((await serverState(stack.routerUrl, alice.token, deck.id)).state);
    for (const follower of [onReplica, onPrimary]) {
      expect(follower.error).toBeUndefined();
      expect(comparable(follower.state)).toEqual(server);
    }
    await Promise.all([onReplica.close(), onPrimary.close()]);
  });
});

describe('both write paths at once', () => {
  it('clients editing through both replicas concurrently converge, every applied batch logged once; a retry through the other replica applies nothing new', async () => {
    const owner = await signUp(stack.routerUrl, 'Owner');
    const deck = await newDeck(stack.routerUrl, owner.token);
    const routes = [stack.routerUrl, stack.replicaRouterUrl!, stack.routerUrl, stack.replicaRouterUrl!];
    const followers = await Promise.all(routes.map((url) => DeckFollower.open(url, owner.token, deck.id)));
    const random = seededRandom(20261128);
    let counter = 0;
    let conflicts = 0;
    const applied: { batchId: string; revision: number; input: Parameters<typeof applyBatch>[2] }[] = [];
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        routes.map(async (url, i) => {
          const me = followers[i]!;
          const input = { deckId: deck.id, baseRevision: me.revision, batchId: randomUUID(), operations: [randomEdit(me.state, random, () => `r${i}-${counter++}`)] };
          const result = await applyBatch(url, owner.token, input);
          if (result.status === 'APPLIED') applied.push({ batchId: input.batchId, revision: result.revision, input });
          else if (result.status === 'CONFLICT') conflicts++;
          else throw new Error(`rejected: ${JSON.stringify(result.error)}`);
        }),
      );
    }
    const server = await serverState(stack.routerUrl, owner.token, deck.id);
    expect(server.revision).toBe(deck.revision + applied.length);
    expect(new Set(applied.map((a) => a.revision)).size).toBe(applied.length);
    await Promise.all(followers.map((f) => f.waitForRevision(server.revision)));
    for (const follower of followers) {
      expect(follower.error).toBeUndefined();
      expect(comparable(follower.state)).toEqual(comparable(server.state));
      expect(follower.events.filter((e) => e.batchId).map((e) => e.batchId).sort()).toEqual(applied.map((a) => a.batchId).sort());
    }
    expect(applied.length).toBeGreaterThan(40);
    expect(conflicts).toBeGreaterThan(0);

    // The newest batch sent again through either path (older ones are compacted away in this file's
    // stack): answered with what it did.
    const newest = applied.at(-1)!;
    for (const url of [stack.routerUrl, stack.replicaRouterUrl!]) {
      const retry = await applyBatch(url, owner.token, newest.input);
      expect(retry).toMatchObject({ status: 'APPLIED', revision: newest.revision, batch: { batchId: newest.batchId } });
    }
    expect((await serverState(stack.routerUrl, owner.token, deck.id)).revision).toBe(server.revision);
    await Promise.all(followers.map((f) => f.close()));
  }, 60_000);
});

describe('a Redis restart', () => {
  it('loses no operation: subscribers catch up from the log', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const deck = await newDeck(stack.routerUrl, alice.token);
    const followers = await Promise.all([DeckFollower.open(stack.routerUrl, alice.token, deck.id), DeckFollower.open(stack.replicaRouterUrl!, alice.token, deck.id)]);
    let revision = (await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: deck.revision, operations: move(1) })).revision;
    await Promise.all(followers.map((f) => f.waitForRevision(revision)));

    // The subscribers' connections drop (as in a failover) while an edit is published: that
    // message is gone for them, and no later edit comes to reveal the gap. They must notice the
    // reconnect and read the log.
    const admin = new Redis(redis.url);
    expect(await admin.call('CLIENT', ['KILL', 'TYPE', 'pubsub'])).toBeGreaterThan(0);
    await admin.quit();
    revision = (await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: revision, operations: move(2) })).revision;
    await Promise.all(followers.map((f) => f.waitForRevision(revision)));

    await redis.stop();
    // Edits sent while Redis is down wait for it (locks live there), then commit; whatever was
    // published before the subscribers were back is recovered from the log.
    const during = (async () => {
      for (let i = 3; i <= 7; i++) revision = (await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: revision, operations: move(i) })).revision;
    })();
    await new Promise((r) => setTimeout(r, 300));
    redis = await startRedis({ port: redisPort });
    await during;
    await Promise.all(followers.map((f) => f.waitForRevision(revision, 20_000)));
    const server = comparable((await serverState(stack.routerUrl, alice.token, deck.id)).state);
    for (const follower of followers) {
      expect(follower.error).toBeUndefined();
      expect(follower.events.map((e) => e.revision)).toEqual(Array.from({ length: 7 }, (_, i) => deck.revision + 1 + i));
      expect(comparable(follower.state)).toEqual(server);
    }
    await Promise.all(followers.map((f) => f.close()));
  }, 40_000);
});

/** Reads a text/event-stream response until `count` events arrived. */
async function readSse(response: Response, count: number): Promise<{ id?: string; event?: string; data: Record<string, unknown> }[]> {
  const events: { id?: string; event?: string; data: Record<string, unknown> }[] = [];
  const decoder = new TextDecoder();
  let pending = '';
  const reader = response.body!.getReader();
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = pending.indexOf('\n\n')) >= 0) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
      if (fields.data) events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) as Record<string, unknown> });
    }
  }
  await reader.cancel();
  return events.slice(0, count);
}

describe('REST', () => {
  it('POST /decks/{id}/ops applies a batch, reports conflicts (409), locks (423) and bad input (400)', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const bob = await signUp(stack.routerUrl, 'Bob');
    const deck = await newDeck(stack.routerUrl, alice.token);
    await gql(`${stack.routerUrl}/graphql`, 'mutation($i: ShareDeckInput!) { shareDeck(input: $i) { error { code } } }', { i: { deckId: deck.id, userId: bob.userId, role: 'EDITOR' } }, alice.token);
    const post = (token: string, body: unknown) =>
      fetch(`${stack.routerUrl}/api/v1/decks/${deck.id}/ops`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const batchId = randomUUID();
    const ok = await post(alice.token, { base_revision: deck.revision, batch_id: batchId, client_id: 'rest', operations: [{ type: 'UPDATE_ELEMENT', slide_id: 's1', element_id: 't1', props: { left: 123 } }] });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'success', data: { revision: deck.revision + 1, batch_id: batchId, client_id: 'rest', kind: 'EDIT' } });

    const conflict = await post(bob.token, { base_revision: deck.revision, operations: [{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 5 } }] });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ error_code: 'CONFLICT', error_details: { revision: deck.revision + 1, conflicts: [{ operation_index: 0, code: 'CHANGED_SINCE_BASE', property: 'left', current_value: 123 }] } });

    await gql(`${stack.routerUrl}/graphql`, 'mutation($i: AcquireDeckLockInput!) { acquireDeckLock(input: $i) { error { code } } }', { i: { deckId: deck.id, slideId: 's1' } }, alice.token);
    const locked = await post(bob.token, { base_revision: deck.revision + 1, operations: [{ type: 'UPDATE_SLIDE', slideId: 's1', props: { remark: 'x' } }] });
    expect(locked.status).toBe(423);
    expect(await locked.json()).toMatchObject({ error_code: 'RESOURCE_LOCKED', error_details: { holder_id: alice.userId, slide_id: 's1' } });

    for (const body of [{ operations: [] }, { base_revision: 0, operations: 'x' }, { base_revision: 0, operations: [{ type: 'NOPE' }] }]) {
      const bad = await post(alice.token, body);
      expect(bad.status).toBe(400);
      expect((await bad.json()).error_code).toBe('INVALID_REQUEST');
    }
    const undo = await fetch(`${stack.routerUrl}/api/v1/decks/${deck.id}/undo`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` }, body: '{}' });
    expect(undo.status).toBe(200);
    expect((await undo.json()).data).toMatchObject({ kind: 'UNDO', revision: deck.revision + 2 });
  });

  it('GET /decks/{id}/events streams the same events as SSE and resumes with Last-Event-ID', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const deck = await newDeck(stack.routerUrl, alice.token);
    let revision = deck.revision;
    for (let i = 1; i <= 3; i++) revision = (await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: revision, operations: move(i) })).revision;
    const headers = { authorization: `Bearer ${alice.token}` };
    const first = await fetch(`${stack.routerUrl}/api/v1/decks/${deck.id}/events?after=${deck.revision}`, { headers });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const replayed = await readSse(first, 2);
    expect(replayed.map((e) => [e.id, e.event, e.data.revision])).toEqual([
      [String(deck.revision + 1), 'operations', deck.revision + 1],
      [String(deck.revision + 2), 'operations', deck.revision + 2],
    ]);
    expect(replayed[0]!.data).toMatchObject({ kind: 'EDIT', actor_id: alice.userId, operations: [{ type: 'UPDATE_ELEMENT', props: { left: 1 } }] });

    // Reconnect as a browser would: Last-Event-ID wins over ?after, then live events follow.
    const resumed = await fetch(`${stack.routerUrl}/api/v1/decks/${deck.id}/events?after=0`, { headers: { ...headers, 'last-event-id': replayed[1]!.id! } });
    const live = readSse(resumed, 2);
    await new Promise((r) => setTimeout(r, 200));
    revision = (await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: revision, operations: move(4) })).revision;
    expect((await live).map((e) => e.data.revision)).toEqual([revision - 1, revision]);

    const stranger = await signUp(stack.routerUrl, 'Stranger');
    expect((await fetch(`${stack.routerUrl}/api/v1/decks/${deck.id}/events`, { headers: { authorization: `Bearer ${stranger.token}` } })).status).toBe(403);
    expect((await fetch(`${stack.routerUrl}/api/v1/decks/${deck.id}/events`)).status).toBe(401);
    expect((await fetch(`${stack.routerUrl}/api/v1/decks/${deck.id}/events?after=-3`, { headers })).status).toBe(400);
  });
});
