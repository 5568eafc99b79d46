// What authentication costs: argon2id per sign-in (hash, and verify for a right password, a wrong one
// and a missing account), and the token check every request pays at the router and again at each
// subgraph (EdDSA JWT verify + one Redis EXISTS for revocation). Needs no Postgres; starts (and
// stops) its own redis-server unless REDIS_URL is set.
//
//   npx tsx bench/auth/run.ts            BENCH_HASHES=100  BENCH_CALLS=50000  BENCH_CONCURRENCY=50
//
// The configuration is read from process.env on first use, so the environment is fixed here, before
// any project module is imported (they are all imported dynamically below).
process.env.NODE_ENV = 'production';
process.env.LOG_LEVEL = 'error';
// Required by the config schema; nothing here connects to Postgres.
process.env.DATABASE_URL ??= 'postgresql://bench@127.0.0.1:5432/unused';

import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
// bench-kit loads no project module at top level: the project modules, imported below, still read the environment set above.
import { type Percentiles, cpuModel, nearestRankPercentiles, positiveNumberFromEnv, printMachineLine, printTable, roundToThousandths as round, runBench, startRedisUnlessSet, stopAtEnd, useFreshSigningKeys } from '../bench-kit.js';

const settings = {
  hashes: positiveNumberFromEnv('BENCH_HASHES', 30, { integer: true }),
  calls: positiveNumberFromEnv('BENCH_CALLS', 20_000, { integer: true }),
  concurrency: positiveNumberFromEnv('BENCH_CONCURRENCY', 50, { integer: true }),
};
// Enough to load the key, open the Redis connection, build the decoy hash and let V8 optimise.
const WARM_UP_HASHES = 2;
const WARM_UP_CALLS = 1_000;
const PASSWORD = 'correct horse battery staple';
const WRONG_PASSWORD = 'correct horse battery stapler';

interface Stats extends Percentiles {
  perSecond: number;
}

/** With 30 samples, p99 (nearest rank) is the slowest one. */
function summarise(samples: number[], perSecond: number): Stats {
  return { ...nearestRankPercentiles(samples), perSecond };
}

/** One call at a time; per-call durations in ms. */
async function timeSequential(calls: number, call: () => Promise<void>): Promise<number[]> {
  const samples = new Array<number>(calls);
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await call();
    samples[i] = performance.now() - start;
  }
  return samples;
}

async function sequentialStats(calls: number, call: () => Promise<void>): Promise<Stats> {
  await timeSequential(Math.min(WARM_UP_CALLS, calls), call);
  const start = performance.now();
  const samples = await timeSequential(calls, call);
  return summarise(samples, calls / ((performance.now() - start) / 1000));
}

/** `inFlight` callers, each starting its next call as soon as its last one ends. */
async function concurrentStats(calls: number, inFlight: number, call: () => Promise<void>): Promise<Stats> {
  const run = async (total: number) => {
    const samples: number[] = [];
    let issued = 0;
    const caller = async () => {
      while (issued < total) {
        issued++;
        const start = performance.now();
        await call();
        samples.push(performance.now() - start);
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: inFlight }, caller));
    return { samples, wallMs: performance.now() - start };
  };
  await run(Math.min(WARM_UP_CALLS, calls));
  const { samples, wallMs } = await run(calls);
  return summarise(samples, calls / (wallMs / 1000));
}

async function measurePasswords() {
  const { hashPassword, verifyPassword } = await import('../../lib/auth/passwords.js');
  const expect = (actual: boolean, wanted: boolean, what: string) => {
    if (actual !== wanted) throw new Error(`verifyPassword for ${what} returned ${actual}, expected ${wanted}`);
  };
  const hash = await hashPassword(PASSWORD);
  // PHC string: $argon2id$v=19$m=19456,p=1,t=2$salt$hash (the parameter order varies by version).
  const [, type, , params] = hash.split('$');
  if (type !== 'argon2id' || params?.split(',').sort().join(',') !== 'm=19456,p=1,t=2') throw new Error(`unexpected argon2 parameters in ${type} ${params}`);
  const hashOnce = async () => void (await hashPassword(PASSWORD));
  const verify = {
    correct: async () => expect(await verifyPassword(hash, PASSWORD), true, 'the right password'),
    wrong: async () => expect(await verifyPassword(hash, WRONG_PASSWORD), false, 'a wrong password'),
    missing: async () => expect(await verifyPassword(null, PASSWORD), false, 'a missing account'),
  };

  process.stderr.write(`bench: argon2id: ${settings.hashes} hashes + ${settings.hashes} × 3 verifications…\n`);
  await timeSequential(WARM_UP_HASHES, hashOnce);
  const hashSamples = await timeSequential(settings.hashes, hashOnce);
  for (const kind of Object.values(verify)) await timeSequential(WARM_UP_HASHES, kind);
  // Interleaved, so drift in machine load falls on the three kinds alike and the ratio holds.
  const samples = { correct: [] as number[], wrong: [] as number[], missing: [] as number[] };
  for (let i = 0; i < settings.hashes; i++) {
    for (const kind of ['correct', 'wrong', 'missing'] as const) samples[kind].push(...(await timeSequential(1, verify[kind])));
  }
  const perSecond = (ms: number[]) => 1000 / (ms.reduce((sum, s) => sum + s, 0) / ms.length);
  return {
    hash: summarise(hashSamples, perSecond(hashSamples)),
    verifyCorrect: summarise(samples.correct, perSecond(samples.correct)),
    verifyWrong: summarise(samples.wrong, perSecond(samples.wrong)),
    verifyMissing: summarise(samples.missing, perSecond(samples.missing)),
  };
}

async function measureTokenCheck() {
  const { signAccessToken, verifyAccessToken } = await import('../../lib/auth/tokens.js');
  const { isSessionRevoked, markSessionsRevoked, closeRevocations } = await import('../../lib/auth/revocation.js');
  stopAtEnd(async () => closeRevocations());
  const { viewerFromAuthorization } = await import('../../lib/request-context.js');

  const viewer = { userId: 'bench-user', role: 'USER', sessionId: 'bench-session' } as const;
  const { token } = await signAccessToken(viewer);
  const authorization = `Bearer ${token}`;
  const expectViewer = (actual: { userId: string; sessionId: string } | null) => {
    if (actual?.userId !== viewer.userId || actual.sessionId !== viewer.sessionId) throw new Error(`unexpected viewer ${JSON.stringify(actual)}`);
  };
  const expectNotRevoked = (revoked: boolean) => {
    if (revoked) throw new Error('the bench session reads as revoked');
  };
  // The EXISTS measured below must be a real lookup that can answer yes.
  await markSessionsRevoked(['bench-revoked-session']);
  if (!(await isSessionRevoked('bench-revoked-session'))) throw new Error('a revoked session reads as not revoked');

  // A client sends the same token with every request, and a verified token is remembered until it
  // expires (lib/auth/tokens.ts): the first check of a token pays the signature, later ones do not.
  const newTokens = await Promise.all(Array.from({ length: Math.min(WARM_UP_CALLS, settings.calls) + settings.calls }, async () => (await signAccessToken(viewer)).token));
  let nextNew = 0;
  const verifyNew = async () => expectViewer(await verifyAccessToken(newTokens[nextNew++]!));
  const verifyOnly = async () => expectViewer(await verifyAccessToken(token));
  const revocationOnly = async () => expectNotRevoked(await isSessionRevoked(viewer.sessionId));
  const fullCheck = async () => expectViewer(await viewerFromAuthorization(authorization));

  const step = (what: string) => process.stderr.write(`bench: ${what}: ${WARM_UP_CALLS} warm-up + ${settings.calls} calls…\n`);
  step('verifyAccessToken, a new token each call');
  const verifyNewTokenStats = await sequentialStats(settings.calls, verifyNew);
  step('verifyAccessToken, the same token');
  const verifyAccessTokenStats = await sequentialStats(settings.calls, verifyOnly);
  step('isSessionRevoked');
  const isSessionRevokedStats = await sequentialStats(settings.calls, revocationOnly);
  step('viewerFromAuthorization, sequential');
  const sequential = await sequentialStats(settings.calls, fullCheck);
  step(`viewerFromAuthorization, ${settings.concurrency} in flight`);
  const concurrent = await concurrentStats(settings.calls, settings.concurrency, fullCheck);
  return { verifyNewToken: verifyNewTokenStats, verifyAccessToken: verifyAccessTokenStats, isSessionRevoked: isSessionRevokedStats, viewerFromAuthorization: sequential, viewerFromAuthorizationConcurrent: concurrent };
}

async function main(): Promise<void> {
  const redisSource = (await startRedisUnlessSet()) ? 'throwaway local redis-server' : 'REDIS_URL from the environment';
  await useFreshSigningKeys();

  const passwords = await measurePasswords();
  const tokens = await measureTokenCheck();
  printResults(redisSource, passwords, tokens);
}

function printResults(
  redisSource: string,
  passwords: Awaited<ReturnType<typeof measurePasswords>>,
  tokens: Awaited<ReturnType<typeof measureTokenCheck>>,
): void {
  console.log('Auth benchmark: argon2id per sign-in, token check per request');
  printMachineLine();
  console.log(
    `argon2id m=19 MiB t=2 p=1: ${settings.hashes} hashes, then ${settings.hashes} verifications of each kind interleaved; ${WARM_UP_HASHES} of each before, not counted`,
  );
  console.log(
    `token check: ${settings.calls} calls per row after ${WARM_UP_CALLS} not counted; Redis: ${redisSource} (${process.env.REDIS_URL})`,
  );
  console.log('');

  const ms = (value: number) => value.toFixed(1);
  printTable([
    ['password (one at a time)', 'mean ms', 'p50 ms', 'p99 ms', 'per s'],
    ...([
      ['hashPassword', passwords.hash],
      ['verifyPassword, right password', passwords.verifyCorrect],
      ['verifyPassword, wrong password', passwords.verifyWrong],
      ['verifyPassword, no such account', passwords.verifyMissing],
    ] as const).map(([label, s]) => [label, ms(s.mean), ms(s.p50), ms(s.p99), s.perSecond.toFixed(1)]),
  ]);
  const [missing, wrong] = [passwords.verifyMissing, passwords.verifyWrong];
  const missingOverWrong = { mean: missing.mean / wrong.mean, p50: missing.p50 / wrong.p50, p99: missing.p99 / wrong.p99 };
  console.log(
    `no such account / wrong password: mean ×${missingOverWrong.mean.toFixed(2)}   p50 ×${missingOverWrong.p50.toFixed(2)}   p99 ×${missingOverWrong.p99.toFixed(2)}   (≈1: indistinguishable by timing)`,
  );
  console.log(`per s = 1000 / mean: one hash or verification at a time keeps one core busy`);
  console.log('');

  const us = (valueMs: number) => (valueMs * 1000).toFixed(1);
  printTable([
    ['token check (router + each subgraph, per request)', 'mean µs', 'p50 µs', 'p99 µs', 'calls/s'],
    ...([
      ['verifyAccessToken, a token not seen before (EdDSA JWT, jose)', tokens.verifyNewToken],
      ['verifyAccessToken, a token verified before (remembered)', tokens.verifyAccessToken],
      ['isSessionRevoked (Redis EXISTS)', tokens.isSessionRevoked],
      ['viewerFromAuthorization, one at a time', tokens.viewerFromAuthorization],
      [`viewerFromAuthorization, ${settings.concurrency} in flight`, tokens.viewerFromAuthorizationConcurrent],
    ] as const).map(([label, s]) => [label, us(s.mean), us(s.p50), us(s.p99), s.perSecond.toFixed(0)]),
  ]);
  console.log(`µs columns are each call's own latency; calls/s = calls / wall time (with ${settings.concurrency} in flight, latency includes queueing)`);
  console.log('');

  const statsJson = (s: Stats, unit: 'Ms' | 'Us') => {
    const scale = unit === 'Ms' ? 1 : 1000;
    return { count: s.count, [`mean${unit}`]: round(s.mean * scale), [`p50${unit}`]: round(s.p50 * scale), [`p99${unit}`]: round(s.p99 * scale), perSecond: round(s.perSecond) };
  };
  console.log(
    JSON.stringify({
      bench: 'auth',
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpuModel(),
      nodeEnv: process.env.NODE_ENV,
      settings: { ...settings, warmUpHashes: WARM_UP_HASHES, warmUpCalls: WARM_UP_CALLS },
      passwords: {
        argon2: { type: 'argon2id', memoryMiB: 19, timeCost: 2, parallelism: 1 },
        hash: statsJson(passwords.hash, 'Ms'),
        verifyCorrect: statsJson(passwords.verifyCorrect, 'Ms'),
        verifyWrong: statsJson(passwords.verifyWrong, 'Ms'),
        verifyMissing: statsJson(passwords.verifyMissing, 'Ms'),
        missingOverWrong: { mean: round(missingOverWrong.mean), p50: round(missingOverWrong.p50), p99: round(missingOverWrong.p99) },
      },
      tokenCheck: {
        verifyNewToken: statsJson(tokens.verifyNewToken, 'Us'),
        verifyAccessToken: statsJson(tokens.verifyAccessToken, 'Us'),
        isSessionRevoked: statsJson(tokens.isSessionRevoked, 'Us'),
        viewerFromAuthorization: statsJson(tokens.viewerFromAuthorization, 'Us'),
        viewerFromAuthorizationConcurrent: { inFlight: settings.concurrency, ...statsJson(tokens.viewerFromAuthorizationConcurrent, 'Us') },
      },
    }),
  );
}

await runBench(main);
