// Generation jobs when things go wrong around them: a worker process killed mid-job (another one
// picks the job up and finishes it once), and the per-user limits (concurrency, daily quota).
// The stack here runs no worker of its own: worker processes are started as children, so one can
// be killed with SIGKILL like a crashed container.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai.js';
import { gql, type Stack, signUp, startStack, wsClient } from './stack.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUTLINE = '# Tides\n## Causes\n### The moon\n- Gravity\n- Bulges\n### The sun\n- Spring tides\n- Neap tides\n## Effects\n### Coasts\n- Erosion\n- Harbours\n### Life\n- Rock pools\n- Birds\n### Energy\n- Barrages\n- Turbines\n';
const SLIDES = [
  { type: 'cover', data: { title: 'Tides', text: 'The sea’s rhythm' } },
  { type: 'contents', data: { items: ['Causes', 'Effects'] } },
  { type: 'transition', data: { title: 'Causes', text: 'Why the sea rises' } },
  { type: 'content', data: { title: 'The moon', items: [{ title: 'Gravity', text: 'The moon pulls the ocean.' }, { title: 'Bulges', text: 'Two bulges circle the earth.' }] } },
  { type: 'content', data: { title: 'The sun', items: [{ title: 'Spring tides', text: 'Sun and moon align.' }, { title: 'Neap tides', text: 'They pull at right angles.' }] } },
  { type: 'transition', data: { title: 'Effects', text: 'What tides change' } },
  { type: 'content', data: { title: 'Coasts', items: [{ title: 'Erosion', text: 'Tides shape coasts.' }, { title: 'Harbours', text: 'Ships wait for the tide.' }] } },
  { type: 'content', data: { title: 'Life', items: [{ title: 'Rock pools', text: 'Life between tides.' }, { title: 'Birds', text: 'Waders feed at low tide.' }] } },
  { type: 'content', data: { title: 'Energy', items: [{ title: 'Barrages', text: 'Dams across estuaries.' }, { title: 'Turbines', text: 'Underwater rotors.' }] } },
  { type: 'end', data: {} },
];
const lines = (slides: unknown[]) => slides.map((slide) => `${JSON.stringify(slide)}\n`).join('');

interface EventOut {
  seq: number;
  type: string;
  payload: any;
}

let stack: Stack;
let fake: FakeOpenAI;
const children: ChildProcess[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  stack = await startStack({ worker: false, ai: { limits: { concurrencyPerUser: 2, dailyTokenQuota: 1000 } } });
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stack?.close();
  await fake?.close();
});

const graphql = () => `${stack.routerUrl}/graphql`;

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'subgraphs/ai/worker-main.ts')], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', USERS_URL: stack.subgraphUrls.users, DECKS_URL: stack.subgraphUrls.decks, WORKER_LOCK_MS: '1500', QUEUE_PREFIX: stack.queuePrefix, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function userWithModel() {
  const user = await signUp(stack.routerUrl);
  const created = await gql(
    graphql(),
    'mutation($input: CreateAiModelInput!) { createAiModel(input: $input) { model { name } error { code message } } }',
    { input: { name: `fake-${user.userId}`, providerModel: 'fake-model', baseUrl: fake.url, apiKey: `sk-test-${user.userId}` } },
    user.token,
  );
  return { ...user, model: created.data!.createAiModel.model.name as string };
}

async function start(token: string, input: Record<string, unknown>) {
  const result = await gql(graphql(), 'mutation($input: StartGenerationInput!) { startGeneration(input: $input) { job { id } error { code message } } }', { input }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.startGeneration as { job: { id: string } | null; error: { code: string; message: string } | null };
}

/** Follows a job until `until` says stop (or its stream ends). */
async function follow(token: string, jobId: string, until: (events: EventOut[]) => boolean = () => false): Promise<EventOut[]> {
  const client = wsClient(stack.routerUrl, { authorization: `Bearer ${token}` });
  const events: EventOut[] = [];
  try {
    for await (const result of client.iterate<{ generationEvents: EventOut }>({ query: 'subscription($id: ID!) { generationEvents(jobId: $id) { seq type payload } }', variables: { id: jobId } })) {
      events.push(result.data!.generationEvents);
      if (until(events)) break;
    }
  } finally {
    await client.dispose();
  }
  return events;
}

it('a worker killed mid-job: another worker resumes the job, which finishes once with every slide written once', async () => {
  const user = await userWithModel();
  // Slides trickle out (one line every ~300 ms) so the kill lands mid-stream; the resumed call
  // continues after the slides already written.
  fake.script({ text: OUTLINE, chunkSize: 40 }, { text: lines(SLIDES), chunkSize: 60, delayMs: 150 }, (body) => {
    const done = String(body.messages?.find((m) => m.role === 'assistant')?.content ?? '').trim().split('\n').filter(Boolean).length;
    return { text: lines(SLIDES.slice(done)), chunkSize: 80 };
  });
  const first = startWorkerProcess();
  const started = await start(user.token, { topic: 'Tides', model: user.model });
  const jobId = started.job!.id;
  await follow(user.token, jobId, (events) => events.filter((e) => e.type === 'SLIDE').length >= 3);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));

  startWorkerProcess();
  const events = await follow(user.token, jobId);
  expect(events.at(-1)!.type).toBe('SUCCEEDED');
  expect(events.filter((e) => e.type === 'SUCCEEDED')).toHaveLength(1);
  expect(events.some((e) => e.type === 'STARTED' && e.payload.resumed === true)).toBe(true);
  const slideEvents = events.filter((e) => e.type === 'SLIDE');
  expect(slideEvents.map((e) => e.payload.index)).toEqual(SLIDES.map((_, i) => i));
  expect(slideEvents.map((e) => e.payload.slide)).toEqual(SLIDES);

  const deck = await gql(graphql(), 'query($id: ID!) { deck(id: $id) { document } }', { id: events.at(-1)!.payload.deckId }, user.token);
  const ids = deck.data!.deck.document.slides.map((s: { id: string }) => s.id);
  expect(ids).toEqual(slideEvents.flatMap((e) => e.payload.deckSlideIds));
  expect(new Set(ids).size).toBe(ids.length);
  const job = await gql(graphql(), 'query($id: ID!) { generationJob(id: $id) { status slidesDone } }', { id: jobId }, user.token);
  expect(job.data!.generationJob).toEqual({ status: 'SUCCEEDED', slidesDone: 5 });
}, 60_000);

it('refuses a job beyond the per-user concurrency limit, as data', async () => {
  const user = await signUp(stack.routerUrl);
  // No worker runs here: the jobs stay queued.
  const a = await start(user.token, { topic: 'One', mode: 'OUTLINE' });
  const b = await start(user.token, { topic: 'Two', mode: 'OUTLINE' });
  const c = await start(user.token, { topic: 'Three', mode: 'OUTLINE' });
  expect(a.job && b.job).toBeTruthy();
  expect(c).toMatchObject({ job: null, error: { code: 'CONCURRENCY_LIMIT' } });
  // Cancelling one frees a place.
  await gql(graphql(), 'mutation($id: ID!) { cancelGeneration(id: $id) { job { status } } }', { id: a.job!.id }, user.token);
  expect((await start(user.token, { topic: 'Three', mode: 'OUTLINE' })).job).toBeTruthy();
});

it('records tokens and cost per job and per user, and refuses new jobs once the daily quota is spent', async () => {
  const user = await userWithModel();
  const worker = startWorkerProcess();
  fake.script({ text: OUTLINE, usage: { prompt_tokens: 700, completion_tokens: 600 } });
  const started = await start(user.token, { topic: 'Quota', mode: 'OUTLINE', model: user.model });
  const events = await follow(user.token, started.job!.id);
  expect(events.at(-1)!.type).toBe('SUCCEEDED');
  expect(events.find((e) => e.type === 'USAGE')!.payload).toMatchObject({ promptTokens: 700, completionTokens: 600 });
  worker.kill('SIGKILL');

  const usage = await gql(graphql(), 'query { myGenerationUsage { promptTokens completionTokens jobs tokenQuota tokensLeft } }', {}, user.token);
  expect(usage.data!.myGenerationUsage).toEqual({ promptTokens: 700, completionTokens: 600, jobs: 1, tokenQuota: 1000, tokensLeft: 0 });
  const refused = await start(user.token, { topic: 'More', mode: 'OUTLINE', model: user.model });
  expect(refused).toMatchObject({ job: null, error: { code: 'QUOTA_EXCEEDED' } });
}, 60_000);
