import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { withPermissions } from '../../lib/graphql/permissions.js';
import { closePubSub, createPubSub } from '../../lib/pubsub.js';
import { closeQueue, createImageQueue, QueueName } from '../../lib/queues.js';
import { watchQueueDepth } from '../../lib/observability/queue-metrics.js';
import { createRedis } from '../../lib/redis.js';
import { createObjectStorage } from '../../lib/storage/index.js';
import type { ObjectStorage } from '../../lib/storage/object-storage.js';
import { dependencyChecks } from '../../lib/readiness-checks.js';
import { createSubgraphServer } from '../../lib/subgraph-server.js';
import { ImageEvents } from './image-events.js';
import { mediaPermissions } from './permissions.js';
import { ImageService, type MediaSettings } from './image-service.js';
import { mediaSettings } from './media-settings.js';
import { ImageStore } from './image-store.js';
import { buildMediaSchema } from './schema/index.js';

export function createMediaServer(deps: { prisma?: PrismaClient; storage?: ObjectStorage; queuePrefix?: string; settings?: Partial<MediaSettings> } = {}) {
  const prisma = deps.prisma ?? createPrisma();
  const log = createLogger('media');
  const imageStore = new ImageStore(prisma);
  const queue = createImageQueue(deps.queuePrefix);
  queue.on('error', (err) => log.warn({ err }, 'queue connection error'));
  const stopDepth = watchQueueDepth(queue);
  const redis = createRedis('media');
  const pubsub = createPubSub('media');
  const images = new ImageService(imageStore, deps.storage ?? createObjectStorage(), queue, redis, new ImageEvents(pubsub), { ...mediaSettings(), ...deps.settings });
  return createSubgraphServer({
    name: 'media',
    schema: withPermissions(buildMediaSchema(), mediaPermissions),
    log,
    context: (base) => ({ ...base, imageStore, images }),
    readiness: dependencyChecks({ postgres: prisma, redis, queues: { [QueueName.imageProcessing]: queue } }),
    onClose: async () => {
      stopDepth();
      await closeQueue(queue);
      await closePubSub(pubsub);
      redis.disconnect();
      if (!deps.prisma) await prisma.$disconnect();
    },
  });
}
