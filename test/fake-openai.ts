// A local OpenAI-compatible server for tests that drive the real openai SDK: scripted replies (text
// streams, rate limits, server errors, dropped streams, error events, silence) and a record of every
// request it received.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export type FakeReply =
  | {
      text: string;
      /** Characters per chunk (default 4); a function is asked again for each chunk (a varied pace). */
      chunkSize?: number | (() => number);
      /** Pause between chunks; a function is asked again for each pause. */
      delayMs?: number | (() => number);
      /** Called as each content chunk is handed to the socket, with where it starts in `text` (benchmarks time the stream from here). */
      onChunk?: (chunk: { text: string; offset: number }) => void;
      /** Pause after the headers, before the first chunk. */
      firstTokenDelayMs?: number;
      /** Reported when the request asks for it; null never reports usage (as some providers do). */
      usage?: FakeUsage | null;
      finishReason?: string;
    }
  | {
      /** 429, 500, 502, 503, 401, 400, … with an OpenAI-style error body unless `body` is given. */
      status: number;
      /** The Retry-After header: delta-seconds or an HTTP date. */
      retryAfter?: string;
      /** The retry-after-ms header. */
      retryAfterMs?: number;
      body?: unknown;
    }
  | {
      /** Streams this many characters of `text`, then destroys the socket (a dropped stream). */
      cutAfterChars: number;
      text: string;
      chunkSize?: number;
      delayMs?: number;
      /** End the response politely (no finish_reason, no [DONE]) instead of destroying the socket. */
      endCleanly?: boolean;
    }
  | {
      /** An SSE `data` object with an `error` field, after `textBefore` was streamed. */
      errorEvent: true;
      textBefore?: string;
      error?: { message: string; type?: string; code?: string | number | null };
    }
  | {
      /** Never answers (not even headers) until the client gives up. */
      hang: true;
    };

export interface ChatRequestBody {
  model?: string;
  messages?: Array<{ role: string; content: unknown }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [field: string]: unknown;
}

export type FakeScript = FakeReply | ((body: ChatRequestBody) => FakeReply);

/** An 8×8 PNG: what POST /v1/images/generations draws unless told otherwise. */
export const FAKE_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAEUlEQVR4nGM4Y5yGFTEMLQkA+UZZQaNAEfcAAAAASUVORK5CYII=';

/** A reply to an image generation: the picture (base64; default FAKE_PNG_BASE64), or an error status as for chat. */
export type FakeImageReply = { b64_json?: string; output_format?: 'png' | 'jpeg' | 'webp' } | Extract<FakeReply, { status: number }>;

export interface RecordedRequest {
  method: string;
  path: string;
  /** Parsed JSON body (null without one). */
  body: ChatRequestBody | null;
  headers: IncomingHttpHeaders;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface FakeOpenAI {
  /** Base URL ending in /v1, for `new OpenAI({ baseURL })`. */
  url: string;
  /** Queues replies for the next chat completion requests, in order. */
  script(...replies: FakeScript[]): void;
  requests: RecordedRequest[];
  /** The reply once the script is used up. */
  setDefault(reply: FakeScript): void;
  /** Queues replies for the next image generation requests, in order (then: FAKE_PNG_BASE64). */
  scriptImages(...replies: FakeImageReply[]): void;
  close(): Promise<void>;
}

export const FAKE_DEFAULT_TEXT = 'Hello from the fake model.';
export const FAKE_MODELS = ['fake-model', 'fake-model-large'];

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queue: FakeScript[] = [];
  let fallback: FakeScript = { text: FAKE_DEFAULT_TEXT };
  const requests: RecordedRequest[] = [];
  let completionCount = 0;
  const imageReplies: FakeImageReply[] = [];

  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: ChatRequestBody | null = null;
      try {
        body = raw ? (JSON.parse(raw) as ChatRequestBody) : null;
      } catch {
        sendJson(res, 400, errorBody('request body is not JSON', 'invalid_request_error'));
        return;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? 'GET', path, body, headers: req.headers, at });

      if (req.method === 'GET' && path === '/v1/models') {
        sendJson(res, 200, { object: 'list', data: FAKE_MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })) });
        return;
      }
      if (req.method === 'POST' && path === '/v1/chat/completions' && body) {
        const next = queue.shift() ?? fallback;
        const reply = typeof next === 'function' ? next(body) : next;
        void answer(res, body, reply, `chatcmpl-fake-${++completionCount}`);
        return;
      }
      if (req.method === 'POST' && path === '/v1/images/generations' && body) {
        const reply = imageReplies.shift() ?? {};
        if ('status' in reply) void answer(res, body, reply, 'unused');
        else sendJson(res, 200, { created: Math.floor(Date.now() / 1000), data: [{ b64_json: reply.b64_json ?? FAKE_PNG_BASE64 }], ...(reply.output_format && { output_format: reply.output_format }) });
        return;
      }
      sendJson(res, 404, errorBody(`no route for ${req.method} ${path}`, 'invalid_request_error'));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    script: (...replies) => void queue.push(...replies),
    requests,
    setDefault: (reply) => void (fallback = reply),
    scriptImages: (...replies) => void imageReplies.push(...replies),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging replies and the SDK's keep-alive sockets would hold close() open forever.
        server.closeAllConnections();
      }),
  };
}

async function answer(res: ServerResponse, body: ChatRequestBody, reply: FakeReply, id: string): Promise<void> {
  // The client gave up (abort, timeout): stop writing, and end pending pauses so no timer outlives
  // the test.
  let gone = false;
  const wakeups = new Set<() => void>();
  res.on('close', () => {
    gone = true;
    for (const wake of wakeups) wake();
  });
  const pause = (ms: number | undefined) =>
    new Promise<void>((resolve) => {
      if (!ms || gone) return resolve();
      const wake = () => {
        clearTimeout(timer);
        wakeups.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakeups.add(wake);
    });

  if ('hang' in reply) return;
  if ('status' in reply) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
    if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
    res.writeHead(reply.status, headers).end(JSON.stringify(reply.body ?? errorBody(`fake error ${reply.status}`, errorType(reply.status))));
    return;
  }

  const model = body.model ?? 'fake-model';
  const created = Math.floor(Date.now() / 1000);
  const includeUsage = body.stream_options?.include_usage === true;
  const text = 'errorEvent' in reply ? (reply.textBefore ?? '') : 'cutAfterChars' in reply ? reply.text.slice(0, reply.cutAfterChars) : reply.text;
  const usage = 'usage' in reply && reply.usage !== undefined ? reply.usage : defaultUsage(body, text);

  if (!body.stream) {
    if ('errorEvent' in reply) {
      sendJson(res, 500, { error: reply.error ?? { message: 'fake error event', type: 'server_error', code: null } });
      return;
    }
    if ('cutAfterChars' in reply) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify(completion(id, model, created, reply.text, 'stop', usage)).slice(0, reply.cutAfterChars));
      if (reply.endCleanly) res.end();
      else res.destroy();
      return;
    }
    await pause(reply.firstTokenDelayMs);
    if (!gone) sendJson(res, 200, completion(id, model, created, text, reply.finishReason ?? 'stop', usage));
    return;
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  // Resolves once the event has left for the socket, so a drop that follows cannot discard it.
  const send = (data: unknown) =>
    new Promise<void>((resolve) => {
      if (gone) return resolve();
      wakeups.add(resolve);
      res.write(`data: ${JSON.stringify(data)}\n\n`, () => {
        wakeups.delete(resolve);
        resolve();
      });
    });
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });

  await pause('firstTokenDelayMs' in reply ? reply.firstTokenDelayMs : undefined);
  if (gone) return;
  await send(chunk({ role: 'assistant', content: '', refusal: null }, null));
  const chunkSize = ('chunkSize' in reply ? reply.chunkSize : undefined) ?? 4;
  const delayMs = 'delayMs' in reply ? reply.delayMs : undefined;
  const onChunk = 'onChunk' in reply ? reply.onChunk : undefined;
  const characters = [...text];
  for (let i = 0, offset = 0; i < characters.length; ) {
    if (i > 0) await pause(typeof delayMs === 'function' ? delayMs() : delayMs);
    if (gone) return;
    const size = Math.max(1, typeof chunkSize === 'function' ? chunkSize() : chunkSize);
    const content = characters.slice(i, i + size).join('');
    onChunk?.({ text: content, offset });
    await send(chunk({ content }, null));
    i += size;
    offset += content.length;
  }

  if ('cutAfterChars' in reply) {
    if (reply.endCleanly) res.end();
    else res.destroy();
    return;
  }
  if ('errorEvent' in reply) {
    await send({ error: reply.error ?? { message: 'fake error event', type: 'server_error', code: null } });
    res.end();
    return;
  }
  await send(chunk({}, reply.finishReason ?? 'stop'));
  if (includeUsage && usage) {
    await send({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake', choices: [], usage: withTotal(usage) });
  }
  res.end('data: [DONE]\n\n');
}

function completion(id: string, model: string, created: number, text: string, finishReason: string, usage: FakeUsage | null) {
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finishReason }],
    ...(usage ? { usage: withTotal(usage) } : {}),
  };
}

// Deterministic stand-ins for real counts: one token per 4 characters of prompt and of answer.
function defaultUsage(body: ChatRequestBody, text: string): FakeUsage {
  const promptChars = (body.messages ?? []).reduce((sum, m) => sum + (typeof m.content === 'string' ? m.content.length : JSON.stringify(m.content).length), 0);
  return { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.ceil(text.length / 4) };
}

function withTotal(usage: FakeUsage) {
  return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
}

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function errorBody(message: string, type: string) {
  return { error: { message, type, param: null, code: null } };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}
