// What the router costs: the same query straight to the users subgraph and through the router, and
// a query the router has to plan over two subgraphs, measured one after the other in one run.
// Starts (and stops) its own Postgres and Redis unless DATABASE_URL and REDIS_URL are set.
//
//   npx tsx bench/gateway/run.ts            BENCH_DURATION=30  BENCH_SEPARATE=1  BENCH_TRACING=0
//
// Then the router scenarios again with tracing off and on, side by side (BENCH_TRACING=0 skips it).
//
// The configuration is read from process.env on first use, so the environment the stack runs with
// is fixed here, before any project module is imported (they are all imported dynamically below).
useStackBenchEnvironment();

import { availableParallelism } from 'node:os';
// Neither loads a project module at top level: the project modules, imported below, still read the environment set above.
import { positiveNumberFromEnv, printMachineLine, printTable, roundToThousandths as round, runBench, startServicesAndStack, useStackBenchEnvironment } from '../bench-kit.js';
import { type Measurement, type Scenario, measureScenario } from './measure-scenario.js';
import { startOtlpSink } from './otlp-sink.js';

const DECKS_PER_USER = 5;
const SETTLE_MS = 1_000; // far above any p99 seen here
const settings = {
  durationSeconds: positiveNumberFromEnv('BENCH_DURATION', 10),
  warmUpSeconds: positiveNumberFromEnv('BENCH_WARMUP', 2),
  connections: positiveNumberFromEnv('BENCH_CONNECTIONS', 10, { integer: true }),
  separate: process.env.BENCH_SEPARATE === '1',
  // Tracing off vs on (OTLP to a local sink), the router scenarios once more each way.
  tracing: process.env.BENCH_TRACING !== '0',
};

async function main(): Promise<void> {
  const stack = await startServicesAndStack({
    seed: false,
    startStack: async () => {
      const { startStack } = await import('../../test/stack.js');
      const { startSeparateStack } = await import('./separate-subgraphs.js');
      return settings.separate ? await startSeparateStack() : await startStack();
    },
  });
  const { gql, signUp } = await import('../../test/stack.js');
  const routerGraphql = `${stack.routerUrl}/graphql`;

  const user = await signUp(stack.routerUrl, 'Bench User');
  const titles = Array.from({ length: DECKS_PER_USER }, (_, i) => `Bench deck ${i + 1}`);
  for (const title of titles) {
    const created = await gql(routerGraphql, 'mutation($title: String!) { createDeck(input: { title: $title }) { deck { id } error { code message } } }', { title }, user.token);
    if (!created.data?.createDeck?.deck?.id) throw new Error(`createDeck failed: ${JSON.stringify(created)}`);
  }

  const simpleQuery = '{ me { id name } }';
  const checkMe = (data: unknown) => {
    const me = (data as { me?: { id?: string; name?: string } } | null)?.me;
    return me?.id === user.userId && me.name === 'Bench User' ? undefined : 'expected me { id name } of the bench user';
  };
  const scenarios: Scenario[] = [
    { name: 'direct', label: 'simple query, users subgraph directly', url: stack.subgraphUrls.users, query: simpleQuery, checkData: checkMe },
    { name: 'router', label: 'simple query through the router', url: routerGraphql, query: simpleQuery, checkData: checkMe },
    {
      name: 'crossSubgraph',
      label: `cross-subgraph (users→decks→users), ${DECKS_PER_USER} decks`,
      url: routerGraphql,
      query: '{ me { id name decks { id title owner { id name email } } } }',
      checkData: (data) => {
        const me = (data as { me?: { id?: string; decks?: { title: string; owner: { id: string; email: string | null } }[] } } | null)?.me;
        const decks = me?.decks ?? [];
        const complete =
          me?.id === user.userId &&
          decks.length === DECKS_PER_USER &&
          decks.every((deck) => titles.includes(deck.title) && deck.owner.id === user.userId && deck.owner.email === user.email);
        return complete ? undefined : `expected the bench user with ${DECKS_PER_USER} decks, each with its owner's email`;
      },
    },
  ];

  printHeader(stack);
  const results: Measurement[] = [];
  for (const scenario of scenarios) {
    process.stderr.write(`bench: ${scenario.name}: ${settings.warmUpSeconds} s warm-up + ${settings.durationSeconds} s…\n`);
    results.push(await measureScenario(scenario, { token: user.token, ...settings }));
    // autocannon hangs up on the requests still in flight when its time is up; let the stack finish
    // them, so they neither weigh on the next scenario nor reach subgraphs that are shutting down.
    await new Promise((done) => setTimeout(done, SETTLE_MS));
  }
  printResults(results);
  if (settings.tracing) await compareTracing(scenarios.filter((s) => s.name !== 'direct'), user.token);
}

/**
 * Each router scenario measured again with tracing off and then on, back to back, so the pair
 * shares the machine's state. On = what OTEL_EXPORTER_OTLP_ENDPOINT turns on in production: every
 * request sampled, spans batched and sent over OTLP/HTTP (to a local sink that only counts them).
 */
async function compareTracing(scenarios: Scenario[], token: string): Promise<void> {
  const { startTracing, stopTracing } = await import('../../lib/observability/tracing.js');
  const sink = await startOtlpSink();
  const rows: { scenario: Scenario; off: Measurement; on: Measurement }[] = [];
  try {
    for (const scenario of scenarios) {
      process.stderr.write(`bench: ${scenario.name}, tracing off then on…\n`);
      const off = await measureScenario(scenario, { token, ...settings });
      await new Promise((done) => setTimeout(done, SETTLE_MS));
      startTracing({ service: 'platform', otlpEndpoint: sink.url });
      const on = await measureScenario(scenario, { token, ...settings });
      await new Promise((done) => setTimeout(done, SETTLE_MS));
      await stopTracing();
      rows.push({ scenario, off, on });
    }
  } finally {
    await stopTracing();
    await sink.close();
  }
  console.log('');
  console.log(
    `tracing overhead (off, then on: OpenTelemetry spans for the router, ${settings.separate ? 'not the subgraphs (BENCH_SEPARATE=1: their processes run untraced)' : 'subgraphs, Prisma and Redis in this process'}, exported over OTLP/HTTP to a local sink)`,
  );
  printTable([
    ['scenario', 'req/s off', 'req/s on', 'on/off', 'p50 off', 'p50 on', 'p99 off', 'p99 on', 'p99 on/off'],
    ...rows.map(({ scenario, off, on }) => [
      scenario.label,
      off.requestsPerSecond.toFixed(0),
      on.requestsPerSecond.toFixed(0),
      `×${(on.requestsPerSecond / off.requestsPerSecond).toFixed(2)}`,
      String(off.latencyP50Ms),
      String(on.latencyP50Ms),
      String(off.latencyP99Ms),
      String(on.latencyP99Ms),
      `×${(on.latencyP99Ms / off.latencyP99Ms).toFixed(2)}`,
    ]),
  ]);
  console.log(`exported: ${sink.received.requests} OTLP requests, ${(sink.received.bytes / 1024 / 1024).toFixed(1)} MiB`);
  console.log(
    JSON.stringify({
      bench: 'gateway-tracing',
      separateProcesses: settings.separate,
      rows: rows.map(({ scenario, off, on }) => ({
        scenario: scenario.name,
        off: { requestsPerSecond: round(off.requestsPerSecond), p50Ms: off.latencyP50Ms, p99Ms: off.latencyP99Ms },
        on: { requestsPerSecond: round(on.requestsPerSecond), p50Ms: on.latencyP50Ms, p99Ms: on.latencyP99Ms },
        throughputRatio: round(on.requestsPerSecond / off.requestsPerSecond),
        p99Ratio: round(on.latencyP99Ms / off.latencyP99Ms),
      })),
      exported: sink.received,
    }),
  );
}

function printHeader(stack: { routerUrl: string; subgraphUrls: { users: string } }): void {
  console.log('Gateway benchmark: router overhead over a direct subgraph call');
  printMachineLine();
  console.log(
    `autocannon: ${settings.connections} connections, ${settings.durationSeconds} s per scenario after a ${settings.warmUpSeconds} s warm-up (not counted), load generated on its own worker thread`,
  );
  console.log(
    settings.separate
      ? 'subgraphs: one child process each (BENCH_SEPARATE=1); router in the benchmark process'
      : 'subgraphs: in-process — router and subgraphs share ONE event loop, so absolute numbers are low; both paths pay that alike and the ratios still hold',
  );
  console.log(`router ${stack.routerUrl}/graphql · users subgraph ${stack.subgraphUrls.users}`);
  console.log('');
}

function printResults(results: Measurement[]): void {
  const byName = new Map(results.map((r) => [r.name, r]));
  const direct = byName.get('direct');
  const router = byName.get('router');
  const cross = byName.get('crossSubgraph');
  if (!direct || !router || !cross) throw new Error('a scenario is missing from the results');

  printTable([
    ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'avg ms', 'requests'],
    ...results.map((r) => [r.label, r.requestsPerSecond.toFixed(0), String(r.latencyP50Ms), String(r.latencyP99Ms), r.latencyAvgMs.toFixed(2), String(r.requests)]),
  ]);

  const ratios = {
    routerOverDirect: { throughput: router.requestsPerSecond / direct.requestsPerSecond, p99: router.latencyP99Ms / direct.latencyP99Ms },
    crossSubgraphOverDirect: { throughput: cross.requestsPerSecond / direct.requestsPerSecond, p99: cross.latencyP99Ms / direct.latencyP99Ms },
  };
  console.log('');
  console.log('ratios (throughput: below 1 is slower; p99: above 1 is slower)');
  console.log(`  router / direct         req/s ×${ratios.routerOverDirect.throughput.toFixed(2)}   p99 ×${ratios.routerOverDirect.p99.toFixed(2)}`);
  console.log(`  cross-subgraph / direct req/s ×${ratios.crossSubgraphOverDirect.throughput.toFixed(2)}   p99 ×${ratios.crossSubgraphOverDirect.p99.toFixed(2)}`);
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'gateway',
      node: process.version,
      cpus: availableParallelism(),
      nodeEnv: process.env.NODE_ENV,
      separateProcesses: settings.separate,
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
      warmUpSeconds: settings.warmUpSeconds,
      scenarios: Object.fromEntries(
        results.map((r) => [r.name, { requestsPerSecond: round(r.requestsPerSecond), p50Ms: r.latencyP50Ms, p99Ms: r.latencyP99Ms, avgMs: round(r.latencyAvgMs), requests: r.requests }]),
      ),
      ratios: {
        routerOverDirect: { throughput: round(ratios.routerOverDirect.throughput), p99: round(ratios.routerOverDirect.p99) },
        crossSubgraphOverDirect: { throughput: round(ratios.crossSubgraphOverDirect.throughput), p99: round(ratios.crossSubgraphOverDirect.p99) },
      },
    }),
  );
}

await runBench(main);
