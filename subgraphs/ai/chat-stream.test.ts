import { APIError, AuthenticationError } from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from '../../test/fake-openai.js';
import { estimateTokens, streamChatOnce, type ChatStreamRequest } from './chat-stream.js';
import { classifyModelError, DroppedStreamError, ModelTimeoutError } from './model-errors.js';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

function request(overrides: Partial<ChatStreamRequest> = {}): ChatStreamRequest {
  return {
    baseUrl: fake.url,
    apiKey: 'sk-test-chat-stream',
    model: 'fake-model',
    messages: [
      { role: 'system', content: 'You write slide outlines.' },
      { role: 'user', content: 'An outline about tides' },
    ],
    signal: new AbortController().signal,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

it('streams the pieces in order and reads the reported usage', async () => {
  fake.script({ text: 'Tides rise and fall twice a day.', chunkSize: 5, usage: { prompt_tokens: 21, completion_tokens: 9 } });
  const pieces: string[] = [];
  const result = await streamChatOnce(request({ temperature: 0.3, maxTokens: 200 }), (piece) => pieces.push(piece));

  expect(pieces).toEqual(['Tides', ' rise', ' and ', 'fall ', 'twice', ' a da', 'y.']);
  expect(result).toEqual({ text: 'Tides rise and fall twice a day.', finishReason: 'stop', usage: { promptTokens: 21, completionTokens: 9, estimated: false } });

  expect(fake.requests).toHaveLength(1);
  const sent = fake.requests[0]!;
  expect(sent.path).toBe('/v1/chat/completions');
  expect(sent.headers.authorization).toBe('Bearer sk-test-chat-stream');
  expect(sent.body).toMatchObject({
    model: 'fake-model',
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0.3,
    max_tokens: 200,
    messages: [
      { role: 'system', content: 'You write slide outlines.' },
      { role: 'user', content: 'An outline about tides' },
    ],
  });
});

it('estimates usage when the provider reports none', async () => {
  fake.script({ text: '潮汐每天涨落两次', usage: null });
  const result = await streamChatOnce(request({ messages: [{ role: 'user', content: 'abcdefgh' }] }), () => {});
  expect(result.text).toBe('潮汐每天涨落两次');
  // 8 CJK characters; 8 Latin characters / 4 + 4 tokens of message framing.
  expect(result.usage).toEqual({ promptTokens: 6, completionTokens: 8, estimated: true });
  expect(estimateTokens('Hello, 世界!')).toBe(2 + Math.ceil(8 / 4));
});

it('turns a stream whose socket dies into a transient DroppedStreamError', async () => {
  fake.script({ cutAfterChars: 10, text: 'Tides rise and fall twice a day.', chunkSize: 5 });
  const pieces: string[] = [];
  const error = await failure(streamChatOnce(request(), (piece) => pieces.push(piece)));

  expect(error).toBeInstanceOf(DroppedStreamError);
  expect(pieces.join('')).toBe('Tides rise');
  expect((error as DroppedStreamError).receivedChars).toBe(10);
  expect(classifyModelError(error)).toMatchObject({ kind: 'transient' });
});

it('treats a stream that ends without a finish reason as dropped', async () => {
  fake.script({ cutAfterChars: 5, text: 'Tides rise', endCleanly: true });
  const error = await failure(streamChatOnce(request(), () => {}));
  expect(error).toBeInstanceOf(DroppedStreamError);
  expect(classifyModelError(error)).toMatchObject({ kind: 'transient' });
});

it('classifies an error event in the middle of the stream as transient', async () => {
  fake.script({ errorEvent: true, textBefore: 'Tides', error: { message: 'upstream overloaded', type: 'server_error' } });
  const error = await failure(streamChatOnce(request(), () => {}));
  expect(error).toBeInstanceOf(APIError);
  expect(classifyModelError(error)).toEqual({ kind: 'transient', message: 'upstream overloaded' });
});

it('classifies an error event carrying an upstream status by that status', async () => {
  fake.script({ errorEvent: true, error: { message: 'context too long', code: 400 } });
  expect(classifyModelError(await failure(streamChatOnce(request(), () => {})))).toMatchObject({ kind: 'permanent', status: 400 });
});

it('classifies 401 as permanent and 429/503 as transient with their Retry-After', async () => {
  fake.script({ status: 401 });
  const unauthorized = await failure(streamChatOnce(request({ apiKey: 'sk-wrong' }), () => {}));
  expect(unauthorized).toBeInstanceOf(AuthenticationError);
  expect(classifyModelError(unauthorized)).toMatchObject({ kind: 'permanent', status: 401 });

  fake.script({ status: 429, retryAfter: '7' }, { status: 503, retryAfterMs: 1500 }, { status: 400 });
  expect(classifyModelError(await failure(streamChatOnce(request(), () => {})))).toMatchObject({ kind: 'transient', status: 429, retryAfterMs: 7000 });
  expect(classifyModelError(await failure(streamChatOnce(request(), () => {})))).toMatchObject({ kind: 'transient', status: 503, retryAfterMs: 1500 });
  expect(classifyModelError(await failure(streamChatOnce(request(), () => {})))).toMatchObject({ kind: 'permanent', status: 400 });
});

it('reads Retry-After given as an HTTP date', async () => {
  fake.script({ status: 429, retryAfter: new Date(Date.now() + 5000).toUTCString() });
  const { retryAfterMs } = classifyModelError(await failure(streamChatOnce(request(), () => {})));
  // HTTP dates have whole seconds.
  expect(retryAfterMs).toBeGreaterThan(3000);
  expect(retryAfterMs).toBeLessThanOrEqual(5000);
});

it.each([
  ['no answer at all', { hang: true as const }],
  ['headers but no first chunk', { text: 'late', firstTokenDelayMs: 5000 }],
])('times out when the model sends %s before the first-token timeout', async (_case, reply) => {
  fake.script(reply);
  const error = await failure(streamChatOnce(request({ firstTokenTimeoutMs: 150 }), () => {}));
  expect(error).toBeInstanceOf(ModelTimeoutError);
  expect(error).toMatchObject({ phase: 'first_token', timeoutMs: 150 });
  expect(classifyModelError(error)).toMatchObject({ kind: 'transient' });
});

it('times out when the stream stalls between chunks', async () => {
  fake.script({ text: 'slow and steady', chunkSize: 4, delayMs: 1000 });
  const pieces: string[] = [];
  const error = await failure(streamChatOnce(request({ idleTimeoutMs: 150 }), (piece) => pieces.push(piece)));
  expect(error).toMatchObject({ name: 'ModelTimeoutError', phase: 'idle' });
  expect(pieces).toEqual(['slow']);
  expect(classifyModelError(error)).toMatchObject({ kind: 'transient' });
});

it.each([
  ['before the answer starts', { hang: true as const }],
  ['in the middle of the stream', { text: 'a long answer that streams slowly', chunkSize: 2, delayMs: 100 }],
])('reports an abort %s as aborted', async (_case, reply) => {
  fake.script(reply);
  const controller = new AbortController();
  const pieces: string[] = [];
  setTimeout(() => controller.abort(), 250);
  const error = await failure(streamChatOnce(request({ signal: controller.signal }), (piece) => pieces.push(piece)));
  expect(classifyModelError(error)).toMatchObject({ kind: 'aborted' });
  if ('text' in reply) expect(pieces.join('').length).toBeLessThan(reply.text.length);
});

it('rejects at once when the signal is already aborted, without a request', async () => {
  const error = await failure(streamChatOnce(request({ signal: AbortSignal.abort() }), () => {}));
  expect(classifyModelError(error)).toMatchObject({ kind: 'aborted' });
  expect(fake.requests).toHaveLength(0);
});

it('lets an exception from the text callback through unchanged', async () => {
  fake.script({ text: 'boom' });
  const bug = new Error('renderer bug');
  const error = await failure(
    streamChatOnce(request(), () => {
      throw bug;
    }),
  );
  expect(error).toBe(bug);
  expect(classifyModelError(error)).toMatchObject({ kind: 'permanent' });
});

it('serves the model list', async () => {
  const response = await fetch(`${fake.url}/models`);
  expect(await response.json()).toMatchObject({ object: 'list', data: [{ id: 'fake-model' }, { id: 'fake-model-large' }] });
});
