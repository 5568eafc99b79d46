// Generation jobs when things go wrong around them: a worker process killed mid-job (another one
// picks the job up and finishes it once), and the per-user limits (concurrency, daily quota).
// The stack here runs no worker of its own: worker processes are started as children, so one can
// be killed with SIGKILL like a crashed container.
import type { ChildProcess } from 'node:child_process';
import { deckSlideIds, followGeneration, interruptibleReplies, presentation, spawnAiWorker, stackWithFakeModels, startGeneration, userWithModel } from './generation-kit.js';
import { gql, signUp } from './stack.js';

const { outline: OUTLINE, slides: SLIDES } = presentation('Tides', 'The sea’s rhythm', [
  ['Causes', 'Why the sea rises', {
    'The moon': { Gravity: 'The moon pulls the ocean.', Bulges: 'Two bulges circle the earth.' },
    'The sun': { 'Spring tides': 'Sun and moon align.', 'Neap tides': 'They pull at right angles.' },
  }],
  ['Effects', 'What tides change', {
    Coasts: { Erosion: 'Tides shape coasts.', Harbours: 'Ships wait for the tide.' },
    Life: { 'Rock pools': 'Life between tides.', Birds: 'Waders feed at low tide.' },
    Energy: { Barrages: 'Dams across estuaries.', Turbines: 'Underwater rotors.' },
  }],
]);

const children: ChildProcess[] = [];
// Declared before the stack's hooks, so the workers die before the stack closes.
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});
const env = stackWithFakeModels({ worker: false, ai: { limits: { concurrencyPerUser: 2, dailyTokenQuota: 1000 } } });

const graphql = () => `${env.stack.routerUrl}/graphql`;

function startWorkerProcess(): ChildProcess {
  const child = spawnAiWorker(env.stack, { WORKER_LOCK_MS: '1500' });
  children.push(child);
  return child;
}

const start = (token: string, input: Record<string, unknown>) => startGeneration(env.stack, token, input);

it('a worker killed mid-job: another worker resumes the job, which finishes once with every slide written once', async () => {
  const user = await userWithModel(env.stack, env.fake);
  env.fake.script(...interruptibleReplies(OUTLINE, SLIDES));
  const first = startWorkerProcess();
  const started = await start(user.token, { topic: 'Tides', model: user.model.name });
  const jobId = started.job!.id;
  await followGeneration(env.stack, user.token, jobId, { until: (events) => events.filter((e) => e.type === 'SLIDE').length >= 3 });
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));

  const second = startWorkerProcess();
  const events = await followGeneration(env.stack, user.token, jobId);
  // The next test needs no worker running (its jobs must stay queued).
  second.kill('SIGKILL');
  await new Promise((r) => second.once('exit', r));
  expect(events.at(-1)!.type).toBe('SUCCEEDED');
  expect(events.filter((e) => e.type === 'SUCCEEDED')).toHaveLength(1);
  expect(events.some((e) => e.type === 'STARTED' && e.payload.resumed === true)).toBe(true);
  const slideEvents = events.filter((e) => e.type === 'SLIDE');
  expect(slideEvents.map((e) => e.payload.index)).toEqual(SLIDES.map((_, i) => i));
  expect(slideEvents.map((e) => e.payload.slide)).toEqual(SLIDES);

  const ids = await deckSlideIds(env.stack, user.token, events.at(-1)!.payload.deckId);
  expect(ids).toEqual(slideEvents.flatMap((e) => e.payload.deckSlideIds));
  expect(new Set(ids).size).toBe(ids.length);
  const job = await gql(graphql(), 'query($id: ID!) { generationJob(id: $id) { status slidesDone } }', { id: jobId }, user.token);
  expect(job.data!.generationJob).toEqual({ status: 'SUCCEEDED', slidesDone: 5 });
}, 60_000);

it('refuses a job beyond the per-user concurrency limit, as data', async () => {
  const user = await signUp(env.stack.routerUrl);
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
  const user = await userWithModel(env.stack, env.fake);
  const worker = startWorkerProcess();
  env.fake.script({ text: OUTLINE, usage: { prompt_tokens: 700, completion_tokens: 600 } });
  const started = await start(user.token, { topic: 'Quota', mode: 'OUTLINE', model: user.model.name });
  const events = await followGeneration(env.stack, user.token, started.job!.id);
  expect(events.at(-1)!.type).toBe('SUCCEEDED');
  expect(events.find((e) => e.type === 'USAGE')!.payload).toMatchObject({ promptTokens: 700, completionTokens: 600 });
  worker.kill('SIGKILL');

  const usage = await gql(graphql(), 'query { myGenerationUsage { promptTokens completionTokens jobs tokenQuota tokensLeft } }', {}, user.token);
  expect(usage.data!.myGenerationUsage).toEqual({ promptTokens: 700, completionTokens: 600, jobs: 1, tokenQuota: 1000, tokensLeft: 0 });
  const refused = await start(user.token, { topic: 'More', mode: 'OUTLINE', model: user.model.name });
  expect(refused).toMatchObject({ job: null, error: { code: 'QUOTA_EXCEEDED' } });
}, 60_000);
