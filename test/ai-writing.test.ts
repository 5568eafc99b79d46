// AI writing end to end through the router: the aiWriting subscription over graphql-ws (and SSE),
// PPTist's /tools/ai_writing and the old client's /api/tools/ai_writing byte streams, against the
// fake OpenAI server. Each test has a user with a model of its own (its breaker and requests are
// its own); the routes use the user's preferred model (they send none the server honours).
import { createClient as createSseClient } from 'graphql-sse';
import type { RecordedRequest } from './fake-openai.js';
import { stackWithFakeModels, userWithModel as kitUserWithModel } from './generation-kit.js';
import { gql, signUp, wsClient } from './stack.js';
import type { AiWritingEvent } from '../subgraphs/ai/ai-writing.js';

const QUOTA = 20_000;
const env = stackWithFakeModels({
  ai: {
    limits: { concurrencyPerUser: 4, dailyTokenQuota: QUOTA },
    writingCalls: { retry: { baseDelayMs: 20, maxDelayMs: 80, maxAttempts: 3, maxRetryAfterMs: 5000 }, firstTokenTimeoutMs: 1500, idleTimeoutMs: 1500, breaker: { failureThreshold: 3, windowMs: 30_000, openMs: 30_000 } },
  },
});

const WRITE = 'subscription Write($input: AiWritingInput!) { aiWriting(input: $input) { type text degraded code message model usage { promptTokens completionTokens costUsd } } }';

type WritingEvent = AiWritingEvent;
type GraphError = { message: string; extensions?: Record<string, unknown> };

/** A user whose own model (on the fake server) is also their preferred one, so the routes use it too. */
async function userWithModel() {
  const user = await kitUserWithModel(env.stack, env.fake);
  const preferences = await gql(`${env.stack.routerUrl}/graphql`, 'mutation($m: String!) { updatePreferences(input: { defaultModel: $m }) { error { code } } }', { m: user.model.name }, user.token);
  expect(preferences.data?.updatePreferences.error).toBeNull();
  return user;
}

/** The model calls made with one user's key. */
const callsOf = (user: { userId: string }): RecordedRequest[] => env.fake.requests.filter((r) => r.path.endsWith('/chat/completions') && r.headers.authorization === `Bearer sk-test-${user.userId}`);
const messagesOf = (request: RecordedRequest) => request.body!.messages!.map((m) => `${m.role}: ${String(m.content)}`).join('\n');

async function write(token: string, input: Record<string, unknown>): Promise<{ events: WritingEvent[]; errors?: readonly GraphError[] }> {
  const client = wsClient(env.stack.routerUrl, { authorization: `Bearer ${token}` });
  const events: WritingEvent[] = [];
  try {
    for await (const result of client.iterate<{ aiWriting: WritingEvent }>({ query: WRITE, variables: { input } })) {
      if (result.errors) return { events, errors: result.errors as GraphError[] };
      events.push(result.data!.aiWriting);
    }
  } finally {
    await client.dispose();
  }
  return { events };
}

const chunksOf = (events: WritingEvent[]) => events.filter((e) => e.type === 'CHUNK').map((e) => e.text).join('');

async function usageOf(token: string) {
  const result = await gql(`${env.stack.routerUrl}/graphql`, '{ myGenerationUsage { promptTokens completionTokens } }', {}, token);
  return result.data!.myGenerationUsage as { promptTokens: number; completionTokens: number };
}

async function post(path: string, body: unknown, token?: string) {
  const response = await fetch(`${env.stack.routerUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

const PASSAGE = 'solar power is  cheap now .it grows every year,and storage makes it firm';
const REWRITE = 'Solar power is now cheap.\nIt grows every year, and storage makes it reliable.';

describe('the aiWriting subscription', () => {
  it('streams the rewrite in chunks then DONE, cleaned of a leading chatter line and code fences, and records usage', async () => {
    const user = await userWithModel();
    env.fake.script({ text: `Here is the rewritten text:\n\`\`\`\n${REWRITE}\n\`\`\`\n`, chunkSize: 5, usage: { prompt_tokens: 120, completion_tokens: 30 } });
    const { events, errors } = await write(user.token, { content: PASSAGE, command: 'POLISH', model: user.model.name });
    expect(errors).toBeUndefined();
    expect(events.filter((e) => e.type === 'CHUNK').length).toBeGreaterThan(3);
    expect(events.map((e) => e.type)).toEqual([...events.slice(0, -1).map(() => 'CHUNK'), 'DONE']);
    expect(chunksOf(events)).toBe(REWRITE);
    expect(events.at(-1)).toMatchObject({ type: 'DONE', text: REWRITE, degraded: false, code: null, model: user.model.name, usage: { promptTokens: 120, completionTokens: 30 } });
    expect(events.every((e) => !e.degraded)).toBe(true);
    expect(await usageOf(user.token)).toEqual({ promptTokens: 120, completionTokens: 30 });
  });

  it('sends each command’s instruction and the passage to the model', async () => {
    const user = await userWithModel();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ command: 'POLISH' }, /Polish this passage/],
      [{ command: 'EXPAND' }, /Expand this passage/],
      [{ command: 'CONDENSE' }, /Condense this passage/],
      [{ command: 'TRANSLATE', language: 'French' }, /Translate this passage into French/],
      [{ command: 'TONE', tone: 'persuasive' }, /in a persuasive tone/],
    ];
    for (const [fields, instruction] of cases) {
      env.fake.script({ text: `Answer for ${String(fields.command)}` });
      const { events } = await write(user.token, { content: PASSAGE, model: user.model.name, ...fields });
      expect(events.at(-1)).toMatchObject({ type: 'DONE', text: `Answer for ${String(fields.command)}` });
      const sent = messagesOf(callsOf(user).at(-1)!);
      expect(sent).toMatch(instruction);
      expect(sent).toContain(PASSAGE);
      expect(sent).toMatch(/rewritten passage only/);
      for (const [otherFields, other] of cases) if (otherFields !== fields) expect(sent).not.toMatch(other);
    }
    expect(callsOf(user)).toHaveLength(cases.length);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field, before any model call or usage', async () => {
    const user = await userWithModel();
    const bad: [Record<string, unknown>, string][] = [
      [{ content: '', command: 'POLISH' }, 'content'],
      [{ content: '   ', command: 'EXPAND' }, 'content'],
      [{ content: 'x'.repeat(20_001), command: 'CONDENSE' }, 'content'],
      [{ content: PASSAGE, command: 'TRANSLATE' }, 'language'],
      [{ content: PASSAGE, command: 'TONE' }, 'tone'],
    ];
    for (const [input, field] of bad) {
      const { events, errors } = await write(user.token, { ...input, model: user.model.name });
      expect(events).toEqual([]);
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(callsOf(user)).toHaveLength(0);
    expect(await usageOf(user.token)).toEqual({ promptTokens: 0, completionTokens: 0 });
  });

  it('is for signed-in users only', async () => {
    const client = wsClient(env.stack.routerUrl);
    try {
      const iterator = client.iterate({ query: WRITE, variables: { input: { content: PASSAGE, command: 'POLISH' } } })[Symbol.asyncIterator]();
      const first = (await iterator.next()).value as { errors?: GraphError[] };
      expect(first.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      await iterator.return?.();
    } finally {
      await client.dispose();
    }
  });

  it('works over SSE through the router too', async () => {
    const user = await userWithModel();
    env.fake.script({ text: REWRITE, chunkSize: 9 });
    const client = createSseClient({ url: `${env.stack.routerUrl}/graphql`, headers: { authorization: `Bearer ${user.token}` }, retryAttempts: 0 });
    const events: WritingEvent[] = [];
    try {
      for await (const result of client.iterate<{ aiWriting: WritingEvent }>({ query: WRITE, variables: { input: { content: PASSAGE, command: 'POLISH', model: user.model.name } } })) {
        expect(result.errors).toBeUndefined();
        events.push(result.data!.aiWriting);
      }
    } finally {
      client.dispose();
    }
    expect(chunksOf(events)).toBe(REWRITE);
    expect(events.at(-1)).toMatchObject({ type: 'DONE', text: REWRITE, degraded: false });
  });
});

describe('degraded mode', () => {
  it('a model failing past the retries: the offline rewrite, flagged degraded with the reason; once its breaker is open /tools still gets text', async () => {
    const user = await userWithModel();
    env.fake.script({ status: 500 }, { status: 500 }, { status: 500 });
    const passage = 'Solar panels turn sunlight into electricity. Solar power costs fell sharply. Many homes now have solar panels on the roof. The weather was nice yesterday.';
    const { events, errors } = await write(user.token, { content: passage, command: 'CONDENSE', model: user.model.name });
    expect(errors).toBeUndefined();
    expect(callsOf(user)).toHaveLength(3);
    const done = events.at(-1)!;
    expect(done).toMatchObject({ type: 'DONE', degraded: true, code: 'MODEL_UNAVAILABLE', model: 'offline' });
    expect(done.message).toMatch(/unavailable/);
    expect(chunksOf(events)).toBe(done.text);
    expect(done.text!.length).toBeLessThan(passage.length);
    expect(passage).toContain(done.text!.split('. ')[0]!);
    expect(events.every((e) => e.degraded)).toBe(true);

    // The breaker is open now: no model call at all, and each door still answers.
    const expand = await write(user.token, { content: PASSAGE, command: 'EXPAND', model: user.model.name });
    expect(expand.events.at(-1)).toMatchObject({ type: 'DONE', text: PASSAGE, degraded: true, code: 'MODEL_UNAVAILABLE' });
    const tools = await post('/tools/ai_writing', { content: PASSAGE, command: '扩写丰富', model: 'glm-4.7-flash', stream: true }, user.token);
    expect(tools).toMatchObject({ status: 200, body: PASSAGE });
    expect(tools.type).toMatch(/^text\/event-stream/);
    const api = await post('/api/tools/ai_writing', { content: PASSAGE, command: 'polish', stream: true }, user.token);
    expect(api).toMatchObject({ status: 200, body: 'Solar power is cheap now. It grows every year, and storage makes it firm' });
    expect(callsOf(user)).toHaveLength(3);
  });

  it('no model at all: the offline writer answers, flagged', async () => {
    const user = await signUp(env.stack.routerUrl);
    const { events } = await write(user.token, { content: PASSAGE, command: 'POLISH', model: 'no-such-model' });
    expect(events.at(-1)).toMatchObject({ type: 'DONE', degraded: true, code: 'NO_MODEL', text: 'Solar power is cheap now. It grows every year, and storage makes it firm' });
  });
});

describe('the PPTist and legacy routes', () => {
  it('/tools/ai_writing streams the rewritten text only, for a Chinese command, ignoring PPTist’s model', async () => {
    const user = await userWithModel();
    const text = '太阳能发电成本持续下降。\n储能让太阳能更加可靠。';
    env.fake.script({ text: `以下是润色后的文本：\n${text}`, chunkSize: 3 });
    const response = await post('/tools/ai_writing', { content: '太阳能 发电成本 一直在下降，储能让它可靠', command: '美化改写', model: 'glm-4.7-flash', stream: true }, user.token);
    expect(response).toMatchObject({ status: 200, body: text });
    expect(response.type).toMatch(/^text\/event-stream/);
    const sent = callsOf(user).at(-1)!;
    expect(sent.body!.model).toBe('fake-model');
    expect(messagesOf(sent)).toMatch(/Polish this passage/);
  });

  it('/api/tools/ai_writing streams text/plain, each chunk written as it arrives', async () => {
    const user = await userWithModel();
    env.fake.script({ text: REWRITE, chunkSize: 6, delayMs: 40 });
    const response = await fetch(`${env.stack.routerUrl}/api/tools/ai_writing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ content: PASSAGE, command: '精简提炼', stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const reads: string[] = [];
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) reads.push(decoder.decode(chunk, { stream: true }));
    expect(reads.join('')).toBe(REWRITE);
    expect(reads.length).toBeGreaterThan(2);
    expect(messagesOf(callsOf(user).at(-1)!)).toMatch(/Condense this passage/);
  });

  it('refuses a bad body before streaming: {"state": -1} on /tools, an empty 400 on /api/tools; no model call', async () => {
    const user = await userWithModel();
    for (const body of [{ content: '', command: '美化改写' }, { content: PASSAGE, command: 'rhyme' }, { content: PASSAGE }]) {
      expect(await post('/tools/ai_writing', body, user.token)).toMatchObject({ status: 200, body: '{"state":-1}' });
      expect(await post('/api/tools/ai_writing', body, user.token)).toMatchObject({ status: 400, body: '' });
    }
    expect(await post('/tools/ai_writing', '{not json', user.token)).toMatchObject({ status: 200, body: '{"state":-1}' });
    expect(await post('/api/tools/ai_writing', '{not json', user.token)).toMatchObject({ status: 400, body: '' });
    // Anonymous callers act as the workspace account only while the compatibility setting is on (off here).
    expect(await post('/tools/ai_writing', { content: PASSAGE, command: '美化改写' })).toMatchObject({ status: 200, body: '{"state":-1}' });
    expect(await post('/api/tools/ai_writing', { content: PASSAGE, command: 'polish' })).toMatchObject({ status: 401, body: '' });
    expect(callsOf(user)).toHaveLength(0);
  });
});

describe('the daily quota', () => {
  it('counts writing usage and refuses once spent: an ERROR event on GraphQL, refusals on the routes', async () => {
    const user = await userWithModel();
    env.fake.script({ text: REWRITE, usage: { prompt_tokens: QUOTA, completion_tokens: 10 } });
    const spent = await write(user.token, { content: PASSAGE, command: 'POLISH', model: user.model.name });
    expect(spent.events.at(-1)).toMatchObject({ type: 'DONE', text: REWRITE });
    expect(await usageOf(user.token)).toEqual({ promptTokens: QUOTA, completionTokens: 10 });

    const refused = await write(user.token, { content: PASSAGE, command: 'POLISH', model: user.model.name });
    expect(refused.events).toEqual([expect.objectContaining({ type: 'ERROR', code: 'QUOTA_EXCEEDED', text: null })]);
    expect(await post('/tools/ai_writing', { content: PASSAGE, command: '美化改写', stream: true }, user.token)).toMatchObject({ status: 200, body: '{"state":-1}' });
    expect(await post('/api/tools/ai_writing', { content: PASSAGE, command: 'polish', stream: true }, user.token)).toMatchObject({ status: 429, body: '' });
    expect(callsOf(user)).toHaveLength(1);
  });
});
