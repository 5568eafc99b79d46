// After a run of the auth flows (sign-up, sign-in, refresh, password change, wrong passwords, API
// keys for models, sign-out, REST and GraphQL alike) at the most verbose level, no log line holds a
// password, an access or refresh token, or an API key — and the lines that should be there are.
import { Writable } from 'node:stream';
import { captureLogs } from '../lib/logger.js';
import { gql, type Stack, signUp, startStack } from './stack.js';

const lines: string[] = [];
let stack: Stack;

beforeAll(async () => {
  // Every logger the stack creates writes here, at trace level.
  captureLogs(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
    'trace',
  );
  stack = await startStack({ worker: false });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const graphql = () => `${stack.routerUrl}/graphql`;

it('the auth flows leave no password, token or API key in any log line', async () => {
  const secrets: string[] = [];
  const user = await signUp(stack.routerUrl, 'Log Reader');
  secrets.push('correct horse battery', user.token, user.refreshToken);

  const signIn = await gql(graphql(), 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken refreshToken error { code } } }', {
    i: { email: user.email, password: 'correct horse battery' },
  });
  const { accessToken, refreshToken } = signIn.data!.signIn as { accessToken: string; refreshToken: string };
  secrets.push(accessToken, refreshToken);

  const wrong = await gql(graphql(), 'mutation($i: SignInInput!) { signIn(input: $i) { error { code } } }', { i: { email: user.email, password: 'wrong guess 12345' } });
  expect(wrong.data!.signIn.error.code).toBeTruthy();
  secrets.push('wrong guess 12345');

  const refreshed = await gql(graphql(), 'mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken error { code } } }', { t: refreshToken });
  secrets.push(refreshed.data!.refreshSession.accessToken, refreshed.data!.refreshSession.refreshToken);
  const token = refreshed.data!.refreshSession.accessToken as string;

  const changed = await gql(
    graphql(),
    'mutation($i: ChangePasswordInput!) { changePassword(input: $i) { user { id } error { code } } }',
    { i: { currentPassword: 'correct horse battery', newPassword: 'a brand new passphrase' } },
    token,
  );
  expect(changed.data!.changePassword.error).toBeNull();
  secrets.push('a brand new passphrase');

  // A model with the user's own provider key (sealed at rest, never returned).
  const apiKey = `sk-live-${'k'.repeat(8)}${Date.now()}`;
  secrets.push(apiKey);
  const signedIn = await gql(graphql(), 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: { email: user.email, password: 'a brand new passphrase' } });
  const fresh = signedIn.data!.signIn.accessToken as string;
  secrets.push(fresh);
  const model = await gql(
    graphql(),
    'mutation($input: CreateAiModelInput!) { createAiModel(input: $input) { model { apiKeyHint } error { code } } }',
    { input: { name: `logs-${Date.now()}`, providerModel: 'm', baseUrl: 'http://127.0.0.1:9/v1', apiKey } },
    fresh,
  );
  expect(model.data!.createAiModel.error).toBeNull();

  // REST with the token in a header and a bad one; then sign out.
  expect((await fetch(`${stack.routerUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200);
  expect((await fetch(`${stack.routerUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${fresh}x` } })).status).toBe(401);
  await gql(graphql(), 'mutation { signOut { revokedCount } }', {}, fresh);

  // The router's request lines arrive when each response closes.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const leaks = lines.filter((line) => secrets.some((secret) => line.includes(secret)));
  expect(leaks).toEqual([]);

  // The logs are there, structured, and say who did what.
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const requestLines = parsed.filter((l) => l.msg === 'request' && l.service === 'router');
  expect(requestLines.length).toBeGreaterThanOrEqual(8);
  expect(requestLines.every((l) => typeof l.durationMs === 'number' && typeof l.status === 'number' && typeof l.requestId === 'string' && typeof l.level === 'number' && typeof l.time === 'number')).toBe(true);
  expect(requestLines.some((l) => l.route === '/api/v1/auth/me' && l.status === 200 && l.userId === user.userId)).toBe(true);
  const operationLines = parsed.filter((l) => l.msg === 'graphql operation' && l.service === 'users');
  expect(operationLines.some((l) => l.userId === user.userId)).toBe(true);
});
