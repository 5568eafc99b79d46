// Live co-editing through the router, as editors would use it: concurrent batches from several
// clients converge, conflicts come back as data, locks and undo behave, permissions hold.
import { randomUUID } from 'node:crypto';
import type { DeckOperation } from '../subgraphs/decks/deck-operations.js';
import { applyBatch, comparable, DeckFollower, documentWithSlides, randomEdit, revert, serverState, textElement } from './deck-follower.js';
import { seededRandom } from './seeded-random.js';
import { gql, type Stack, signUp, startStack, wsClient } from './stack.js';

let stack: Stack;
let graphql: string;

const slide = (id: string, elements: Record<string, unknown>[] = []) => ({ id, elements, background: { type: 'solid', color: '#ffffff' } });

/** A deck with slides s1 [t1, t2] and s2 [t3], owned by `owner`. */
async function newDeck(owner: { token: string }): Promise<{ id: string; revision: number }> {
  const document = documentWithSlides('Co-edited', [slide('s1', [textElement('t1'), textElement('t2')]), slide('s2', [textElement('t3')])]);
  const created = await gql(graphql, 'mutation($i: CreateDeckInput!) { createDeck(input: $i) { deck { id revision } error { code message } } }', { i: { title: 'Co-edited', document } }, owner.token);
  if (!created.data?.createDeck.deck) throw new Error(JSON.stringify(created));
  return created.data.createDeck.deck;
}

async function share(owner: { token: string }, deckId: string, userId: string, role: 'EDITOR' | 'COMMENTER' | 'VIEWER') {
  const shared = await gql(graphql, 'mutation($i: ShareDeckInput!) { shareDeck(input: $i) { error { code } } }', { i: { deckId, userId, role } }, owner.token);
  expect(shared.data?.shareDeck.error).toBeNull();
}

beforeAll(async () => {
  stack = await startStack({ decks: { presence: { ttlSeconds: 1, sweepMs: 200 } } });
  graphql = `${stack.routerUrl}/graphql`;
});

afterAll(async () => {
  await stack?.close();
});

describe('operation batches', () => {
  it('two people changing different properties of one element both win; the same property is a conflict with the current value', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const bob = await signUp(stack.routerUrl, 'Bob');
    const deck = await newDeck(alice);
    await share(alice, deck.id, bob.userId, 'EDITOR');
    const base = deck.revision;
    const moved = await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: base, operations: [{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 200 } }] });
    const recoloured = await applyBatch(stack.routerUrl, bob.token, { deckId: deck.id, baseRevision: base, operations: [{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { defaultColor: '#ff0000' } }] });
    expect([moved.status, recoloured.status]).toEqual(['APPLIED', 'APPLIED']);
    expect(recoloured.revision).toBe(base + 2);

    const clash = await applyBatch(stack.routerUrl, bob.token, {
      deckId: deck.id,
      baseRevision: base,
      operations: [
        { type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't2', props: { top: 300 } },
        { type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 50 } },
      ],
    });
    expect(clash).toMatchObject({ status: 'CONFLICT', applied: false, revision: base + 2, batch: null });
    expect(clash.conflicts).toEqual([expect.objectContaining({ operationIndex: 1, code: 'CHANGED_SINCE_BASE', slideId: 's1', elementId: 't1', property: 'left', currentValue: 200 })]);
    // Atomic: the first, non-conflicting operation of the refused batch did not apply either.
    const { state } = await serverState(stack.routerUrl, alice.token, deck.id);
    const elements = state.slides[0]!.content!.elements!;
    expect(elements[0]).toMatchObject({ left: 200, defaultColor: '#ff0000' });
    expect(elements[1]).toMatchObject({ top: 20 });
  });

  it('refuses bad input with a coded error and writes nothing', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const deck = await newDeck(alice);
    const cases: [Record<string, unknown>[], string][] = [
      [[{ type: 'UPDATE_ELEMENT', slideId: 's1', props: { left: 1 } }], 'operations.0.elementId'],
      [[{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { type: 'image' } }], 'operations.0.props.type'],
      [[{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { width: 'wide' } }], 'slides.s1.elements.0.width'],
      [[{ type: 'INSERT_SLIDE', slide: { id: 's9', elements: 'none' } }], 'slides.s9.elements'],
    ];
    for (const [operations, field] of cases) {
      const result = await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: deck.revision, operations });
      expect(result).toMatchObject({ status: 'REJECTED', applied: false, error: { code: 'BAD_USER_INPUT', field } });
    }
    const ahead = await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: deck.revision + 5, operations: [{ type: 'DELETE_SLIDE', slideId: 's2' }] });
    expect(ahead.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'baseRevision' });
    const { revision, state } = await serverState(stack.routerUrl, alice.token, deck.id);
    expect(revision).toBe(deck.revision);
    expect(state.slides.map((s) => s.id)).toEqual(['s1', 's2']);
  });

  it('a retried batch (same batchId) applies once', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const deck = await newDeck(alice);
    const input = { deckId: deck.id, baseRevision: deck.revision, batchId: randomUUID(), operations: [{ type: 'INSERT_SLIDE', slide: slide('s3'), afterSlideId: 's2' }] as DeckOperation[] };
    const first = await applyBatch(stack.routerUrl, alice.token, input);
    const retry = await applyBatch(stack.routerUrl, alice.token, input);
    expect(retry).toMatchObject({ status: 'APPLIED', revision: first.revision, batch: { batchId: input.batchId } });
    const { revision, state } = await serverState(stack.routerUrl, alice.token, deck.id);
    expect(revision).toBe(deck.revision + 1);
    expect(state.slides.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
  });

  it('three editors with randomized concurrent inserts, moves, deletes and updates converge on the server document', async () => {
    const owner = await signUp(stack.routerUrl, 'Owner');
    const editors = [owner, await signUp(stack.routerUrl, 'E1'), await signUp(stack.routerUrl, 'E2')];
    const deck = await newDeck(owner);
    for (const editor of editors.slice(1)) await share(owner, deck.id, editor.userId, 'EDITOR');
    const followers = await Promise.all(editors.map((e) => DeckFollower.open(stack.routerUrl, e.token, deck.id)));
    const random = seededRandom(20261127);
    let counter = 0;
    let conflicts = 0;
    let applied = 0;

    // Each editor builds operations from its own (possibly stale) copy, as a real editor would.
    async function edit(index: number): Promise<void> {
      const me = followers[index]!;
      const op = randomEdit(me.state, random, () => `n${index}-${counter++}`);
      const result = await applyBatch(stack.routerUrl, editors[index]!.token, { deckId: deck.id, baseRevision: me.revision, operations: [op], clientId: `editor-${index}` });
      if (result.status === 'APPLIED') applied++;
      else if (result.status === 'CONFLICT') conflicts++;
      else throw new Error(`rejected: ${JSON.stringify(result.error)}`);
    }

    for (let round = 0; round < 25; round++) await Promise.all(editors.map((_, i) => edit(i)));
    const server = await serverState(stack.routerUrl, owner.token, deck.id);
    await Promise.all(followers.map((f) => f.waitForRevision(server.revision)));
    for (const follower of followers) {
      expect(follower.error).toBeUndefined();
      expect(comparable(follower.state)).toEqual(comparable(server.state));
    }
    expect(applied).toBeGreaterThan(30);
    expect(server.revision).toBe(deck.revision + applied);
    // Some batches were based on stale copies and reported (not silently merged).
    expect(conflicts).toBeGreaterThan(0);
    await Promise.all(followers.map((f) => f.close()));
  }, 60_000);
});

describe('undo and redo', () => {
  it("undoes one's own last batch after others edited elsewhere, and redoes it", async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const bob = await signUp(stack.routerUrl, 'Bob');
    const deck = await newDeck(alice);
    await share(alice, deck.id, bob.userId, 'EDITOR');
    const mine = await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: deck.revision, operations: [{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 400 } }, { type: 'INSERT_SLIDE', slide: slide('a1'), afterSlideId: 's1' }] });
    await applyBatch(stack.routerUrl, bob.token, { deckId: deck.id, baseRevision: mine.revision, operations: [{ type: 'UPDATE_ELEMENT', slideId: 's2', elementId: 't3', props: { left: 77 } }] });

    const undone = await revert(stack.routerUrl, alice.token, 'undoDeckEdit', deck.id);
    expect(undone.status).toBe('APPLIED');
    let { state } = await serverState(stack.routerUrl, alice.token, deck.id);
    expect(state.slides.map((s) => s.id)).toEqual(['s1', 's2']);
    expect(state.slides[0]!.content!.elements![0]).toMatchObject({ left: 10 });
    expect(state.slides[1]!.content!.elements![0]).toMatchObject({ left: 77 });
    // Bob has nothing of his own undone by Alice's undo, and nothing to redo.
    expect((await revert(stack.routerUrl, bob.token, 'redoDeckEdit', deck.id)).error?.code).toBe('NOTHING_TO_REDO');

    expect((await revert(stack.routerUrl, alice.token, 'redoDeckEdit', deck.id)).status).toBe('APPLIED');
    ({ state } = await serverState(stack.routerUrl, alice.token, deck.id));
    expect(state.slides.map((s) => s.id)).toEqual(['s1', 'a1', 's2']);
    expect(state.slides[0]!.content!.elements![0]).toMatchObject({ left: 400 });
  });

  it('reports a conflict instead of undoing over someone else’s later change', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const bob = await signUp(stack.routerUrl, 'Bob');
    const deck = await newDeck(alice);
    await share(alice, deck.id, bob.userId, 'EDITOR');
    const mine = await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: deck.revision, operations: [{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 400 } }] });
    await applyBatch(stack.routerUrl, bob.token, { deckId: deck.id, baseRevision: mine.revision, operations: [{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 555 } }] });
    const undone = await revert(stack.routerUrl, alice.token, 'undoDeckEdit', deck.id);
    expect(undone).toMatchObject({ status: 'CONFLICT', applied: false });
    expect(undone.conflicts[0]).toMatchObject({ code: 'CHANGED_SINCE_BASE', elementId: 't1', property: 'left', currentValue: 555 });
    const { state } = await serverState(stack.routerUrl, alice.token, deck.id);
    expect(state.slides[0]!.content!.elements![0]).toMatchObject({ left: 555 });
  });
});

describe('locks', () => {
  it("refuse others' edits naming the holder, and vanish when the holder leaves or the TTL runs out", async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const bob = await signUp(stack.routerUrl, 'Bob');
    const deck = await newDeck(alice);
    await share(alice, deck.id, bob.userId, 'EDITOR');
    const lock = 'mutation($i: AcquireDeckLockInput!) { acquireDeckLock(input: $i) { lock { slideId elementId holder { id } expiresAt } error { code message } } }';
    const taken = await gql(graphql, lock, { i: { deckId: deck.id, slideId: 's1', elementId: 't1', clientId: 'alice-tab' } }, alice.token);
    expect(taken.data?.acquireDeckLock).toMatchObject({ error: null, lock: { slideId: 's1', elementId: 't1', holder: { id: alice.userId } } });

    const edit = (elementId: string, left: number) => applyBatch(stack.routerUrl, bob.token, { deckId: deck.id, baseRevision: deck.revision, operations: [{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId, props: { left } }] });
    const refused = await edit('t1', 1);
    expect(refused).toMatchObject({ status: 'REJECTED', error: { code: 'LOCKED' }, lock: { elementId: 't1', holder: { id: alice.userId } } });
    expect(refused.error!.message).toContain(alice.userId);
    // Other elements of the slide stay editable; deleting the slide would destroy the locked element.
    expect((await edit('t2', 5)).status).toBe('APPLIED');
    const deleteSlide = await applyBatch(stack.routerUrl, bob.token, { deckId: deck.id, baseRevision: deck.revision + 1, operations: [{ type: 'DELETE_SLIDE', slideId: 's1' }] });
    expect(deleteSlide.error?.code).toBe('LOCKED');
    // The holder's own edits pass.
    expect((await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: deck.revision + 1, operations: [{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { top: 99 } }] })).status).toBe('APPLIED');
    const contested = await gql(graphql, lock, { i: { deckId: deck.id, slideId: 's1', clientId: 'bob-tab' } }, bob.token);
    expect(contested.data?.acquireDeckLock).toMatchObject({ error: { code: 'LOCKED' }, lock: { holder: { id: alice.userId } } });

    // The holder leaves: the lock goes with the session.
    await gql(graphql, 'mutation($d: ID!) { leaveDeck(deckId: $d, clientId: "alice-tab") }', { d: deck.id }, alice.token);
    expect((await edit('t1', 2)).status).toBe('APPLIED');

    // A lock left to run out expires by itself.
    await gql(graphql, lock, { i: { deckId: deck.id, slideId: 's2', ttlSeconds: 1 } }, alice.token);
    const onS2 = () => applyBatch(stack.routerUrl, bob.token, { deckId: deck.id, baseRevision: deck.revision + 3, operations: [{ type: 'UPDATE_SLIDE', slideId: 's2', props: { remark: 'mine now' } }] });
    expect((await onS2()).error?.code).toBe('LOCKED');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await onS2()).status).toBe('APPLIED');
    const { data } = await gql(graphql, 'query($id: ID!) { deck(id: $id) { locks { slideId } } }', { id: deck.id }, bob.token);
    expect(data?.deck.locks).toEqual([]);
  });
});

describe('presence', () => {
  it('streams joins, moves and leaves with a colour per person; a silent session expires', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const bob = await signUp(stack.routerUrl, 'Bob');
    const deck = await newDeck(alice);
    await share(alice, deck.id, bob.userId, 'VIEWER');
    const client = wsClient(stack.routerUrl, { authorization: `Bearer ${alice.token}` });
    const seen: { change: string; participant: { user: { id: string; name: string }; slideId: string | null; selectedElementIds: string[]; colour: string } | null; participants: { user: { id: string } }[] }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription($d: ID!) { deckPresence(deckId: $d, clientId: "alice-tab") { change participant { user { id name } slideId selectedElementIds colour } participants { user { id } } } }', variables: { d: deck.id } },
        { next: (m) => (m.errors ? reject(new Error(JSON.stringify(m.errors))) : seen.push((m.data as { deckPresence: (typeof seen)[number] }).deckPresence)), error: reject, complete: resolve },
      );
    });
    const waitFor = async (test: () => boolean) => {
      for (let i = 0; i < 100 && !test(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(test()).toBe(true);
    };
    await waitFor(() => seen.length >= 1);
    expect(seen[0]).toMatchObject({ change: 'SNAPSHOT' });

    const beat = 'mutation($i: DeckPresenceInput!) { updateDeckPresence(input: $i) { colour } }';
    const joined = await gql(graphql, beat, { i: { deckId: deck.id, clientId: 'bob-tab', slideId: 's1' } }, bob.token);
    expect(joined.data?.updateDeckPresence.colour).toMatch(/^#[0-9a-f]{6}$/);
    await gql(graphql, beat, { i: { deckId: deck.id, clientId: 'bob-tab', slideId: 's2', selectedElementIds: ['t3'] } }, bob.token);
    await waitFor(() => seen.some((m) => m.change === 'UPDATED'));
    expect(seen.find((m) => m.change === 'JOINED')?.participant).toMatchObject({ user: { id: bob.userId, name: 'Bob' }, slideId: 's1' });
    expect(seen.find((m) => m.change === 'UPDATED')).toMatchObject({ participant: { slideId: 's2', selectedElementIds: ['t3'], colour: joined.data?.updateDeckPresence.colour }, participants: [{ user: { id: bob.userId } }] });

    // Bob stops sending heartbeats: after the TTL (1 s in this stack) he has left.
    await waitFor(() => seen.some((m) => m.change === 'LEFT'));
    expect(seen.find((m) => m.change === 'LEFT')).toMatchObject({ participant: { user: { id: bob.userId } }, participants: [] });
    await client.dispose();
    await done.catch(() => undefined);
  });

  it('is for members only', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const stranger = await signUp(stack.routerUrl, 'Stranger');
    const deck = await newDeck(alice);
    // A public template is readable by anyone signed in, but following its live edits is not.
    await gql(graphql, 'mutation($id: ID!) { publishDeckAsTemplate(deckId: $id, visibility: PUBLIC) { id } }', { id: deck.id }, alice.token);
    expect((await gql(graphql, 'query($id: ID!) { deck(id: $id) { id } }', { id: deck.id }, stranger.token)).data?.deck.id).toBe(deck.id);
    const beat = await gql(graphql, 'mutation($i: DeckPresenceInput!) { updateDeckPresence(input: $i) { colour } }', { i: { deckId: deck.id, clientId: 'x' } }, stranger.token);
    expect(beat.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const follower = await DeckFollower.open(stack.routerUrl, stranger.token, deck.id);
    await follower.waitUntil((f) => f.ended || f.error !== undefined);
    expect(JSON.stringify(follower.error)).toContain('FORBIDDEN');
    await follower.close();
  });
});

describe('permissions', () => {
  it('viewers and commenters cannot edit; a revoked editor’s live stream ends', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const viewer = await signUp(stack.routerUrl, 'Viewer');
    const commenter = await signUp(stack.routerUrl, 'Commenter');
    const editor = await signUp(stack.routerUrl, 'Editor');
    const deck = await newDeck(alice);
    await share(alice, deck.id, viewer.userId, 'VIEWER');
    await share(alice, deck.id, commenter.userId, 'COMMENTER');
    await share(alice, deck.id, editor.userId, 'EDITOR');
    for (const person of [viewer, commenter]) {
      const result = await gql(graphql, 'mutation($i: ApplyDeckOperationsInput!) { applyDeckOperations(input: $i) { status } }', { i: { deckId: deck.id, baseRevision: deck.revision, operations: [{ type: 'DELETE_SLIDE', slideId: 's2' }] } }, person.token);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const undo = await gql(graphql, 'mutation($i: RevertDeckEditInput!) { undoDeckEdit(input: $i) { status } }', { i: { deckId: deck.id } }, person.token);
      expect(undo.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const follower = await DeckFollower.open(stack.routerUrl, editor.token, deck.id);
    const edit = await applyBatch(stack.routerUrl, editor.token, { deckId: deck.id, baseRevision: deck.revision, operations: [{ type: 'UPDATE_SLIDE', slideId: 's1', props: { remark: 'hello' } }] });
    await follower.waitForRevision(edit.revision);
    // A role change that keeps read access keeps the stream open...
    await share(alice, deck.id, editor.userId, 'VIEWER');
    await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: edit.revision, operations: [{ type: 'UPDATE_SLIDE', slideId: 's1', props: { remark: 'still here' } }] });
    await follower.waitForRevision(edit.revision + 1);
    // ...removal ends it with ACCESS_REVOKED.
    const removed = await gql(graphql, 'mutation($d: ID!, $u: ID!) { unshareDeck(deckId: $d, userId: $u) { error { code } } }', { d: deck.id, u: editor.userId }, alice.token);
    expect(removed.data?.unshareDeck.error).toBeNull();
    await follower.waitUntil((f) => f.ended);
    expect(follower.events.at(-1)?.type).toBe('ACCESS_REVOKED');
    await follower.close();
  });

  it('on a deck being edited, a person who may no longer edit it is refused and nothing is written', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const bob = await signUp(stack.routerUrl, 'Bob');
    const stranger = await signUp(stack.routerUrl, 'Stranger');
    const deck = await newDeck(alice);
    await share(alice, deck.id, bob.userId, 'EDITOR');
    const remark = (text: string) => [{ type: 'UPDATE_SLIDE', slideId: 's1', props: { remark: text } }];
    const editAs = (person: { token: string }, baseRevision: number, text: string) =>
      gql(graphql, 'mutation($i: ApplyDeckOperationsInput!) { applyDeckOperations(input: $i) { status revision } }', { i: { deckId: deck.id, baseRevision, operations: remark(text) } }, person.token);
    // Both edit, so the decks service has this deck's state in hand and takes its quickest path.
    const first = await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: deck.revision, operations: remark('alice') });
    const second = await applyBatch(stack.routerUrl, bob.token, { deckId: deck.id, baseRevision: first.revision, operations: remark('bob') });
    expect([first.status, second.status]).toEqual(['APPLIED', 'APPLIED']);

    expect((await editAs(stranger, second.revision, 'stranger')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await share(alice, deck.id, bob.userId, 'COMMENTER');
    expect((await editAs(bob, second.revision, 'bob as commenter')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await gql(graphql, 'mutation($d: ID!, $u: ID!) { unshareDeck(deckId: $d, userId: $u) { error { code } } }', { d: deck.id, u: bob.userId }, alice.token);
    expect((await editAs(bob, second.revision, 'bob removed')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    let server = await serverState(stack.routerUrl, alice.token, deck.id);
    expect(server.revision).toBe(second.revision);
    expect(server.state.slides.find((s) => s.id === 's1')?.content?.remark).toBe('bob');

    // The owner still edits (the deck is read again after the refusals), until the deck is deleted.
    expect((await applyBatch(stack.routerUrl, alice.token, { deckId: deck.id, baseRevision: second.revision, operations: remark('alice again') })).status).toBe('APPLIED');
    await gql(graphql, 'mutation($id: ID!) { deleteDeck(id: $id) { id } }', { id: deck.id }, alice.token);
    expect((await editAs(alice, second.revision + 1, 'deleted')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const restored = await gql(graphql, 'mutation($id: ID!) { restoreDeck(id: $id) { id } }', { id: deck.id }, alice.token);
    expect(restored.errors).toBeUndefined();
    server = await serverState(stack.routerUrl, alice.token, deck.id);
    expect(server.revision).toBe(second.revision + 1);
  });

  it('a deleted deck ends its streams', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const deck = await newDeck(alice);
    const follower = await DeckFollower.open(stack.routerUrl, alice.token, deck.id);
    await new Promise((r) => setTimeout(r, 100));
    await gql(graphql, 'mutation($id: ID!) { deleteDeck(id: $id) { id } }', { id: deck.id }, alice.token);
    await follower.waitUntil((f) => f.ended);
    expect(follower.events.at(-1)?.type).toBe('DECK_DELETED');
    await follower.close();
  });
});
