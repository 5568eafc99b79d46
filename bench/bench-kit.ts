// What the benchmarks under bench/ share: reading BENCH_* settings, stopping whatever a run started,
// starting throwaway Postgres/Redis and the stack, and printing the results.
//
// The project reads its configuration from process.env on first use, and each run.ts fixes that
// environment in its first statements. Static imports are evaluated before those statements, so
// this module must not import any project module at top level (not even through another module):
// the functions below import them dynamically, when they are called, after the environment is set.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The environment a benchmark that starts the whole stack runs it with; call it in the script's
 * first statement, before any project module is imported (dynamically).
 */
export function useStackBenchEnvironment(): void {
  process.env.NODE_ENV = 'production'; // masked errors, no GraphiQL: what callers get
  process.env.LOG_LEVEL = 'error';
  // Benchmarks send many requests from few accounts: lift the router's per-user rate so they measure
  // the platform, not its rate limiter (which answers RATE_LIMITED after 1200 a minute by default).
  process.env.ROUTER_REQUESTS_PER_MINUTE = '1000000000';
  // signUp gives every account an X-Forwarded-For address of its own: sign-ups are limited per address.
  process.env.TRUST_PROXY = 'true';
  // Tokens are signed during set-up and reused for the whole run (also by open subscriptions); the
  // default 15 minutes would not outlast long runs.
  process.env.ACCESS_TOKEN_TTL_SECONDS = '86400';
  // The users subgraph opens this key ring only to seal API keys, which no benchmark does; set as
  // test/services.ts sets it, so no path of the stack meets a missing one.
  process.env.KEY_ENCRYPTION_KEYS = `bench-1:${randomBytes(32).toString('base64')}`;
  process.env.KEY_ENCRYPTION_KEY_ID = 'bench-1';
  // The AI agent's credentials (generation writes decks through them) and the media settings every
  // stack needs: images go to a temporary folder, links are signed with a throwaway key.
  const agentSecret = randomBytes(24).toString('base64url');
  process.env.SERVICE_CLIENTS = `ai-agent:${agentSecret}`;
  process.env.SERVICE_DELEGATES = 'ai-agent';
  process.env.AI_AGENT_CLIENT_ID = 'ai-agent';
  process.env.AI_AGENT_CLIENT_SECRET = agentSecret;
  process.env.MEDIA_SIGNING_KEY = randomBytes(24).toString('base64url');
  if (!process.env.LOCAL_STORAGE_DIR) {
    const dir = join(tmpdir(), `pptist-bench-storage-${process.pid}`);
    process.env.LOCAL_STORAGE_DIR = dir;
    stopAtEnd(() => rm(dir, { recursive: true, force: true }));
  }
}

/** The BENCH_* variable `name` as a number above 0 (a whole one with `integer`), or `fallback` when unset or empty. */
export function positiveNumberFromEnv(name: string, fallback: number, { integer = false } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value)))) {
    throw new Error(`${name} must be a ${integer ? 'whole ' : ''}number above 0, got "${raw}"`);
  }
  return value;
}

/**
 * BENCH_TOPOLOGY: `one-process` (test/stack.ts, router, subgraphs, workers and clients on one event
 * loop) or `processes` (bench/process-stack.ts: each service its own process, as npm start runs
 * them, the clients in the bench's process); `fallback` when unset (each bench names its own).
 */
export function topologyFromEnv(fallback: 'one-process' | 'processes' = 'one-process'): 'one-process' | 'processes' {
  const value = process.env.BENCH_TOPOLOGY || fallback;
  if (value !== 'one-process' && value !== 'processes') throw new Error(`BENCH_TOPOLOGY must be one-process or processes, got "${value}"`);
  return value;
}

// A run starts servers and opens connections that would keep the process alive, or outlive it, if
// left open; each one registers here how to stop it, and they are stopped in reverse order (the
// stack before the databases it uses) — at the end of the run, on failure, Ctrl-C and SIGTERM.
const started: (() => Promise<void>)[] = [];

/** Registers how to stop something the run started; `runBench` calls it when the run ends. */
export function stopAtEnd(stop: () => Promise<void>): void {
  started.push(stop);
}

async function stopEverything(): Promise<void> {
  for (let stop = started.pop(); stop; stop = started.pop()) {
    try {
      await stop();
    } catch (error) {
      console.error('bench: cleanup step failed:', error);
    }
  }
}

/**
 * Runs `main`, then stops everything registered with `stopAtEnd`, also on Ctrl-C and SIGTERM (exit
 * 130 / 143). A failure prints one line and sets exit code 1, so a broken run never looks like a result.
 */
export async function runBench(main: () => Promise<void>): Promise<void> {
  for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      void stopEverything().finally(() => process.exit(exitCode));
    });
  }
  try {
    await main();
  } catch (error) {
    console.error('bench: failed:', error instanceof Error ? error.message : error);
    await stopEverything();
    // A half-started stack may leave connections retrying that would keep the process alive.
    process.exit(1);
  }
  await stopEverything();
}

/** Starts a throwaway redis-server unless REDIS_URL is set, and points REDIS_URL at it; true when it started one. */
export async function startRedisUnlessSet(): Promise<boolean> {
  if (process.env.REDIS_URL) return false;
  const { startRedis } = await import('../scripts/local-services.js');
  const redis = await startRedis();
  stopAtEnd(() => redis.stop());
  process.env.REDIS_URL = redis.url;
  return true;
}

/** A fresh Ed25519 key pair in JWT_PRIVATE_KEY / JWT_PUBLIC_KEY, so a run needs no keys of its own. */
export async function useFreshSigningKeys(): Promise<void> {
  const { generateSigningKeys } = await import('../lib/auth/tokens.js');
  const keys = await generateSigningKeys();
  process.env.JWT_PRIVATE_KEY = keys.privateKey;
  process.env.JWT_PUBLIC_KEY = keys.publicKey;
}

/**
 * Postgres and Redis (throwaway ones unless DATABASE_URL / REDIS_URL are set), the migrations (and,
 * with `seed`, the seed data), signing keys, then the stack that `startStack` starts; everything it
 * started is stopped when the run ends.
 */
export async function startServicesAndStack<S extends { close(): Promise<void> }>(options: { seed: boolean; startStack: () => Promise<S> }): Promise<S> {
  if (!process.env.DATABASE_URL) {
    const { startTestPostgres } = await import('../scripts/local-services.js');
    const postgres = await startTestPostgres('pptist_bench');
    stopAtEnd(() => postgres.stop());
    process.env.DATABASE_URL = postgres.url;
  }
  await startRedisUnlessSet();
  const { migrateAndSeed, migrateDeploy } = await import('../scripts/migrate.js');
  if (options.seed) await migrateAndSeed(process.env.DATABASE_URL);
  else migrateDeploy(process.env.DATABASE_URL);
  await useFreshSigningKeys();

  const stack = await options.startStack();
  stopAtEnd(() => stack.close());
  return stack;
}

export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p99: number;
}

/**
 * Count, mean, p50 and p99 of `samples`. Nearest-rank percentiles: always a value that was measured,
 * so with few samples p99 is the slowest or second slowest one, not an interpolation.
 */
export function nearestRankPercentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { count: sorted.length, mean: sorted.reduce((sum, s) => sum + s, 0) / sorted.length, p50: at(50), p99: at(99) };
}

/** Prints `rows` (the first one the header) as aligned columns: the first left-aligned, numbers right-aligned. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
}

export function cpuModel(): string {
  return cpus()[0]?.model.trim() ?? 'unknown CPU';
}

/** The header line every bench prints, so results from different machines and settings are not compared unawares. */
export function printMachineLine(): void {
  console.log(`node ${process.version} · ${availableParallelism()} CPUs (${cpuModel()}) · NODE_ENV=${process.env.NODE_ENV} · LOG_LEVEL=${process.env.LOG_LEVEL}`);
}

/** Three decimals: enough for the JSON line, without float noise. */
export const roundToThousandths = (value: number) => Math.round(value * 1000) / 1000;

/** How to repeat this run: the BENCH_* settings in effect and the script. */
export function commandLine(script: string): string {
  const set = Object.entries(process.env)
    .filter(([name, value]) => /^BENCH_/.test(name) && value)
    .map(([name, value]) => `${name}=${value} `)
    .join('');
  return `${set}npx tsx ${script}`;
}
