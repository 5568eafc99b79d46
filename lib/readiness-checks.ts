// The readiness checks every process shares: its Postgres answers SELECT 1, its Redis answers PING,
// and each BullMQ queue it produces to or consumes from answers over the queue's own connection
// (the length of its waiting list: BullMQ's client interface has no PING). Each check has check()'s short timeout, so a hung dependency reads as "not ready".
import pg from 'pg';
import type { PrismaClient } from './db.js';
import { type CheckResult, check, type Readiness } from './ops-server.js';
import type { Redis } from './redis.js';

/** A BullMQ Queue or Worker on the Redis backend (BullMQ 6 keeps the raw client on `backend`). */
interface QueueConnection {
  readonly backend: { readonly client: Promise<{ llen(key: string): Promise<number> }>; readonly keys: Record<string, string> };
}

export interface Dependencies {
  postgres?: PrismaClient | pg.Pool;
  redis?: Redis;
  queues?: Record<string, QueueConnection>;
}

export function dependencyChecks(deps: Dependencies): Readiness {
  const runs: [string, () => Promise<unknown>][] = [];
  const { postgres, redis } = deps;
  if (postgres instanceof pg.Pool) runs.push(['postgres', () => postgres.query('SELECT 1')]);
  else if (postgres) runs.push(['postgres', () => postgres.$queryRaw`SELECT 1`]);
  if (redis) runs.push(['redis', () => redis.ping()]);
  for (const [name, queue] of Object.entries(deps.queues ?? {})) runs.push([`queue:${name}`, async () => (await queue.backend.client).llen(queue.backend.keys.wait!)]);
  return async () => Object.fromEntries(await Promise.all(runs.map(async ([name, run]) => [name, await check(run)] as [string, CheckResult])));
}
