// The ai subgraph's BullMQ processors. Started by worker-main.ts (its own process in production,
// so generation load never slows the API) or in-process by tests.
import { Worker } from 'bullmq';
import { config } from '../../lib/config.js';
import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { closePubSub, createPubSub } from '../../lib/pubsub.js';
import { closeQueue, type GenerationJobData, QueueName } from '../../lib/queues.js';
import { createRedis } from '../../lib/redis.js';
import { GenerationEvents } from './generation-events.js';
import { GenerationStore } from './generation-store.js';
import { GenerationRunner } from './generation-worker.js';

export function startAiWorker(deps: { prisma?: PrismaClient } = {}) {
  const log = createLogger('ai-worker');
  const prisma = deps.prisma ?? createPrisma();
  const pubsub = createPubSub('ai-worker');
  const store = new GenerationStore(prisma);
  const runner = new GenerationRunner(store, new GenerationEvents(store, pubsub), log);
  const worker = new Worker<GenerationJobData>(QueueName.generation, (job) => runner.run(job.data.jobId), {
    connection: createRedis('worker:generation'),
    concurrency: config().WORKER_CONCURRENCY,
  });
  worker.on('failed', (job, error) => log.error({ err: error, jobId: job?.data.jobId }, 'generation job failed in queue'));
  // Connection trouble (Redis restarting) is retried by ioredis; say so in the log, not on stderr.
  worker.on('error', (err) => log.warn({ err }, 'queue connection error'));
  log.info({ queue: QueueName.generation }, 'ai worker started');
  return {
    async close() {
      await closeQueue(worker);
      await closePubSub(pubsub);
      if (!deps.prisma) await prisma.$disconnect();
    },
  };
}
