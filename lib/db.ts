// Prisma 7 with the pg driver adapter: no native query engine, only wasm + node-postgres.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';
import { config } from './config.js';

export { Prisma } from './generated/prisma/client.js';
export type { PrismaClient };

export function createPrisma(options: { url?: string; onQuery?: () => void } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: options.url ?? config().DATABASE_URL, max: 10 });
  const prisma = new PrismaClient({ adapter, log: options.onQuery ? [{ emit: 'event', level: 'query' }] : [] });
  if (options.onQuery) {
    (prisma as unknown as { $on(event: 'query', cb: () => void): void }).$on('query', options.onQuery);
  }
  return prisma;
}
