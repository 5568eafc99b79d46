// A stolen dump of the users schema must not hand out passwords, refresh tokens or API keys.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gql, type Stack, signUp, startStack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

function pgDump(): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_dump'))).sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error('pg_dump not found');
  return execFileSync(join(root, version, 'bin', 'pg_dump'), ['--schema=users', '--data-only', '--inserts', process.env.DATABASE_URL!], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

it('a pg_dump of the users schema holds no password, refresh token or API key in clear', async () => {
  const user = await signUp(stack.routerUrl, 'Dumped');
  const apiKey = `sk-dump-${Date.now()}-secretvalue`;
  const added = await gql(`${stack.routerUrl}/graphql`, 'mutation($k: String!) { addApiKey(input: { provider: "openai", label: "dump", key: $k }) { apiKey { hint } } }', { k: apiKey }, user.token);
  expect(added.data?.addApiKey.apiKey.hint).toMatch(/…/);

  const dump = pgDump();
  expect(dump).toContain(user.email);
  for (const secret of ['correct horse battery', user.refreshToken, apiKey, apiKey.slice(8, 30)]) {
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
    expect(dump).not.toContain(Buffer.from(secret).toString('hex'));
  }
  expect(dump).toMatch(/\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
});
