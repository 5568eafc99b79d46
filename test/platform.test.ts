// Black-box tests of the running platform through the router.
import { createClient as createSseClient } from 'graphql-sse';
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

describe('identity across the graph', () => {
  it('answers `me` with the account for a token and with null for anonymous callers', async () => {
    const alice = await signUp(stack.routerUrl, 'Alice');
    const mine = await gql(graphql, '{ me { id name email role } }', {}, alice.token);
    expect(mine.data?.me).toEqual({ id: alice.userId, name: 'Alice', email: alice.email, role: 'USER' });
    const anonymous = await gql(graphql, '{ me { id } }');
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data?.me).toBeNull();
  });

  it('refuses a forged token with UNAUTHENTICATED', async () => {
    const result = await gql(graphql, '{ me { id } }', {}, 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln');
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.data?.me ?? null).toBeNull();
  });

  it('does not reveal a stranger’s email or decks', async () => {
    const owner = await signUp(stack.routerUrl);
    const stranger = await signUp(stack.routerUrl);
    const created = await gql(graphql, 'mutation { createDeck(input: { title: "Private" }) { deck { id } } }', {}, owner.token);
    const deckId = created.data?.createDeck.deck.id as string;
    const seen = await gql(graphql, 'query($id: ID!) { deck(id: $id) { id title } }', { id: deckId }, stranger.token);
    expect(seen.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(seen.data?.deck ?? null).toBeNull();
    const anonymous = await gql(graphql, 'query($id: ID!) { deck(id: $id) { id } }', { id: deckId });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('a query across subgraphs', () => {
  it('resolves users -> decks -> users in one request', async () => {
    const bob = await signUp(stack.routerUrl, 'Bob');
    for (const title of ['First deck', 'Second deck']) {
      const created = await gql(graphql, 'mutation($t: String!) { createDeck(input: { title: $t }) { deck { id } error { code } } }', { t: title }, bob.token);
      expect(created.data?.createDeck.error).toBeNull();
    }
    const result = await gql(graphql, '{ me { name decks { title slideCount owner { name email } } } }', {}, bob.token);
    expect(result.errors).toBeUndefined();
    expect(result.data?.me.name).toBe('Bob');
    expect(result.data?.me.decks.map((d: { title: string }) => d.title).sort()).toEqual(['First deck', 'Second deck']);
    for (const deck of result.data?.me.decks) {
      expect(deck.owner).toEqual({ name: 'Bob', email: bob.email });
      expect(deck.slideCount).toBe(1);
    }
  });
});

describe('coded errors, never crashes', () => {
  it('rejects an invalid query with GRAPHQL_VALIDATION_FAILED', async () => {
    const result = await gql(graphql, '{ me { noSuchField } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('rejects a malformed id with BAD_USER_INPUT and an unknown one with NOT_FOUND', async () => {
    const user = await signUp(stack.routerUrl);
    const bad = await gql(graphql, '{ deck(id: "not-a-uuid") { id } }', {}, user.token);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const missing = await gql(graphql, '{ deck(id: "00000000-0000-4000-8000-000000000000") { id } }', {}, user.token);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('returns a bad document as a UserError naming the path, and writes nothing', async () => {
    const user = await signUp(stack.routerUrl);
    const result = await gql(
      graphql,
      'mutation($doc: JSON) { createDeck(input: { title: "Bad", document: $doc }) { deck { id } error { code field message } } }',
      { doc: { title: 'Bad', width: 1000, height: 562.5, theme: { backgroundColor: '#fff', themeColors: ['#5b9bd5'], fontColor: '#333', fontName: '', outline: { width: 2, color: '#525252', style: 'solid' }, shadow: { h: 3, v: 3, blur: 2, color: '#808080' } }, slides: [{ id: 's1', elements: [{ type: 'text' }] }] } },
      user.token,
    );
    expect(result.data?.createDeck.deck).toBeNull();
    expect(result.data?.createDeck.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'document.slides.0.elements.0.id' });
    expect(result.data?.createDeck.error.message).toMatch(/^document\.slides\.0\.elements\.0\.id/);
    const mine = await gql(graphql, '{ me { decks { id } } }', {}, user.token);
    expect(mine.data?.me.decks).toEqual([]);
  });

  it('turns invalid sign-up input into a UserError', async () => {
    const result = await gql(graphql, 'mutation { signUp(input: { email: "nope", name: "X", password: "short" }) { accessToken error { code field } } }');
    expect(result.data?.signUp).toEqual({ accessToken: null, error: { code: 'BAD_USER_INPUT', field: 'email' } });
  });
});

const START = `mutation($input: StartGenerationInput!) { startGeneration(input: $input) { created job { id status } error { code field } } }`;
const EVENTS = `subscription($jobId: ID!, $after: String) {
  generationEvents(jobId: $jobId, after: $after) { seq cursor type payload job { id status owner { email } } }
}`;

interface EventOut {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  job: { id: string; status: string; owner: { email: string } };
}

function assertCompleteStream(events: EventOut[], jobId: string, email: string, firstSeq = 1) {
  expect(events.length).toBeGreaterThan(5);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => firstSeq + i));
  expect(events.at(-1)!.type).toBe('SUCCEEDED');
  for (const event of events) {
    expect(event.job.id).toBe(jobId);
    expect(event.job.owner.email).toBe(email);
  }
  expect(events.filter((e) => e.type === 'SLIDE').length).toBeGreaterThanOrEqual(5 + 3);
}

describe('generation streams through the router', () => {
  it('delivers every event in order over graphql-ws, with the owner resolved from users', async () => {
    const user = await signUp(stack.routerUrl);
    const client = wsClient(stack.routerUrl, { authorization: `Bearer ${user.token}` });
    try {
      const started = await gql(graphql, START, { input: { topic: 'Tidal energy', slideCount: 5, language: 'en' } }, user.token);
      const jobId = started.data?.startGeneration.job.id as string;
      expect(started.data?.startGeneration.job.status).toBe('QUEUED');
      const events: EventOut[] = [];
      for await (const result of client.iterate<{ generationEvents: EventOut }>({ query: EVENTS, variables: { jobId } })) {
        expect(result.errors).toBeUndefined();
        events.push(result.data!.generationEvents);
      }
      assertCompleteStream(events, jobId, user.email);
      expect(events[0]!.type).toBe('QUEUED');
    } finally {
      await client.dispose();
    }
  });

  it('delivers the same over SSE, resuming after a cursor', async () => {
    const user = await signUp(stack.routerUrl);
    const started = await gql(graphql, START, { input: { topic: 'Coral reefs', slideCount: 5, idempotencyKey: 'reef-1' } }, user.token);
    const jobId = started.data?.startGeneration.job.id as string;
    const again = await gql(graphql, START, { input: { topic: 'Coral reefs', slideCount: 5, idempotencyKey: 'reef-1' } }, user.token);
    expect(again.data?.startGeneration).toMatchObject({ created: false, job: { id: jobId } });

    const client = createSseClient({ url: graphql, headers: { authorization: `Bearer ${user.token}` }, retryAttempts: 0 });
    try {
      const events: EventOut[] = [];
      for await (const result of client.iterate<{ generationEvents: EventOut }>({ query: EVENTS, variables: { jobId, after: '2' } })) {
        expect(result.errors).toBeUndefined();
        events.push(result.data!.generationEvents);
      }
      assertCompleteStream(events, jobId, user.email, 3);
    } finally {
      client.dispose();
    }
  });

  it('refuses to stream someone else’s job, at subscribe time', async () => {
    const owner = await signUp(stack.routerUrl);
    const other = await signUp(stack.routerUrl);
    const started = await gql(graphql, START, { input: { topic: 'Volcanoes', slideCount: 5 } }, owner.token);
    const jobId = started.data?.startGeneration.job.id as string;
    const client = wsClient(stack.routerUrl, { authorization: `Bearer ${other.token}` });
    try {
      const results = [];
      for await (const result of client.iterate({ query: EVENTS, variables: { jobId } })) results.push(result);
      expect(results).toHaveLength(1);
      expect(results[0]!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      await client.dispose();
    }
  });

  it('rejects a slide count outside 5–30 without creating a job', async () => {
    const user = await signUp(stack.routerUrl);
    const result = await gql(graphql, START, { input: { topic: 'Too many', slideCount: 31 } }, user.token);
    expect(result.data?.startGeneration).toEqual({ created: false, job: null, error: { code: 'BAD_USER_INPUT', field: 'slideCount' } });
  });
});

describe('health', () => {
  it('reports liveness and readiness', async () => {
    const health = await fetch(`${stack.routerUrl}/health`);
    expect(await health.json()).toEqual({ status: 'healthy' });
    const ready = await fetch(`${stack.routerUrl}/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { supergraph: { ok: true }, postgres: { ok: true }, redis: { ok: true } } });
  });
});

describe('router limits', () => {
  it('refuses a too-deep query with a coded 400 and counts it in /metrics', async () => {
    const deep = '{ me { decks { owner { decks { owner { decks { owner { decks { owner { name } } } } } } } } } }';
    const response = await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: deep }) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('QUERY_TOO_DEEP');
    const metrics = await (await fetch(`${stack.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/pptist_rejections_total\{[^}]*reason="query_too_deep"[^}]*\} [1-9]/);
  });

  it('refuses a query with too many aliases', async () => {
    const aliased = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const result = await gql(graphql, aliased);
    expect(result.errors?.[0]?.extensions?.code).toBe('TOO_MANY_ALIASES');
  });
});
