// The platform as `npm start` runs it — the four subgraphs, the ai worker and the router, each its
// own Node process (scripts/start-local.ts) — for benchmarks that want the deployed shape rather
// than test/stack.ts's one process, where a batch's fan-out in the router, the decks subgraph's
// transaction and the worker's template filling all wait on one event loop.
//
// The children inherit this process's environment (the bench's settings, DATABASE_URL, REDIS_URL,
// signing keys: call after startServicesAndStack's services are up) plus their ports. Like
// bench-kit, this module imports no project module at top level.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface ProcessStack {
  routerUrl: string;
  subgraphUrls: { users: string; decks: string; ai: string; media: string };
  /** The queue prefix the processes share (a bench's own workers must use it too). */
  queuePrefix: string;
  close(): Promise<void>;
}

const BOOT_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** Resolves once `url` answers 2xx; fails if `child` exits first or the boot takes too long. */
export async function waitUntilOk(url: string, name: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} while starting`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${name} did not answer ${url} within ${BOOT_TIMEOUT_MS / 1000} s`);
}

/** SIGTERM runs the service's graceful shutdown; SIGKILL only if that hangs. */
export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Starts the platform's processes on free ports; `close` stops them (router first) with SIGTERM. */
export async function startProcessStack(): Promise<ProcessStack> {
  const { freePort } = await import('../scripts/local-services.js');
  const ports = { users: await freePort(), decks: await freePort(), ai: await freePort(), media: await freePort(), router: await freePort() };
  const subgraphUrls = {
    users: `http://127.0.0.1:${ports.users}/graphql`,
    decks: `http://127.0.0.1:${ports.decks}/graphql`,
    ai: `http://127.0.0.1:${ports.ai}/graphql`,
    media: `http://127.0.0.1:${ports.media}/graphql`,
  };
  const queuePrefix = `bench-${process.pid}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    USERS_PORT: String(ports.users),
    DECKS_PORT: String(ports.decks),
    AI_PORT: String(ports.ai),
    MEDIA_PORT: String(ports.media),
    PORT: String(ports.router),
    USERS_URL: subgraphUrls.users,
    DECKS_URL: subgraphUrls.decks,
    AI_URL: subgraphUrls.ai,
    MEDIA_URL: subgraphUrls.media,
    QUEUE_PREFIX: queuePrefix,
    METRICS_PORT: '0',
  };
  // e.g. BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": Node refuses --cpu-prof in NODE_OPTIONS.
  const childNodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const children: ChildProcess[] = [];
  const start = (entry: string) => {
    const child = spawn(process.execPath, [...childNodeArgs, '--import', 'tsx', entry], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
    return child;
  };
  const close = async () => {
    for (const child of [...children].reverse()) await stopService(child);
  };
  try {
    const subgraphs = (['users', 'decks', 'ai', 'media'] as const).map((name) => [name, start(`subgraphs/${name}/main.ts`)] as const);
    start('subgraphs/ai/worker-main.ts');
    start('subgraphs/media/worker-main.ts');
    await Promise.all(subgraphs.map(([name, child]) => waitUntilOk(`http://127.0.0.1:${ports[name]}/health`, name, child)));
    const router = start('router/main.ts');
    await waitUntilOk(`http://127.0.0.1:${ports.router}/readiness`, 'router', router);
  } catch (error) {
    await close();
    throw error;
  }
  return { routerUrl: `http://127.0.0.1:${ports.router}`, subgraphUrls, queuePrefix, close };
}
