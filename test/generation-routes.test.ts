// Generation over REST and PPTist's /tools, byte for byte as the clients parse it (REST-COMPAT.md):
// the old client's `data:`-only streams, PPTist's unframed markdown and JSON Lines, the {"state":-1}
// refusal, and the /generations jobs with their resumable SSE events. No model is registered, so
// the offline writer answers.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig } from '../lib/config.js';
import type { RunningServer } from '../lib/subgraph-server.js';
import { createRouterServer } from '../router/server.js';
import { pptistFixturesDir } from './pptist-fixtures.js';
import { type Stack, signUp, startStack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ legacyAnonymousAccess: true });
});
afterAll(async () => {
  await stack?.close();
});

const OUTLINE_FIXTURE = () => readFileSync(resolve(pptistFixturesDir(), 'AIPPT_Outline.md'), 'utf8');

interface RawStream {
  status: number;
  headers: Headers;
  /** Every network read, as it arrived. */
  chunks: string[];
  text: string;
}

/** Posts and records the answer read by read, as a streaming client sees it. */
async function postRaw(path: string, body: unknown, headers: Record<string, string> = {}, baseUrl = stack.routerUrl): Promise<RawStream> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) chunks.push(decoder.decode(chunk, { stream: true }));
  return { status: response.status, headers: response.headers, chunks, text: chunks.join('') };
}

const EVENT = /^data: \{.*\}\n\n$/;

/** The old client's events: every block exactly `data: ` + one line of JSON + a blank line. */
function legacyEvents(stream: RawStream): Record<string, any>[] {
  expect(stream.status).toBe(200);
  expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const blocks = stream.text.match(/[^\n]*\n\n/g) ?? [];
  expect(blocks.join('')).toBe(stream.text);
  for (const block of blocks) expect(block).toMatch(EVENT);
  // The client does not reassemble events across reads: every read holds whole events.
  for (const chunk of stream.chunks) expect(chunk).toMatch(/^(data: \{.*\}\n\n)+$/);
  return blocks.map((block) => JSON.parse(block.slice('data: '.length)) as Record<string, any>);
}

const kindOf = (message: Record<string, any>) => (message.event as string | undefined) ?? 'slide';

describe('POST /api/v1/generate/outline', () => {
  it('streams start, prompt_ready, content chunks and complete, with raw_markdown equal to the chunks', async () => {
    const user = await signUp(stack.routerUrl);
    const stream = await postRaw(
      '/api/v1/generate/outline',
      { title: '城市更新', input_content: '', slide_count: 6, language: '中文', ai_model_id: '', ai_model_config: { model: 'GLM-4.5-Air' }, unknown_field: true },
      { authorization: `Bearer ${user.token}` },
    );
    const events = legacyEvents(stream);
    const kinds = events.map(kindOf);
    expect(kinds[0]).toBe('start');
    expect(kinds[1]).toBe('prompt_ready');
    expect(kinds.at(-1)).toBe('complete');
    expect(kinds.slice(2, -1).every((kind) => kind === 'content_chunk')).toBe(true);
    expect(kinds.length).toBeGreaterThan(4);
    expect(events[0]!.data).toMatchObject({ title: '城市更新', slide_count: 6, language: '中文', operation_type: 'outline_generation' });
    expect(events[1]!.data).toMatchObject({ job_id: expect.any(String), model: expect.any(String) });
    const chunks = events.slice(2, -1).map((e) => e.data.chunk as string);
    const complete = events.at(-1)!.data;
    expect(complete.raw_markdown).toBe(chunks.join(''));
    expect(complete.raw_markdown).toMatch(/^# .+\n## /);
    expect(typeof complete.generation_time).toBe('number');

    // The same job, seen through /generations by its owner (a token acts as its user).
    const job = await fetch(`${stack.routerUrl}/api/v1/generations/${events[1]!.data.job_id}`, { headers: { authorization: `Bearer ${user.token}` } });
    expect((await job.json()).data).toMatchObject({ mode: 'outline', status: 'succeeded', language: 'zh-CN', topic: '城市更新', outline: complete.raw_markdown });
  });

  it('takes anonymous callers as the workspace account', async () => {
    const events = legacyEvents(await postRaw('/api/v1/generate/outline', { title: 'Remote work', language: 'English' }));
    expect(events.map(kindOf)[0]).toBe('start');
    expect(events.at(-1)).toMatchObject({ event: 'complete', data: { raw_markdown: expect.stringMatching(/^# /) } });
  });

  it.each([
    ['no title', { slide_count: 10, language: '中文' }, 'title'],
    ['slide_count 3', { title: 'Too short', slide_count: 3, language: '中文' }, 'slide_count'],
    ['a body that is not JSON', '{"title":', 'JSON'],
  ])('answers %s with HTTP 200 and an error event', async (_label, body, mentioned) => {
    const events = legacyEvents(await postRaw('/api/v1/generate/outline', body));
    expect(events).toEqual([{ event: 'error', data: { error: expect.stringContaining(mentioned), code: 'OUTLINE_GENERATION_ERROR' } }]);
  });
});

describe('POST /api/v1/generate/slides', () => {
  it('streams one bare AIPPT slide per event, ending with the end slide, then complete', async () => {
    const user = await signUp(stack.routerUrl);
    const stream = await postRaw('/api/v1/generate/slides', { content: OUTLINE_FIXTURE(), language: '中文', style: '学术风', model: 'glm-4.7-flash', stream: true }, { authorization: `Bearer ${user.token}` });
    const events = legacyEvents(stream);
    expect(events.slice(0, 2).map(kindOf)).toEqual(['start', 'prompt_ready']);
    const slides = events.slice(2, -1);
    expect(slides.length).toBeGreaterThan(5);
    for (const slide of slides) {
      expect(slide).not.toHaveProperty('event');
      expect(typeof slide.type).toBe('string');
      expect(slide.data).toBeTruthy();
    }
    expect(slides[0]).toMatchObject({ type: 'cover', data: { title: '5G技术如何改变我们的生活' } });
    expect(slides[1]!.type).toBe('contents');
    expect(slides.at(-1)).toEqual({ type: 'end', data: {} });
    expect(events.at(-1)).toMatchObject({ event: 'complete', data: { total_slides: slides.length, generation_time: expect.any(Number) } });
  });

  it('answers a request without an outline with HTTP 200 and an error event', async () => {
    const events = legacyEvents(await postRaw('/api/v1/generate/slides', { language: '中文', style: '通用' }));
    expect(events).toEqual([{ event: 'error', data: { error: expect.stringContaining('content'), code: 'SLIDES_GENERATION_ERROR' } }]);
  });
});

describe('PPTist /tools', () => {
  it('POST /tools/aippt_outline streams plain markdown, not SSE frames', async () => {
    const stream = await postRaw('/tools/aippt_outline', { content: '人工智能的未来', language: '中文', model: 'glm-4.7-flash', stream: true });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('access-control-allow-origin')).toBe('*');
    expect(stream.headers.get('content-encoding')).toBeNull();
    expect(stream.text).toMatch(/^# 人工智能的未来/);
    expect(stream.text).toMatch(/\n## .+\n### .+\n- /);
    expect(stream.text).not.toMatch(/^data:/m);
  });

  it('POST /tools/aippt streams JSON Lines, one whole slide per line and no line split across reads', async () => {
    const user = await signUp(stack.routerUrl);
    const stream = await postRaw('/tools/aippt', { content: OUTLINE_FIXTURE(), language: '中文', style: '通用', model: 'doubao-seed-1.6-flash', stream: true }, { authorization: `Bearer ${user.token}` });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('access-control-allow-origin')).toBe('*');
    // PPTist's reader: split each read on newlines, parse every non-empty piece, carry nothing over.
    const slides: Record<string, any>[] = [];
    for (const chunk of stream.chunks) {
      expect(chunk.endsWith('\n')).toBe(true);
      for (const line of chunk.split('\n').filter((l) => l.trim() !== '')) slides.push(JSON.parse(line) as Record<string, any>);
    }
    for (const slide of slides) {
      expect(typeof slide.type).toBe('string');
      expect(slide.data).toBeTruthy();
    }
    expect(slides.map((s) => s.type).slice(0, 3)).toEqual(['cover', 'contents', 'transition']);
    expect(slides.at(-1)).toEqual({ type: 'end', data: {} });
    expect(stream.text.split('\n').filter(Boolean)).toHaveLength(slides.length);
  });

  it('answers the CORS preflight', async () => {
    const response = await fetch(`${stack.routerUrl}/tools/aippt`, {
      method: 'OPTIONS',
      headers: { origin: 'http://pptist.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
  });

  it.each([
    ['/tools/aippt_outline', 'no content', { language: '中文' }],
    ['/tools/aippt', 'a blank outline', { content: '   ', language: '中文' }],
    ['/tools/aippt', 'a body that is not JSON', '{"content":'],
  ])('%s refuses %s with {"state": -1}', async (path, _label, body) => {
    const stream = await postRaw(path, body);
    expect(stream.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(stream.text)).toEqual({ state: -1 });
  });

  describe('with TOOLS_REQUIRE_TOKEN', () => {
    let strict: RunningServer;
    beforeAll(async () => {
      const { users, decks, ai, media } = stack.subgraphUrls;
      const config = parseConfig({ ...process.env, USERS_URL: users, DECKS_URL: decks, AI_URL: ai, MEDIA_URL: media, LEGACY_ANONYMOUS_ACCESS: 'true', TOOLS_REQUIRE_TOKEN: 'true' });
      strict = await createRouterServer({ config }).listen(0);
    });
    afterAll(async () => {
      await strict?.close();
    });

    it('refuses anonymous callers with {"state": -1}, even with legacy anonymous access on', async () => {
      const stream = await postRaw('/tools/aippt_outline', { content: 'Tides', language: 'English' }, {}, strict.url);
      expect(stream.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(stream.text)).toEqual({ state: -1 });
    });

    it('refuses a forged token with {"state": -1}', async () => {
      const stream = await postRaw('/tools/aippt_outline?token=forged.token.value', { content: 'Tides', language: 'English' }, {}, strict.url);
      expect(JSON.parse(stream.text)).toEqual({ state: -1 });
    });

    it('streams for a token given as ?token= or as a Bearer header', async () => {
      const user = await signUp(stack.routerUrl);
      const byQuery = await postRaw(`/tools/aippt_outline?token=${user.token}`, { content: 'Tides', language: 'English' }, {}, strict.url);
      expect(byQuery.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(byQuery.text).toMatch(/^# Tides/);
      const byHeader = await postRaw('/tools/aippt_outline', { content: 'Tides', language: 'English' }, { authorization: `Bearer ${user.token}` }, strict.url);
      expect(byHeader.text).toMatch(/^# Tides/);
    });
  });
});

// ------------------------------------------------------------------------------- /generations

async function call(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${stack.routerUrl}${path}`, {
    method,
    headers: { ...(options.token && { authorization: `Bearer ${options.token}` }), ...(options.body !== undefined && { 'content-type': 'application/json' }), ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null) as Record<string, any> };
}

interface SseEvent {
  id?: string;
  data: { seq: number; type: string; payload: Record<string, any>; at: string };
}

/** Reads a /generations/{id}/events stream to its end (it ends after the job's last event). */
async function readJobEvents(jobId: string, token: string, headers: Record<string, string> = {}, query = ''): Promise<{ status: number; events: SseEvent[]; lines: string[] }> {
  const response = await fetch(`${stack.routerUrl}/api/v1/generations/${jobId}/events${query}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const text = await response.text();
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n').filter(Boolean)) {
    const lines = block.split('\n').filter((line) => !line.startsWith(':') && !line.startsWith('retry:'));
    if (lines.length === 0) continue;
    const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
    const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
    if (data) events.push({ id, data: JSON.parse(data) as SseEvent['data'] });
  }
  return { status: response.status, events, lines: text.split('\n') };
}

describe('/api/v1/generations', () => {
  it('refuses callers without a token with 401', async () => {
    expect((await call('POST', '/api/v1/generations', { body: { topic: 'x' } })).status).toBe(401);
    expect((await call('GET', '/api/v1/generations/00000000-0000-4000-8000-000000000000')).status).toBe(401);
    expect((await call('GET', '/api/v1/generations/00000000-0000-4000-8000-000000000000/events')).status).toBe(401);
  });

  it('creates a job (201), returns the same job for the same idempotency key (200) and reads it back', async () => {
    const user = await signUp(stack.routerUrl);
    const key = `rest-${Date.now()}`;
    const created = await call('POST', '/api/v1/generations', { token: user.token, body: { topic: 'Solar power', language: 'en', slide_count: 5, style: 'business', idempotency_key: key } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'success' });
    expect(created.body.data).toMatchObject({
      id: expect.any(String),
      mode: 'deck',
      status: expect.stringMatching(/^(queued|running|succeeded)$/),
      progress: { stage: expect.any(String), slides_done: expect.any(Number), slides_total: 5 },
      topic: 'Solar power',
      language: 'en',
      style: 'business',
      degraded: expect.any(Boolean),
      error: null,
      error_code: null,
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), cost_usd: expect.any(Number) },
      owner_id: user.userId,
      created_at: expect.any(String),
    });
    expect(created.body.data).toHaveProperty('deck_id');
    const again = await call('POST', '/api/v1/generations', { token: user.token, body: { topic: 'Solar power', idempotency_key: key } });
    expect(again.status).toBe(200);
    expect(again.body.data.id).toBe(created.body.data.id);

    await readJobEvents(created.body.data.id, user.token);
    const read = await call('GET', `/api/v1/generations/${created.body.data.id}`, { token: user.token });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ id: created.body.data.id, status: 'succeeded', deck_id: expect.any(String), progress: { stage: 'done' } });
  });

  it.each([
    ['a slide count out of range', { topic: 'x', slide_count: 3 }, 'slide_count'],
    ['a slide count that is not a number', { topic: 'x', slide_count: 'ten' }, 'slide_count'],
    ['neither topic nor outline', { language: 'en' }, 'topic'],
  ])('answers %s with 400 naming the field', async (_label, body, field) => {
    const user = await signUp(stack.routerUrl);
    const response = await call('POST', '/api/v1/generations', { token: user.token, body });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: 'error', error_code: 'INVALID_REQUEST', error_details: { field } });
  });

  it("keeps jobs private: another user's job is 403, a missing one 404", async () => {
    const owner = await signUp(stack.routerUrl);
    const other = await signUp(stack.routerUrl);
    const created = await call('POST', '/api/v1/generations', { token: owner.token, body: { topic: 'Private', mode: 'outline' } });
    expect(created.status).toBe(201);
    expect((await call('GET', `/api/v1/generations/${created.body.data.id}`, { token: other.token })).body).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect((await call('GET', `/api/v1/generations/${created.body.data.id}/events`, { token: other.token })).status).toBe(403);
    expect((await call('POST', `/api/v1/generations/${created.body.data.id}/cancel`, { token: other.token, body: {} })).status).toBe(403);
    expect((await call('GET', '/api/v1/generations/00000000-0000-4000-8000-000000000000', { token: other.token })).status).toBe(404);
    expect((await call('GET', '/api/v1/generations/not-an-id', { token: other.token })).status).toBe(404);
  });

  it('streams events as SSE with id lines, resumes after Last-Event-ID, and refuses to cancel a finished job (409)', async () => {
    const user = await signUp(stack.routerUrl);
    const created = await call('POST', '/api/v1/generations', { token: user.token, body: { topic: 'Coral reefs', mode: 'outline', language: 'en' } });
    const jobId = created.body.data.id as string;
    const all = await readJobEvents(jobId, user.token);
    expect(all.status).toBe(200);
    const seqs = all.events.map((e) => e.data.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(all.events.every((e) => e.id === String(e.data.seq))).toBe(true);
    expect(all.events[0]!.data).toMatchObject({ type: 'QUEUED', payload: { stage: 'queued' }, at: expect.any(String) });
    expect(all.events.at(-1)!.data.type).toBe('SUCCEEDED');
    expect(all.events.some((e) => e.data.type === 'OUTLINE_READY')).toBe(true);
    // Nothing but id/data lines, retry and comments.
    expect(all.lines.filter((line) => line && !/^(id: \d+|data: \{.*\}|retry: \d+|: .*)$/.test(line))).toEqual([]);

    const third = all.events[2]!.id!;
    const resumed = await readJobEvents(jobId, user.token, { 'last-event-id': third }, '?after=0');
    expect(resumed.events[0]!.data.seq).toBe(4);
    expect(resumed.events.map((e) => e.data.seq)).toEqual(seqs.slice(3));
    expect((await readJobEvents(jobId, user.token, {}, '?after=3')).events.map((e) => e.data.seq)).toEqual(seqs.slice(3));

    // Caught up on a finished job: 204 stops an EventSource from reconnecting.
    const caughtUp = await readJobEvents(jobId, user.token, { 'last-event-id': String(seqs.at(-1)) });
    expect(caughtUp.status).toBe(204);
    expect((await call('GET', `/api/v1/generations/${jobId}/events?after=-1`, { token: user.token })).status).toBe(400);

    const cancel = await call('POST', `/api/v1/generations/${jobId}/cancel`, { token: user.token, body: {} });
    expect(cancel.status).toBe(409);
    expect(cancel.body).toMatchObject({ status: 'error', error_code: 'ALREADY_FINISHED', error_details: { status: 'succeeded' } });
  });
});
