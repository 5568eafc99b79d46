// /readiness: the router serves traffic only when the supergraph is loaded and Postgres and Redis
// answer. Each check has a short timeout so a hung dependency reads as "not ready", not a hang.
import pg from 'pg';
import type { Redis } from '../lib/redis.js';

export type CheckResult = { ok: boolean; error?: string };

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref()),
  ]);
}

export function createReadinessChecks(deps: { databaseUrl: string; redis: Redis; supergraphLoaded: () => boolean }) {
  const pool = new pg.Pool({ connectionString: deps.databaseUrl, max: 1, idleTimeoutMillis: 10_000 });
  const check = async (run: () => Promise<unknown>): Promise<CheckResult> => {
    try {
      await withTimeout(run(), 2000);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  };
  return {
    async run(): Promise<{ ready: boolean; checks: Record<string, CheckResult> }> {
      const [postgres, redis] = await Promise.all([check(() => pool.query('SELECT 1')), check(() => deps.redis.ping())]);
      const supergraph: CheckResult = deps.supergraphLoaded() ? { ok: true } : { ok: false, error: 'supergraph not loaded' };
      const checks = { supergraph, postgres, redis };
      return { ready: Object.values(checks).every((c) => c.ok), checks };
    },
    close: () => pool.end(),
  };
}
