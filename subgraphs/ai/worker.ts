// The ai subgraph's BullMQ processors. Started by worker-main.ts (its own process in production,
// so generation load never slows the API) or in-process by tests.
import { Worker } from 'bullmq';
import { config } from '../../lib/config.js';
import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { handBackOnStop } from '../../lib/graceful-shutdown.js';
import { createLogger } from '../../lib/logger.js';
import { closePubSub, createPubSub } from '../../lib/pubsub.js';
import { closeQueue, type GenerationJobData, inJobSpan, QueueName, queuePrefix } from '../../lib/queues.js';
import { dependencyChecks } from '../../lib/readiness-checks.js';
import { createRedis } from '../../lib/redis.js';
import { meterWorker } from '../../lib/observability/queue-metrics.js';
import { AgentGraphClient, type AgentGraphOptions } from './agent-graph-client.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { GenerationEvents } from './generation-events.js';
import { GenerationRunner } from './generation-runner.js';
import { GenerationStore } from './generation-store.js';
import { ModelCaller, type ModelCallTuning } from './model-call.js';
import { ModelRegistry } from './model-registry.js';
import { ModelStore } from './model-store.js';

export interface AiWorkerOptions {
  prisma?: PrismaClient;
  agent?: AgentGraphOptions;
  /** Retry and timeout settings of model calls (tests shorten them). */
  modelCalls?: ModelCallTuning;
  breaker?: Partial<CircuitBreakerOptions>;
  lockMs?: number;
  queuePrefix?: string;
}

export function startAiWorker(options: AiWorkerOptions = {}) {
  const log = createLogger('ai-worker');
  const prisma = options.prisma ?? createPrisma();
  const pubsub = createPubSub('ai-worker');
  const redis = createRedis('ai-worker');
  const store = new GenerationStore(prisma);
  const runner = new GenerationRunner({
    store,
    events: new GenerationEvents(store, pubsub),
    models: new ModelRegistry(new ModelStore(prisma)),
    caller: new ModelCaller(new CircuitBreaker(redis, options.breaker), options.modelCalls),
    agent: new AgentGraphClient(options.agent),
    log,
  });
  const lockDuration = options.lockMs ?? config().WORKER_LOCK_MS;
  // On shutdown the runner stops where it is and the job goes back to the queue; the next worker
  // resumes it after what its event log holds.
  const handBack = handBackOnStop<GenerationJobData>((job, stopping) => inJobSpan(QueueName.generation, job, () => runner.run(job.data.jobId, stopping)));
  const worker = new Worker<GenerationJobData>(QueueName.generation, handBack.processor, {
    connection: createRedis('worker:generation'),
    prefix: queuePrefix(options.queuePrefix),
    concurrency: config().WORKER_CONCURRENCY,
    // A worker that dies stops renewing its lock; another worker takes the job back after about
    // this long and resumes it (the runner's steps are idempotent).
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 3,
  });
  worker.on('failed', (job, error) => log.error({ err: error, jobId: job?.data.jobId }, 'generation job failed in queue'));
  // Connection trouble (Redis restarting) is retried by ioredis; say so in the log, not on stderr.
  worker.on('error', (err) => log.warn({ err }, 'queue connection error'));
  const stopMetering = meterWorker(worker);
  log.info({ queue: QueueName.generation }, 'ai worker started');
  return {
    readiness: dependencyChecks({ postgres: prisma, redis, queues: { [QueueName.generation]: worker } }),
    async close() {
      await stopMetering();
      await handBack.stop(worker, closeQueue);
      await closePubSub(pubsub);
      redis.disconnect();
      if (!options.prisma) await prisma.$disconnect();
    },
  };
}
