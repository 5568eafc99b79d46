// The operator's view of the platform: the internal ops port (/health, /metrics, /readiness with
// real dependencies), readiness that follows a subgraph going down, and graceful shutdown: a
// router closing its subscriptions with 1001, a worker given SIGTERM mid-job handing the job back.
import type { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { parseConfig } from '../lib/config.js';
import { GOING_AWAY } from '../lib/graceful-shutdown.js';
import { QueueName } from '../lib/queues.js';
import { createRedis } from '../lib/redis.js';
import { createRouterServer } from '../router/server.js';
import { deckSlideIds, followGeneration, type GenerationEvent, interruptibleReplies, presentation, spawnAiWorker, stackWithFakeModels, startGeneration, userWithModel } from './generation-kit.js';
import { gql, signUp, wsClient } from './stack.js';

const { outline: OUTLINE, slides: SLIDES } = presentation('Rivers', 'From source to sea', [
  ['Sources', 'Where rivers begin', {
    Springs: { Groundwater: 'Water rises.', Snowmelt: 'Ice melts.' },
    Rain: { Runoff: 'Rain runs off.', Storms: 'Floods follow.' },
  }],
  ['Mouths', 'Where rivers end', { Deltas: { Silt: 'Silt settles.', Channels: 'Channels split.' } }],
]);

const children: ChildProcess[] = [];
// Declared before the stack's hooks, so the workers have stopped before the stack closes.
afterAll(async () => {
  await Promise.all(
    children
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map((child) => new Promise((done) => child.once('exit', done).kill('SIGTERM'))),
  );
});
const env = stackWithFakeModels({ worker: false });

const graphql = () => `${env.stack.routerUrl}/graphql`;
const getJson = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as any };
};

describe('the ops port', () => {
  it('/health says the process answers, naming it', async () => {
    expect(await getJson(`${env.stack.opsUrl}/health`)).toEqual({ status: 200, body: { status: 'healthy', service: 'platform' } });
  });

  it('/metrics is Prometheus text', async () => {
    const response = await fetch(`${env.stack.opsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^# TYPE process_uptime_seconds gauge$/m);
    expect(text).toMatch(/^process_uptime_seconds \d/m);
  });

  it('/readiness checks every service’s real dependencies: Postgres, Redis, queues, subgraphs', async () => {
    const { status, body } = await getJson(`${env.stack.opsUrl}/readiness`);
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    const expected = [
      ...['users', 'decks', 'ai', 'media', 'router', 'media-worker'].flatMap((name) => [`${name}.postgres`, `${name}.redis`]),
      `ai.queue:${QueueName.generation}`,
      `decks.queue:${QueueName.deckLayout}`,
      `media.queue:${QueueName.imageProcessing}`,
      `media-worker.queue:${QueueName.imageProcessing}`,
      'router.supergraph',
      ...['users', 'decks', 'ai', 'media'].map((name) => `router.subgraph:${name}`),
    ];
    for (const name of expected) expect([name, body.checks[name]]).toEqual([name, { ok: true }]);
  });
});

it('a router shutting down closes its graphql-ws subscriptions with 1001 Going Away', async () => {
  const config = parseConfig({ ...process.env, USERS_URL: env.stack.subgraphUrls.users, DECKS_URL: env.stack.subgraphUrls.decks, AI_URL: env.stack.subgraphUrls.ai, MEDIA_URL: env.stack.subgraphUrls.media });
  const router = await createRouterServer({ config }).listen(0);
  const user = await signUp(env.stack.routerUrl);
  // No worker runs yet: the job stays queued and its subscription stays open after the QUEUED replay.
  const started = await startGeneration(env.stack, user.token, { topic: 'Socket', mode: 'OUTLINE' });
  const jobId = started.job!.id;
  let closeEvent: { code: number; reason: string } | undefined;
  const client = wsClient(router.url, { authorization: `Bearer ${user.token}` });
  client.on('closed', (event) => (closeEvent = event as { code: number; reason: string }));
  const subscription = client.iterate<{ generationEvents: GenerationEvent }>({ query: 'subscription($id: ID!) { generationEvents(jobId: $id) { type } }', variables: { id: jobId } });
  expect((await subscription.next()).value?.data?.generationEvents.type).toBe('QUEUED');

  const closing = router.close();
  // The stream ends (as an error: the server went away, the client should reconnect elsewhere).
  const ended = await subscription.next().then(() => null, (error: { code?: number }) => error);
  expect(ended?.code).toBe(GOING_AWAY.code);
  await closing;
  expect(closeEvent).toMatchObject({ code: 1001, reason: 'server shutting down' });
  await client.dispose();
  await gql(graphql(), 'mutation($id: ID!) { cancelGeneration(id: $id) { job { status } } }', { id: jobId }, user.token);
}, 30_000);

describe('a worker given SIGTERM mid-job', () => {
  function startWorkerProcess(): ChildProcess {
    // A long lock: if the job were not handed back, no other worker could take it within this test.
    const child = spawnAiWorker(env.stack, { WORKER_LOCK_MS: '60000' });
    children.push(child);
    return child;
  }

  it('exits 0 promptly, hands the job back to the queue, and another worker finishes it exactly once', async () => {
    const user = await userWithModel(env.stack, env.fake);
    env.fake.script(...interruptibleReplies(OUTLINE, SLIDES));
    const first = startWorkerProcess();
    const started = await startGeneration(env.stack, user.token, { topic: 'Rivers', model: user.model.name });
    const jobId = started.job!.id;
    await followGeneration(env.stack, user.token, jobId, { until: (events) => events.filter((e) => e.type === 'SLIDE').length >= 2 });

    const signalled = Date.now();
    const exited = new Promise<number | null>((done) => first.once('exit', (code) => done(code)));
    first.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5000);

    // Back in the queue at once (waiting, no attempt spent), not left active until its lock expires.
    const queue = new Queue(QueueName.generation, { connection: createRedis('test:ops-queue'), prefix: env.stack.queuePrefix });
    try {
      const job = await queue.getJob(jobId);
      expect(await job!.getState()).toBe('waiting');
      expect(job!.attemptsMade).toBe(0);
    } finally {
      await queue.close();
      (queue.opts.connection as { disconnect(): void }).disconnect();
    }

    startWorkerProcess();
    const events = await followGeneration(env.stack, user.token, jobId);
    expect(events.at(-1)!.type).toBe('SUCCEEDED');
    expect(events.filter((e) => e.type === 'SUCCEEDED')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'FAILED')).toHaveLength(0);
    expect(events.some((e) => e.type === 'STARTED' && e.payload.resumed === true)).toBe(true);
    const slideEvents = events.filter((e) => e.type === 'SLIDE');
    expect(slideEvents.map((e) => e.payload.slide)).toEqual(SLIDES);

    const ids = await deckSlideIds(env.stack, user.token, events.at(-1)!.payload.deckId);
    expect(ids).toEqual(slideEvents.flatMap((e) => e.payload.deckSlideIds));
    expect(new Set(ids).size).toBe(ids.length);
  }, 60_000);
});

// Last: it stops a subgraph of the shared stack.
it('the router’s public /readiness turns 503 naming a subgraph that stopped, and so does the ops port', async () => {
  expect((await getJson(`${env.stack.routerUrl}/readiness`)).status).toBe(200);
  await env.stack.stopSubgraph('media');
  const { status, body } = await getJson(`${env.stack.routerUrl}/readiness`);
  expect(status).toBe(503);
  expect(body.status).toBe('not_ready');
  expect(body.checks['subgraph:media']).toEqual({ ok: false, error: expect.stringMatching(/^media subgraph did not answer \/health/) });
  expect(body.checks['subgraph:users']).toEqual({ ok: true });
  const ops = await getJson(`${env.stack.opsUrl}/readiness`);
  expect(ops.status).toBe(503);
  expect(ops.body.checks['router.subgraph:media'].ok).toBe(false);
});
