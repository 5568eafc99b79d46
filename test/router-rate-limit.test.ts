// The router's per-caller request rate: what a client sees when it is over the limit.
import { parseConfig } from '../lib/config.js';
import { gql, type Stack, signUp, startStack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ routerRequestsPerMinute: 10 });
});
afterAll(async () => {
  await stack?.close();
});

it('answers RATE_LIMITED with a retry time once a user is over the per-minute rate, and counts it', async () => {
  const user = await signUp(stack.routerUrl);
  const results = [];
  for (let i = 0; i < 12; i++) results.push(await gql(`${stack.routerUrl}/graphql`, '{ me { id } }', {}, user.token));
  const limited = results.filter((r) => r.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
  expect(limited.length).toBeGreaterThan(0);
  expect(limited[0]!.errors?.[0]?.extensions?.retryAfter).toEqual(expect.any(Number));
  expect(results.slice(0, 9).every((r) => r.data?.me?.id === user.userId)).toBe(true);
  const rest = await fetch(`${stack.routerUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${user.token}` } });
  expect(rest.status).toBe(429);
  expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
  const metrics = await (await fetch(`${stack.opsUrl}/metrics`)).text();
  expect(metrics).toMatch(/pptist_rejections_total\{[^}]*reason="rate_limited_requests_user"[^}]*\} [1-9]/);
});

it('keeps the default at 1200 a minute', () => {
  expect(parseConfig({ ...process.env, ROUTER_REQUESTS_PER_MINUTE: undefined }).ROUTER_REQUESTS_PER_MINUTE).toBe(1200);
});
