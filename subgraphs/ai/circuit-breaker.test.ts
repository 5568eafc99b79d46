import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedis } from '../../lib/redis.js';
import { CircuitBreaker } from './circuit-breaker.js';

// Two connections stand for two worker processes.
const redisA = createRedis('breaker-test-a');
const redisB = createRedis('breaker-test-b');
afterAll(() => {
  redisA.disconnect();
  redisB.disconnect();
});

const options = { failureThreshold: 3, windowMs: 10_000, openMs: 200 };
const modelKey = () => `test-model-${randomUUID()}`;

async function trip(breaker: CircuitBreaker, model: string): Promise<void> {
  for (let i = 0; i < options.failureThreshold; i++) await breaker.recordFailure(model);
}

it('stays closed below the threshold and opens at it', async () => {
  const breaker = new CircuitBreaker(redisA, options);
  const model = modelKey();
  expect(await breaker.state(model)).toBe('closed');
  expect(await breaker.recordFailure(model)).toBe('closed');
  expect(await breaker.recordFailure(model)).toBe('closed');
  expect(await breaker.acquire(model)).toEqual({ allowed: true, probe: false, state: 'closed' });
  expect(await breaker.recordFailure(model)).toBe('open');
  expect(await breaker.state(model)).toBe('open');
});

it('forgets failures after a success', async () => {
  const breaker = new CircuitBreaker(redisA, options);
  const model = modelKey();
  await breaker.recordFailure(model);
  await breaker.recordFailure(model);
  await breaker.recordSuccess(model);
  expect(await breaker.recordFailure(model)).toBe('closed');
  expect(await breaker.state(model)).toBe('closed');
});

it('counts failures only within the window', async () => {
  const breaker = new CircuitBreaker(redisA, { ...options, windowMs: 150 });
  const model = modelKey();
  await breaker.recordFailure(model);
  await breaker.recordFailure(model);
  await sleep(250);
  expect(await breaker.recordFailure(model)).toBe('closed');
});

it('refuses every caller while open, on every worker', async () => {
  const a = new CircuitBreaker(redisA, options);
  const b = new CircuitBreaker(redisB, options);
  const model = modelKey();
  await trip(a, model);
  const decisions = await Promise.all([a.acquire(model), b.acquire(model), b.acquire(model)]);
  expect(decisions).toEqual(Array(3).fill({ allowed: false, probe: false, state: 'open' }));
  expect(await b.state(model)).toBe('open');
  // A success from a call let through before the breaker opened does not close it.
  expect(await b.recordSuccess(model)).toBe('open');
  expect(await a.state(model)).toBe('open');
});

it('half-opens after openMs and lets exactly one probe through among concurrent workers', async () => {
  const a = new CircuitBreaker(redisA, options);
  const b = new CircuitBreaker(redisB, options);
  const model = modelKey();
  await trip(a, model);
  await sleep(options.openMs + 50);
  expect(await b.state(model)).toBe('half_open');

  const decisions = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).acquire(model)));
  const probes = decisions.filter((d) => d.probe);
  expect(probes).toEqual([{ allowed: true, probe: true, state: 'half_open' }]);
  expect(decisions.filter((d) => d.allowed)).toHaveLength(1);
  expect(decisions.filter((d) => !d.allowed).every((d) => d.state === 'half_open')).toBe(true);
});

it('closes when the probe succeeds', async () => {
  const a = new CircuitBreaker(redisA, options);
  const b = new CircuitBreaker(redisB, options);
  const model = modelKey();
  await trip(a, model);
  await sleep(options.openMs + 50);
  expect((await b.acquire(model)).probe).toBe(true);
  expect(await b.recordSuccess(model)).toBe('closed');

  expect(await a.state(model)).toBe('closed');
  expect(await a.acquire(model)).toEqual({ allowed: true, probe: false, state: 'closed' });
  // The failure count starts again from zero.
  expect(await a.recordFailure(model)).toBe('closed');
});

it('re-opens for a full openMs when the probe fails, then probes again', async () => {
  const a = new CircuitBreaker(redisA, options);
  const b = new CircuitBreaker(redisB, options);
  const model = modelKey();
  await trip(a, model);
  await sleep(options.openMs + 50);
  expect((await a.acquire(model)).probe).toBe(true);
  expect(await a.recordFailure(model)).toBe('open');

  expect(await b.acquire(model)).toEqual({ allowed: false, probe: false, state: 'open' });
  await sleep(options.openMs / 2);
  expect(await b.state(model)).toBe('open');
  await sleep(options.openMs / 2 + 50);
  expect(await b.acquire(model)).toEqual({ allowed: true, probe: true, state: 'half_open' });
  expect(await a.acquire(model)).toEqual({ allowed: false, probe: false, state: 'half_open' });
});

it('frees the probe slot when its holder never reports back', async () => {
  const breaker = new CircuitBreaker(redisA, { ...options, probeTtlMs: 150 });
  const model = modelKey();
  await trip(breaker, model);
  await sleep(options.openMs + 50);
  expect((await breaker.acquire(model)).probe).toBe(true);
  expect((await breaker.acquire(model)).allowed).toBe(false);
  await sleep(200);
  expect(await breaker.acquire(model)).toEqual({ allowed: true, probe: true, state: 'half_open' });
});

it('keeps its state under pptist:breaker:<model>', async () => {
  const breaker = new CircuitBreaker(redisA, options);
  const model = modelKey();
  await trip(breaker, model);
  expect(await redisB.keys(`pptist:breaker:${model}*`)).toEqual([`pptist:breaker:${model}`]);
  expect(await redisB.pttl(`pptist:breaker:${model}`)).toBeGreaterThan(0);
});
