// What the generation tests share: a user with a model on the fake OpenAI server, starting a job and
// following its events through the router, ai worker processes of their own, and outline/slides
// fixtures written the way the model would write them.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeOpenAI, type FakeScript, startFakeOpenAI } from './fake-openai.js';
import { gql, type Stack, type StackOptions, signUp, startStack, wsClient } from './stack.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface GenerationEvent {
  seq: number;
  type: string;
  payload: any;
}

export interface FakeModelStack {
  stack: Stack;
  fake: FakeOpenAI;
}

/**
 * A fake OpenAI server and a stack for the calling file's tests: started in its `beforeAll`, closed
 * in its `afterAll`. Read the fields inside tests and hooks (they are set once `beforeAll` ran).
 */
export function stackWithFakeModels(options?: StackOptions): FakeModelStack {
  const running = {} as FakeModelStack;
  beforeAll(async () => {
    running.fake = await startFakeOpenAI();
    running.stack = await startStack(options);
  }, 60_000);
  afterAll(async () => {
    await running.stack?.close();
    await running.fake?.close();
  });
  return running;
}

/** Worker options for tests of failures: retries in milliseconds, a breaker that opens after three. */
export const FAST_MODEL_CALLS = {
  modelCalls: { retry: { baseDelayMs: 20, maxDelayMs: 80, maxAttempts: 3, maxRetryAfterMs: 5000 }, firstTokenTimeoutMs: 1500, idleTimeoutMs: 1500 },
  breaker: { failureThreshold: 3, windowMs: 30_000, openMs: 5000 },
} satisfies StackOptions['worker'];

const START = `mutation StartGeneration($input: StartGenerationInput!) {
  startGeneration(input: $input) { created job { id status deckId degraded } error { code message field } }
}`;
/** Named: metrics count subscriptions by operation name. */
export const GENERATION_EVENTS = 'subscription Follow($jobId: ID!, $after: String) { generationEvents(jobId: $jobId, after: $after) { seq type payload } }';

export interface StartedGeneration {
  created: boolean;
  job: { id: string; status: string; deckId: string | null; degraded: boolean } | null;
  error: { code: string; message: string; field: string | null } | null;
}

export interface ModelInput {
  name?: string;
  providerModel?: string;
  inputPrice?: number;
  outputPrice?: number;
}

/**
 * A new user with a personal model of their own on the fake server. The key names the user, so
 * `fake.requests` tell whose calls they were; prices, when given, make cost visible.
 */
export async function userWithModel(stack: Stack, fake: FakeOpenAI, model: ModelInput = {}) {
  const user = await signUp(stack.routerUrl);
  const result = await gql(
    `${stack.routerUrl}/graphql`,
    'mutation($input: CreateAiModelInput!) { createAiModel(input: $input) { model { id name personal apiKeyHint } error { code message field } } }',
    { input: { name: `fake-${user.userId}`, providerModel: 'fake-model', baseUrl: fake.url, apiKey: `sk-test-${user.userId}`, ...model } },
    user.token,
  );
  const created = result.data?.createAiModel.model as { id: string; name: string; personal: boolean; apiKeyHint: string } | undefined;
  if (!created) throw new Error(`model not created: ${JSON.stringify(result)}`);
  return { ...user, model: created };
}

export async function startGeneration(stack: Stack, token: string, input: Record<string, unknown>): Promise<StartedGeneration> {
  const result = await gql(`${stack.routerUrl}/graphql`, START, { input }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.startGeneration as StartedGeneration;
}

/** Follows a job over graphql-ws from `after` until its stream ends or `until` says stop. */
export async function followGeneration(
  stack: Stack,
  token: string,
  jobId: string,
  { after, until = () => false }: { after?: string; until?: (events: GenerationEvent[]) => boolean } = {},
): Promise<GenerationEvent[]> {
  const client = wsClient(stack.routerUrl, { authorization: `Bearer ${token}` });
  const events: GenerationEvent[] = [];
  try {
    for await (const result of client.iterate<{ generationEvents: GenerationEvent }>({ query: GENERATION_EVENTS, variables: { jobId, after } })) {
      expect(result.errors).toBeUndefined();
      events.push(result.data!.generationEvents);
      if (until(events)) break;
    }
  } finally {
    await client.dispose();
  }
  return events;
}

/** The ids of a deck's slides, in order. */
export async function deckSlideIds(stack: Stack, token: string, deckId: string): Promise<string[]> {
  const deck = await gql(`${stack.routerUrl}/graphql`, 'query($id: ID!) { deck(id: $id) { document } }', { id: deckId }, token);
  return deck.data!.deck.document.slides.map((s: { id: string }) => s.id);
}

/**
 * An ai worker in a process of its own on the stack's queues, so a test can kill it like a crashed
 * (SIGKILL) or stopped (SIGTERM) container. The caller owns the process and must end it.
 */
export function spawnAiWorker(stack: Stack, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'subgraphs/ai/worker-main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      USERS_URL: stack.subgraphUrls.users,
      DECKS_URL: stack.subgraphUrls.decks,
      METRICS_PORT: '0',
      QUEUE_PREFIX: stack.queuePrefix,
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Slides as the model streams them: one JSON object a line. */
export const jsonLines = (slides: unknown[]) => slides.map((slide) => `${JSON.stringify(slide)}\n`).join('');

/**
 * The model's replies for a job that is interrupted while its slides trickle out (one line every
 * ~300 ms, so a kill lands mid-stream): the outline, the slow slides, and then, for the resumed
 * call, the slides after those already written (the continuation carries them as the assistant's).
 */
export function interruptibleReplies(outline: string, slides: unknown[]): FakeScript[] {
  return [
    { text: outline, chunkSize: 40 },
    { text: jsonLines(slides), chunkSize: 60, delayMs: 150 },
    (body) => {
      const done = String(body.messages?.find((m) => m.role === 'assistant')?.content ?? '').trim().split('\n').filter(Boolean).length;
      return { text: jsonLines(slides.slice(done)), chunkSize: 80 };
    },
  ];
}

/** Section title, the text of its transition slide, and its topics: topic → bullet → bullet text. */
export type Section = [title: string, text: string, topics: Record<string, Record<string, string>>];

/**
 * A presentation as the model writes it: the outline markdown (`#` title, `##` sections, `###`
 * topics, `-` bullets) and the slides that fill it (cover, contents, a transition per section, a
 * content slide per topic, end), from one description so the two cannot disagree.
 */
export function presentation(title: string, text: string, sections: Section[]) {
  let outline = `# ${title}\n`;
  const slides: { type: string; data: Record<string, unknown> }[] = [
    { type: 'cover', data: { title, text } },
    { type: 'contents', data: { items: sections.map(([section]) => section) } },
  ];
  for (const [section, sectionText, topics] of sections) {
    outline += `## ${section}\n`;
    slides.push({ type: 'transition', data: { title: section, text: sectionText } });
    for (const [topic, bullets] of Object.entries(topics)) {
      outline += `### ${topic}\n${Object.keys(bullets).map((bullet) => `- ${bullet}\n`).join('')}`;
      slides.push({ type: 'content', data: { title: topic, items: Object.entries(bullets).map(([bullet, bulletText]) => ({ title: bullet, text: bulletText })) } });
    }
  }
  slides.push({ type: 'end', data: {} });
  return { outline, slides };
}
