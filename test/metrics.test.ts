// Prometheus metrics as an operator scrapes them: /metrics on the ops port before and after real
// requests through the router (GraphQL, REST, a refused query, a generation whose model call fails),
// asserting that the series those requests should move did move. Timings are never asserted.
import { FAST_MODEL_CALLS, followGeneration, stackWithFakeModels, startGeneration, userWithModel } from './generation-kit.js';
import { gql, signUp } from './stack.js';

const env = stackWithFakeModels({ worker: FAST_MODEL_CALLS });

const graphql = () => `${env.stack.routerUrl}/graphql`;

type Series = { name: string; labels: Record<string, string>; value: number };

/** Parses the Prometheus text format (one sample a line; `# ` lines are comments). */
function parse(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of match[2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[key!] = value!;
    series.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return series;
}

interface Scrape {
  /** The sum over every series of `name` whose labels include `labels`. */
  value(name: string, labels?: Record<string, string>): number;
  series(name: string): Series[];
}

async function scrape(): Promise<Scrape> {
  const response = await fetch(`${env.stack.opsUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const all = parse(await response.text());
  const matching = (name: string, labels: Record<string, string>) => all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    value: (name, labels = {}) => matching(name, labels).reduce((sum, s) => sum + s.value, 0),
    series: (name) => all.filter((s) => s.name === name),
  };
}

/** How much each (name, labels) moved between two scrapes. */
const moved = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);

describe('GraphQL metrics', () => {
  it('counts a named operation on the router and in the subgraph it reached, with its latency', async () => {
    const user = await signUp(env.stack.routerUrl);
    const before = await scrape();
    const result = await gql(graphql(), 'query MetricsMe { me { id name } }', {}, user.token);
    expect(result.data?.me.id).toBe(user.userId);
    const after = await scrape();

    const router = { service: 'router', operation: 'MetricsMe', type: 'query' };
    expect(moved(before, after, 'pptist_graphql_requests_total', { ...router, outcome: 'ok' })).toBe(1);
    expect(moved(before, after, 'pptist_graphql_requests_total', { ...router, outcome: 'error' })).toBe(0);
    expect(moved(before, after, 'pptist_graphql_request_duration_seconds_count', router)).toBe(1);
    expect(moved(before, after, 'pptist_graphql_request_duration_seconds_bucket', { ...router, le: '+Inf' })).toBe(1);
    // The gateway named the users subgraph's operation itself; it arrived and was counted there.
    expect(moved(before, after, 'pptist_graphql_requests_total', { service: 'users', type: 'query', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  it('counts a query refused as too deep as an error with its code, and as a rejection', async () => {
    const before = await scrape();
    const deep = 'query TooDeep { me { decks { owner { decks { owner { decks { owner { decks { owner { name } } } } } } } } } }';
    const response = await fetch(graphql(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: deep }) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('QUERY_TOO_DEEP');
    const after = await scrape();

    expect(moved(before, after, 'pptist_graphql_requests_total', { service: 'router', operation: 'TooDeep', type: 'query', outcome: 'error' })).toBe(1);
    expect(moved(before, after, 'pptist_graphql_errors_total', { service: 'router', operation: 'TooDeep', code: 'QUERY_TOO_DEEP' })).toBe(1);
    expect(moved(before, after, 'pptist_rejections_total', { layer: 'router', reason: 'query_too_deep' })).toBe(1);
    // It never reached a subgraph.
    expect(moved(before, after, 'pptist_graphql_requests_total', { service: 'users' })).toBe(0);
  });

  it('bounds operation names: invalid ones are one series, never the raw text', async () => {
    const before = await scrape();
    const response = await fetch(graphql(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', operationName: 'not a name; DROP TABLE' }),
    });
    await response.text();
    const after = await scrape();
    expect(after.series('pptist_graphql_requests_total').some((s) => s.labels.operation?.includes('DROP'))).toBe(false);
    expect(moved(before, after, 'pptist_graphql_requests_total', { service: 'router', operation: 'invalid' })).toBe(1);
  });
});

describe('REST metrics', () => {
  it('counts requests by route template and status class, never by raw path', async () => {
    const user = await signUp(env.stack.routerUrl);
    const before = await scrape();
    const me = await fetch(`${env.stack.routerUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(me.status).toBe(200);
    const sessionId = '7d3c2a9e-1111-4222-8333-944455556666';
    const revoke = await fetch(`${env.stack.routerUrl}/api/v1/auth/sessions/${sessionId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` } });
    expect(revoke.status).toBeGreaterThanOrEqual(400);
    const after = await scrape();

    expect(moved(before, after, 'pptist_http_requests_total', { method: 'GET', route: '/api/v1/auth/me', status: '2xx' })).toBe(1);
    expect(moved(before, after, 'pptist_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/auth/me' })).toBe(1);
    expect(moved(before, after, 'pptist_http_requests_total', { method: 'POST', route: '/api/v1/auth/sessions/:id/revoke', status: `${Math.floor(revoke.status / 100)}xx` })).toBe(1);
    expect(after.series('pptist_http_requests_total').some((s) => s.labels.route?.includes(sessionId))).toBe(false);
    // The REST facade runs its GraphQL through the router: `run('Me', …)`.
    expect(moved(before, after, 'pptist_graphql_requests_total', { service: 'users', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });
});

describe('model, queue and subscription metrics', () => {
  it('counts a refused model call, the failed generation, the breaker state and the events delivered over graphql-ws', async () => {
    const user = await userWithModel(env.stack, env.fake, { providerModel: 'fake-metrics-model' });
    expect(user.model).toBeTruthy();
    const before = await scrape();

    env.fake.script({ status: 401 });
    const started = await startGeneration(env.stack, user.token, { topic: `Metrics ${user.userId}`, model: user.model.name });
    const jobId = started.job?.id as string;
    expect(jobId).toBeTruthy();
    // The kit's subscription is the operation `Follow`.
    const types = (await followGeneration(env.stack, user.token, jobId)).map((e) => e.type);
    expect(types.at(-1)).toBe('FAILED');
    const after = await scrape();

    const labels = { model: 'fake-metrics-model' };
    expect(moved(before, after, 'pptist_model_calls_total', { ...labels, outcome: 'permanent_error' })).toBe(1);
    expect(moved(before, after, 'pptist_model_calls_total', { ...labels, outcome: 'ok' })).toBe(0);
    expect(moved(before, after, 'pptist_model_call_duration_seconds_count', { ...labels, outcome: 'permanent_error' })).toBe(1);
    // A 401 says the key is wrong, not that the model is down: the breaker stays closed.
    expect(after.value('pptist_model_breaker_state', labels)).toBe(0);
    expect(moved(before, after, 'pptist_queue_job_failures_total', { queue: 'ai-generation', code: 'MODEL_ERROR' })).toBe(1);
    expect(moved(before, after, 'pptist_queue_job_duration_seconds_count', { queue: 'ai-generation', outcome: 'completed' })).toBe(1);
    expect(moved(before, after, 'pptist_generation_jobs_degraded_total')).toBe(0);
    expect(after.series('pptist_queue_jobs').filter((s) => s.labels.queue === 'ai-generation').map((s) => s.labels.state).sort()).toEqual(['active', 'delayed', 'failed', 'waiting']);

    // Every event the client saw went through the router's and the ai subgraph's graphql-ws servers.
    expect(moved(before, after, 'pptist_subscription_events_total', { service: 'router', transport: 'graphql-ws' })).toBe(types.length);
    expect(moved(before, after, 'pptist_subscription_events_total', { service: 'ai', transport: 'graphql-ws' })).toBe(types.length);
    expect(moved(before, after, 'pptist_graphql_requests_total', { service: 'router', operation: 'Follow', type: 'subscription', outcome: 'ok' })).toBe(1);
    // The stream ended with the job: nothing stays open.
    expect(after.value('pptist_subscriptions_open', { service: 'router' })).toBe(before.value('pptist_subscriptions_open', { service: 'router' }));
  });
});
