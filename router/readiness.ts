// /readiness: the router serves traffic only when the supergraph is loaded, Postgres and Redis
// answer, and every subgraph answers its /health: a router whose subgraph is down would send
// clients errors, so it says so (503, naming the subgraph) and the balancer sends them elsewhere.
// The same checks serve the public /readiness and the ops port's.
import pg from 'pg';
import type { SubgraphName } from '../lib/config.js';
import { type CheckResult, check } from '../lib/ops-server.js';
import { dependencyChecks } from '../lib/readiness-checks.js';
import type { Redis } from '../lib/redis.js';

/** A subgraph that cannot say it is alive within this long is as good as down for a request. */
const SUBGRAPH_HEALTH_TIMEOUT_MS = 1000;

/** A subgraph's /health beside its /graphql. */
export const healthUrlOf = (graphqlUrl: string) => new URL('/health', graphqlUrl).href;

export function createReadinessChecks(deps: { databaseUrl: string; redis: Redis; supergraphLoaded: () => boolean; subgraphUrls: Record<SubgraphName, string> }) {
  const pool = new pg.Pool({ connectionString: deps.databaseUrl, max: 1, idleTimeoutMillis: 10_000 });
  const dependencies = dependencyChecks({ postgres: pool, redis: deps.redis });
  const subgraph = (name: string, url: string) =>
    check(async () => {
      const response = await fetch(healthUrlOf(url), { signal: AbortSignal.timeout(SUBGRAPH_HEALTH_TIMEOUT_MS) }).catch((error: Error & { cause?: { code?: string } }) => {
        throw new Error(`${name} subgraph did not answer /health (${error.cause?.code ?? error.message})`);
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`${name} subgraph answered HTTP ${response.status}`);
    }, SUBGRAPH_HEALTH_TIMEOUT_MS);
  let stopping = false;
  const checks = async (): Promise<Record<string, CheckResult>> => {
    const [base, ...subgraphs] = await Promise.all([
      dependencies(),
      ...Object.entries(deps.subgraphUrls).map(async ([name, url]) => [`subgraph:${name}`, await subgraph(name, url)] as const),
    ]);
    const supergraph: CheckResult = deps.supergraphLoaded() ? { ok: true } : { ok: false, error: 'supergraph not loaded' };
    return { supergraph, ...base, ...Object.fromEntries(subgraphs), ...(stopping && { process: { ok: false, error: 'shutting down' } }) };
  };
  return {
    checks,
    async run(): Promise<{ ready: boolean; checks: Record<string, CheckResult> }> {
      const results = await checks();
      return { ready: Object.values(results).every((c) => c.ok), checks: results };
    },
    /** The router stops being ready before it stops serving, so balancers move traffic first. */
    beginShutdown() {
      stopping = true;
    },
    close: () => pool.end(),
  };
}
