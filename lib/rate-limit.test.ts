import { rejections } from './metrics.js';
import { RateLimiter } from './rate-limit.js';
import { createRedis } from './redis.js';

const redis = createRedis('rate-limit-test');
afterAll(() => redis.disconnect());

it('lets `max` requests through per window, refuses the next with a retry time, and recovers', async () => {
  const limiter = new RateLimiter(redis, `test:${process.pid}:${Date.now()}`);
  const limit = { name: 'unit', max: 3, windowSeconds: 1 };
  // Start at the beginning of a window so the four requests share it.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
  const decisions = [];
  for (let i = 0; i < 4; i++) decisions.push(await limiter.consume(limit, 'alice'));
  expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
  expect(decisions[3]!.retryAfterSeconds).toBe(1);
  expect((await limiter.consume(limit, 'bob')).allowed).toBe(true);

  const before = rejections.get({ layer: 'test', reason: 'rate_limited_unit' });
  await expect(limiter.enforce(limit, 'alice', 'test')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfter: 1 } });
  expect(rejections.get({ layer: 'test', reason: 'rate_limited_unit' })).toBe(before + 1);

  await new Promise((r) => setTimeout(r, 1100));
  expect((await limiter.consume(limit, 'alice')).allowed).toBe(true);
});

it('forgets a subject on reset', async () => {
  const limiter = new RateLimiter(redis, `test:${process.pid}:${Date.now()}:reset`);
  const limit = { name: 'unit', max: 1, windowSeconds: 60 };
  await limiter.consume(limit, 'carol');
  expect((await limiter.consume(limit, 'carol')).allowed).toBe(false);
  await limiter.reset(limit, 'carol');
  expect((await limiter.consume(limit, 'carol')).allowed).toBe(true);
});
