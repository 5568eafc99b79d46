// Through the router, an operation one subgraph answers alone goes straight to it; one that needs
// another subgraph's fields takes the gateway's path; both answer alike (events, data, error
// codes), and a subgraph going away ends a passed-through subscription, or answers a query, with a
// coded error.
import { documentWithSlides, textElement } from './deck-follower.js';
import { createDecksServer } from '../subgraphs/decks/server.js';
import { gql, type Stack, signUp, startStack, wsClient } from './stack.js';

let stack: Stack;
let graphql: string;

beforeAll(async () => {
  stack = await startStack();
  graphql = `${stack.routerUrl}/graphql`;
});

afterAll(async () => {
  await stack?.close();
});

async function routed(metric = 'pptist_router_subscriptions_total'): Promise<Record<string, number>> {
  const text = await (await fetch(`${stack.opsUrl}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(new RegExp(`^${metric}\\{route="(\\w+)",subgraph="(\\w*)"\\} (\\d+)`, 'gm'))) counts[`${match[1]}:${match[2]}`] = Number(match[3]);
  return counts;
}
const routedSubscriptions = () => routed();
const routedOperations = () => routed('pptist_router_operations_total');

/** Collects a subscription's results until `count` have arrived (or it ends). */
function collect(client: ReturnType<typeof wsClient>, query: string, variables: Record<string, unknown>, count: number) {
  const results: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] }[] = [];
  let ended = false;
  const done = new Promise<void>((resolve, reject) => {
    const stop = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          results.push(result as (typeof results)[number]);
          if (results.length >= count) resolve();
        },
        error: reject,
        complete: () => {
          ended = true;
          resolve();
        },
      },
    );
    void stop;
  });
  return { results, done, ended: () => ended };
}

it('passes single-subgraph subscriptions through, sends the rest through the gateway, and both deliver', async () => {
  const alice = await signUp(stack.routerUrl, 'Alice Passthrough');
  const document = documentWithSlides('Routed', [{ id: 's1', elements: [textElement('t1')], background: { type: 'solid', color: '#ffffff' } }]);
  const created = await gql(graphql, 'mutation($i: CreateDeckInput!) { createDeck(input: $i) { deck { id revision } } }', { i: { title: 'Routed', document } }, alice.token);
  const deck = created.data!.createDeck.deck as { id: string; revision: number };
  const before = await routedSubscriptions();

  const client = wsClient(stack.routerUrl, { authorization: `Bearer ${alice.token}` });
  try {
    const events = collect(client, 'subscription($d: ID!, $r: Int!) { deckEvents(deckId: $d, afterRevision: $r) { type revision actor { id } operations } }', { d: deck.id, r: deck.revision }, 1);
    // The participant's name comes from the users subgraph: this one needs the gateway.
    const presence = collect(client, 'subscription($d: ID!) { deckPresence(deckId: $d, clientId: "tab-1") { change participant { clientId user { id name } } } }', { d: deck.id }, 2);
    for (let i = 0; i < 100 && presence.results.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await gql(graphql, 'mutation($i: DeckPresenceInput!) { updateDeckPresence(input: $i) { colour } }', { i: { deckId: deck.id, clientId: 'tab-2' } }, alice.token);
    await presence.done; // a snapshot, then the second tab's arrival
    expect(presence.results[1]!.data.deckPresence).toEqual({ change: 'JOINED', participant: { clientId: 'tab-2', user: { id: alice.userId, name: 'Alice Passthrough' } } });

    const applied = await gql(
      graphql,
      'mutation($i: ApplyDeckOperationsInput!) { applyDeckOperations(input: $i) { status revision } }',
      { i: { deckId: deck.id, baseRevision: deck.revision, operations: [{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { content: '<p>routed</p>' } }] } },
      alice.token,
    );
    expect(applied.data!.applyDeckOperations).toEqual({ status: 'APPLIED', revision: deck.revision + 1 });
    await events.done;
    expect(events.results[0]!.data.deckEvents).toMatchObject({ type: 'OPERATIONS', revision: deck.revision + 1, actor: { id: alice.userId } });
    expect(events.results[0]!.data.deckEvents.operations[0]).toMatchObject({ type: 'UPDATE_ELEMENT', props: { content: '<p>routed</p>' } });

    const after = await routedSubscriptions();
    expect((after['passthrough:decks'] ?? 0) - (before['passthrough:decks'] ?? 0)).toBe(1);
    expect((after['gateway:'] ?? 0) - (before['gateway:'] ?? 0)).toBe(1);
  } finally {
    await client.dispose();
  }
});

it('passes single-subgraph queries and mutations through, the rest through the gateway, with the same answers and codes', async () => {
  const owner = await signUp(stack.routerUrl, 'Query Owner');
  const stranger = await signUp(stack.routerUrl, 'Query Stranger');
  const before = await routedOperations();
  const created = await gql(graphql, 'mutation { createDeck(input: { title: "Queried" }) { deck { id title } } }', {}, owner.token);
  const deckId = created.data!.createDeck.deck.id as string;
  expect(created.data!.createDeck.deck.title).toBe('Queried');
  const own = await gql(graphql, 'query($d: ID!) { deck(id: $d) { id title revision } }', { d: deckId }, owner.token);
  expect(own.data).toEqual({ deck: { id: deckId, title: 'Queried', revision: 0 } });
  expect(own.errors).toBeUndefined();
  // The owner's name is the users subgraph's: planned and merged by the gateway.
  const joined = await gql(graphql, 'query($d: ID!) { deck(id: $d) { title owner { id name } } }', { d: deckId }, owner.token);
  expect(joined.data).toEqual({ deck: { title: 'Queried', owner: { id: owner.userId, name: 'Query Owner' } } });
  const refused = await gql(graphql, 'query($d: ID!) { deck(id: $d) { id } }', { d: deckId }, stranger.token);
  expect(refused.data).toEqual({ deck: null });
  expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const after = await routedOperations();
  // createDeck, the owner's and the stranger's deck queries (and the sign-ups' users mutations).
  expect((after['passthrough:decks'] ?? 0) - (before['passthrough:decks'] ?? 0)).toBe(3);
  expect((after['gateway:'] ?? 0) - (before['gateway:'] ?? 0)).toBe(1);
});

it('answers a passed-through query after its connection to the subgraph sat idle past the keep-alive window', async () => {
  const owner = await signUp(stack.routerUrl, 'Idle Owner');
  const created = await gql(graphql, 'mutation { createDeck(input: { title: "Idle" }) { deck { id } } }', {}, owner.token);
  const deckId = created.data!.createDeck.deck.id as string;
  await new Promise((r) => setTimeout(r, 5_500));
  const again = await gql(graphql, 'query($d: ID!) { deck(id: $d) { title } }', { d: deckId }, owner.token);
  expect(again.data).toEqual({ deck: { title: 'Idle' } });
}, 15_000);

it('refuses a non-member on the passed-through path with the subgraph’s code', async () => {
  const owner = await signUp(stack.routerUrl, 'Owner');
  const stranger = await signUp(stack.routerUrl, 'Stranger');
  const created = await gql(graphql, 'mutation { createDeck(input: { title: "Private" }) { deck { id } } }', {}, owner.token);
  const client = wsClient(stack.routerUrl, { authorization: `Bearer ${stranger.token}` });
  try {
    const refused = collect(client, 'subscription($d: ID!) { deckEvents(deckId: $d, afterRevision: 0) { revision } }', { d: created.data!.createDeck.deck.id }, 1);
    await refused.done;
    expect(refused.results[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  } finally {
    await client.dispose();
  }
});

it('lets one socket to a subgraph carry several callers, each operation checked under its own token', async () => {
  const owner = await signUp(stack.routerUrl, 'Socket Owner');
  const stranger = await signUp(stack.routerUrl, 'Socket Stranger');
  const created = await gql(graphql, 'mutation { createDeck(input: { title: "Shared socket" }) { deck { id revision } } }', {}, owner.token);
  const deck = created.data!.createDeck.deck as { id: string; revision: number };
  // As the router connects: no credentials on the socket, the caller's token on each operation.
  const client = wsClient(stack.subgraphUrls.decks.replace(/\/graphql$/, ''));
  const subscribe = (authorization: string) => {
    const results: { data?: any; errors?: { extensions?: { code?: string } }[] }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription($d: ID!) { deckPresence(deckId: $d) { change } }', variables: { d: deck.id }, extensions: { authorization } },
        {
          next: (r) => void (results.push(r as never), resolve()),
          // A refused operation ends with graphql-ws's error message: its errors, the socket stays.
          error: (e) => (Array.isArray(e) ? void (results.push({ errors: e }), resolve()) : reject(e)),
          complete: resolve,
        },
      );
    });
    return { results, done };
  };
  try {
    const member = subscribe(`Bearer ${owner.token}`);
    const outsider = subscribe(`Bearer ${stranger.token}`);
    const forged = subscribe('Bearer not-a-token');
    await Promise.all([member.done, outsider.done, forged.done]);
    expect(member.results[0]!.data?.deckPresence.change).toBe('SNAPSHOT');
    expect(outsider.results[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(forged.results[0]!.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  } finally {
    await client.dispose();
  }
});

// Last: it stops the decks subgraph (and starts another on its address).
it('ends a passed-through subscription with SUBGRAPH_UNAVAILABLE when its subgraph goes away, and subscribes again once it is back', async () => {
  const alice = await signUp(stack.routerUrl, 'Alice Outage');
  const created = await gql(graphql, 'mutation { createDeck(input: { title: "Outage" }) { deck { id revision } } }', {}, alice.token);
  const deck = created.data!.createDeck.deck as { id: string; revision: number };
  const client = wsClient(stack.routerUrl, { authorization: `Bearer ${alice.token}` });
  try {
    const events = collect(client, 'subscription($d: ID!, $r: Int!) { deckEvents(deckId: $d, afterRevision: $r) { revision } }', { d: deck.id, r: deck.revision }, 1);
    // Subscribed once the upstream socket is open: the router has counted it.
    for (let i = 0; i < 100 && !((await routedSubscriptions())['passthrough:decks'] ?? 0); i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    await stack.stopSubgraph('decks');
    await events.done;
    expect(events.results[0]!.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    const query = await gql(graphql, 'query($d: ID!) { deck(id: $d) { id } }', { d: deck.id }, alice.token);
    expect(query.errors?.[0]).toMatchObject({ message: 'The decks service did not answer', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    expect(JSON.stringify(query)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    for (let i = 0; i < 100 && !events.ended(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(events.ended()).toBe(true);

    // The decks subgraph comes back on the same address: new subscriptions reach it again.
    const restarted = await createDecksServer().listen(Number(new URL(stack.subgraphUrls.decks).port));
    try {
      const again = collect(client, 'subscription($d: ID!, $r: Int!) { deckEvents(deckId: $d, afterRevision: $r) { revision } }', { d: deck.id, r: deck.revision }, 1);
      await new Promise((r) => setTimeout(r, 300));
      const applied = await gql(
        graphql,
        'mutation($i: ApplyDeckOperationsInput!) { applyDeckOperations(input: $i) { status revision } }',
        { i: { deckId: deck.id, baseRevision: deck.revision, operations: [{ type: 'UPDATE_DECK', props: { title: 'Back' } }] } },
        alice.token,
      );
      expect(applied.data?.applyDeckOperations.status).toBe('APPLIED');
      await again.done;
      expect(again.results[0]).toEqual({ data: { deckEvents: { revision: deck.revision + 1 } } });
    } finally {
      await restarted.close();
    }
  } finally {
    await client.dispose();
  }
});
