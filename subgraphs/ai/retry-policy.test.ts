import { startFakeOpenAI, type FakeOpenAI } from '../../test/fake-openai.js';
import { streamChatOnce } from './chat-stream.js';
import { classifyModelError } from './model-errors.js';
import { DEFAULT_RETRY_POLICY, retryDelayMs, withRetries, type RetryInfo, type RetryPolicy } from './retry-policy.js';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

// mulberry32: a small seeded generator, so jitter is reproducible.
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fast: Partial<RetryPolicy> = { baseDelayMs: 10, maxDelayMs: 80 };

function chat(signal = new AbortController().signal) {
  return () =>
    streamChatOnce({ baseUrl: fake.url, apiKey: 'sk-test-retry', model: 'fake-model', messages: [{ role: 'user', content: 'Outline: volcanoes' }], signal }, () => {});
}

describe('retryDelayMs', () => {
  it('grows exponentially up to maxDelay, within the full-jitter bounds', () => {
    const policy = DEFAULT_RETRY_POLICY;
    const random = seeded(42);
    const ceilings = [500, 1000, 2000, 4000, 8000, 8000, 8000];
    ceilings.forEach((ceiling, attempt) => {
      const delay = retryDelayMs(attempt, policy, undefined, random)!;
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling);
    });
    // At the top of the jitter range, each delay doubles until the cap.
    const top = () => 0.999999;
    expect(ceilings.map((_, attempt) => retryDelayMs(attempt, policy, undefined, top))).toEqual([499, 999, 1999, 3999, 7999, 7999, 7999]);
    expect(retryDelayMs(3, policy, undefined, () => 0)).toBe(0);
  });

  it('never waits less than Retry-After, and gives up beyond maxRetryAfterMs', () => {
    expect(retryDelayMs(0, DEFAULT_RETRY_POLICY, 3000, () => 0.5)).toBe(3000);
    expect(retryDelayMs(4, DEFAULT_RETRY_POLICY, 100, () => 0.5)).toBe(4000);
    expect(retryDelayMs(0, DEFAULT_RETRY_POLICY, 30_000, () => 0)).toBe(30_000);
    expect(retryDelayMs(0, DEFAULT_RETRY_POLICY, 30_001, () => 0)).toBeNull();
  });

  it('feeds withRetries the same sequence for the same seed', async () => {
    const slept: number[] = [];
    const run = (seed: number) =>
      withRetries(
        async () => {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        },
        { policy: { maxAttempts: 5 }, random: seeded(seed), sleep: async (ms) => void slept.push(ms) },
      ).catch(() => {});
    await run(7);
    const first = slept.splice(0);
    await run(7);
    expect(slept).toEqual(first);
    expect(first).toHaveLength(4);
    first.forEach((delay, attempt) => expect(delay).toBeLessThan(500 * 2 ** attempt));
  });
});

describe('withRetries against the model', () => {
  it('honours Retry-After between the two requests', async () => {
    fake.script({ status: 429, retryAfter: '1' }, { text: 'Volcanoes.' });
    const retries: RetryInfo[] = [];
    const result = await withRetries(chat(), { policy: fast, onRetry: (info) => retries.push(info) });

    expect(result.text).toBe('Volcanoes.');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(retries).toEqual([expect.objectContaining({ attempt: 0, delayMs: 1000, failure: expect.objectContaining({ status: 429, retryAfterMs: 1000 }) })]);
  });

  it('retries a 500 once and returns the answer', async () => {
    fake.script({ status: 500 }, { text: 'Volcanoes erupt.' });
    const attempts: number[] = [];
    const result = await withRetries(
      (attempt) => {
        attempts.push(attempt);
        return chat()();
      },
      { policy: fast },
    );
    expect(result.text).toBe('Volcanoes erupt.');
    expect(attempts).toEqual([0, 1]);
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a dropped stream', async () => {
    fake.script({ cutAfterChars: 4, text: 'Volcanoes erupt.' }, { text: 'Volcanoes erupt.' });
    expect((await withRetries(chat(), { policy: fast })).text).toBe('Volcanoes erupt.');
    expect(fake.requests).toHaveLength(2);
  });

  it('does not retry a 401', async () => {
    // Unscripted requests get the default answer, so a retry would succeed and be counted.
    fake.script({ status: 401 });
    const error = await withRetries(chat(), { policy: fast }).catch((e: unknown) => e);
    expect(classifyModelError(error)).toMatchObject({ kind: 'permanent', status: 401 });
    expect(fake.requests).toHaveLength(1);
  });

  it('stops after maxAttempts and rethrows the last failure', async () => {
    fake.script({ status: 500 }, { status: 502 }, { status: 503 });
    const error = await withRetries(chat(), { policy: { ...fast, maxAttempts: 3 } }).catch((e: unknown) => e);
    expect(classifyModelError(error)).toMatchObject({ kind: 'transient', status: 503 });
    expect(fake.requests).toHaveLength(3);
  });

  it('gives up at once when Retry-After is longer than maxRetryAfterMs', async () => {
    fake.script({ status: 429, retryAfter: '120' });
    const error = await withRetries(chat(), { policy: fast }).catch((e: unknown) => e);
    expect(classifyModelError(error)).toMatchObject({ status: 429, retryAfterMs: 120_000 });
    expect(fake.requests).toHaveLength(1);
  });

  it('stops promptly when aborted during the pause', async () => {
    fake.script({ status: 503, retryAfter: '20' });
    const controller = new AbortController();
    const started = Date.now();
    const pending = withRetries(chat(controller.signal), { policy: fast, signal: controller.signal, onRetry: () => setTimeout(() => controller.abort(), 50) });
    const error = await pending.catch((e: unknown) => e);

    expect(classifyModelError(error)).toMatchObject({ kind: 'aborted' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fake.requests).toHaveLength(1);
  });
});
