import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { closePubSub, createPubSub } from '../../lib/pubsub.js';
import { closeQueue, createGenerationQueue, QueueName } from '../../lib/queues.js';
import { watchQueueDepth } from '../../lib/observability/queue-metrics.js';
import { withPermissions } from '../../lib/graphql/permissions.js';
import { RateLimiter } from '../../lib/rate-limit.js';
import { createRedis } from '../../lib/redis.js';
import { dependencyChecks } from '../../lib/readiness-checks.js';
import { createSubgraphServer } from '../../lib/subgraph-server.js';
import { config } from '../../lib/config.js';
import { AgentGraphClient, type AgentGraphOptions } from './agent-graph-client.js';
import { AiWritingService } from './ai-writing.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { aiPermissions } from './permissions.js';
import { GenerationEvents } from './generation-events.js';
import { type GenerationLimits, GenerationService } from './generation-service.js';
import { GenerationStore } from './generation-store.js';
import { ImageGenerator } from './image-generation.js';
import { LayoutOptimizer } from './layout-optimizer.js';
import { ModelCaller, type ModelCallTuning } from './model-call.js';
import { ModelRegistry } from './model-registry.js';
import { ModelStore } from './model-store.js';
import { buildAiSchema } from './schema/index.js';

export interface AiServerDeps {
  prisma?: PrismaClient;
  agent?: AgentGraphOptions;
  limits?: GenerationLimits;
  queuePrefix?: string;
  /** Image generation's retries and breaker (short ones in tests). */
  imageCalls?: ModelCallTuning & { breaker?: Partial<CircuitBreakerOptions> };
  /** AI writing's retries and breaker (short ones in tests). */
  writingCalls?: ModelCallTuning & { breaker?: Partial<CircuitBreakerOptions> };
  /** Layout optimisation's retries and breaker (short ones in tests). */
  layoutCalls?: ModelCallTuning & { breaker?: Partial<CircuitBreakerOptions> };
}

export function createAiServer(deps: AiServerDeps = {}) {
  const prisma = deps.prisma ?? createPrisma();
  const pubsub = createPubSub('ai');
  const log = createLogger('ai');
  const queue = createGenerationQueue(deps.queuePrefix);
  // Connection trouble (Redis restarting) is retried by ioredis; say so in the log, not on stderr.
  queue.on('error', (err) => log.warn({ err }, 'queue connection error'));
  const stopDepth = watchQueueDepth(queue);
  const generationStore = new GenerationStore(prisma);
  const models = new ModelRegistry(new ModelStore(prisma));
  const redis = createRedis('ai');
  const agent = new AgentGraphClient(deps.agent);
  const generations = new GenerationService(generationStore, new GenerationEvents(generationStore, pubsub), queue, new RateLimiter(redis), models, agent, deps.limits);
  const { breaker, ...imageTuning } = deps.imageCalls ?? {};
  const images = new ImageGenerator(models, agent, new ModelCaller(new CircuitBreaker(redis, breaker), imageTuning), new RateLimiter(redis));
  const { breaker: writingBreaker, ...writingTuning } = deps.writingCalls ?? {};
  const writing = new AiWritingService({
    models,
    caller: new ModelCaller(new CircuitBreaker(redis, writingBreaker), writingTuning),
    store: generationStore,
    limiter: new RateLimiter(redis),
    agent,
    dailyTokenQuota: deps.limits?.dailyTokenQuota ?? config().DAILY_TOKEN_QUOTA,
    log,
  });
  const { breaker: layoutBreaker, ...layoutTuning } = deps.layoutCalls ?? {};
  const layouts = new LayoutOptimizer({
    models,
    caller: new ModelCaller(new CircuitBreaker(redis, layoutBreaker), layoutTuning),
    store: generationStore,
    limiter: new RateLimiter(redis),
    agent,
    dailyTokenQuota: deps.limits?.dailyTokenQuota ?? config().DAILY_TOKEN_QUOTA,
    log,
  });
  return createSubgraphServer({
    name: 'ai',
    schema: withPermissions(buildAiSchema(), aiPermissions),
    log,
    context: (base) => ({ ...base, generationStore, generations, models, images, writing, layouts }),
    readiness: dependencyChecks({ postgres: prisma, redis, queues: { [QueueName.generation]: queue } }),
    onClose: async () => {
      stopDepth();
      await closeQueue(queue);
      await closePubSub(pubsub);
      redis.disconnect();
      if (!deps.prisma) await prisma.$disconnect();
    },
  });
}
