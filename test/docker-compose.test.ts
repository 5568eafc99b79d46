// docker-compose.yml describes the same stack as `npm start`. Debian's docker-compose validates
// and resolves the file without a Docker engine (.ci/run installs it).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname ?? '.', '..');

it('docker-compose.yml is valid and runs every process of the platform', () => {
  const resolved = execFileSync('docker-compose', ['-f', resolve(ROOT, 'docker-compose.yml'), 'config'], {
    encoding: 'utf8',
    env: { ...process.env, JWT_PUBLIC_KEY: 'public-pem', JWT_PRIVATE_KEY: 'private-pem', KEY_ENCRYPTION_KEYS: 'k1:a2V5', AI_AGENT_CLIENT_SECRET: 'agent-secret-of-16+', MEDIA_SIGNING_KEY: 'media-signing-key-16' },
  });
  const compose = parse(resolved) as { services: Record<string, { command?: string[]; environment?: Record<string, string>; ports?: unknown[] }> };
  expect(Object.keys(compose.services).sort()).toEqual(['ai', 'ai-worker', 'decks', 'media', 'media-worker', 'migrate', 'postgres', 'redis', 'router', 'users']);
  expect(compose.services.router!.environment).toMatchObject({ USERS_URL: 'http://users:4001/graphql', REDIS_URL: 'redis://redis:6379' });
  expect(compose.services.users!.environment!.JWT_PRIVATE_KEY).toBe('private-pem');
  expect(compose.services.decks!.environment!.JWT_PRIVATE_KEY).toBeUndefined();
  expect(compose.services.migrate!.command!.join(' ')).toMatch(/migrate deploy && node --import tsx scripts\/seed\.ts/);
  for (const name of ['users', 'decks', 'ai', 'media', 'ai-worker', 'router']) {
    const entry = compose.services[name]!.command!.at(-1)!;
    expect(entry).toMatch(/main\.ts$/);
  }
});

it('refuses to resolve without signing keys', () => {
  const env = { ...process.env };
  delete env.JWT_PUBLIC_KEY;
  delete env.JWT_PRIVATE_KEY;
  expect(() => execFileSync('docker-compose', ['-f', resolve(ROOT, 'docker-compose.yml'), 'config', '-q'], { env, stdio: 'pipe' })).toThrow(/JWT_PUBLIC_KEY/);
});
