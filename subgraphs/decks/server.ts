import { config } from '../../lib/config.js';
import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { withPermissions } from '../../lib/graphql/permissions.js';
import { createLogger } from '../../lib/logger.js';
import { closePubSub, createPubSub } from '../../lib/pubsub.js';
import { createRedis } from '../../lib/redis.js';
import { QueueName } from '../../lib/queues.js';
import { dependencyChecks } from '../../lib/readiness-checks.js';
import { createSubgraphServer } from '../../lib/subgraph-server.js';
import { CollaborationService, DEFAULT_LOG_RETENTION } from './collaboration-service.js';
import { CommentService } from './comment-service.js';
import { CommentStore } from './comment-store.js';
import { DeckEvents } from './deck-events.js';
import { DeckLayout } from './deck-layout.js';
import { createDeckLoaders } from './deck-loaders.js';
import { DeckLocks } from './deck-locks.js';
import { DEFAULT_PRESENCE_TIMING, DeckPresence, type PresenceTiming } from './deck-presence.js';
import { DeckService } from './deck-service.js';
import { DeckStore } from './deck-store.js';
import { OperationLogStore } from './operation-log-store.js';
import { decksPermissions } from './permissions.js';
import { buildDecksSchema } from './schema/index.js';

/**
 * `logRetention`: revisions of operation log kept per deck before compaction; `presence`: how fast
 * silent sessions expire. Tests lower both to see compaction and expiry happen, and set
 * `optimisticAttempts: 0` to send every batch down the locked path.
 */
export function createDecksServer(deps: { prisma?: PrismaClient; logRetention?: number; optimisticAttempts?: number; presence?: PresenceTiming; queuePrefix?: string; layoutDebounceMs?: number } = {}) {
  const prisma = deps.prisma ?? createPrisma();
  const log = createLogger('decks');
  const pubsub = createPubSub('decks');
  const redis = createRedis('decks');
  const deckStore = new DeckStore(prisma);
  const operationLog = new OperationLogStore(prisma, config().DATABASE_URL);
  const layout = new DeckLayout(deckStore, operationLog, pubsub, redis, log, { queuePrefix: deps.queuePrefix, debounceMs: deps.layoutDebounceMs });
  layout.startWorker();
  const collaboration = new CollaborationService(
    deckStore,
    operationLog,
    new DeckEvents(operationLog, pubsub, log),
    new DeckPresence(redis, pubsub, new DeckLocks(redis), deps.presence ?? DEFAULT_PRESENCE_TIMING),
    log,
    { logRetention: deps.logRetention ?? DEFAULT_LOG_RETENTION, optimisticAttempts: deps.optimisticAttempts, afterCommit: (deckId) => layout.schedule(deckId) },
  );
  const decks = new DeckService(deckStore, collaboration);
  const commentStore = new CommentStore(prisma);
  const comments = new CommentService(commentStore);
  return createSubgraphServer({
    name: 'decks',
    schema: withPermissions(buildDecksSchema(), decksPermissions),
    log,
    context: (base) => ({ ...base, deckStore, decks, collaboration, comments, layout, loaders: createDeckLoaders(deckStore, commentStore, base.viewer) }),
    readiness: dependencyChecks({ postgres: prisma, redis, queues: { [QueueName.deckLayout]: layout.queue } }),
    // A deck's events read the same for every member (who may follow is checked at subscribe time).
    sameForEveryone: { rootFields: ['deckEvents'], fields: { DeckEvent: '*', User: ['id'] } },
    onClose: async () => {
      await layout.close();
      await closePubSub(pubsub);
      redis.disconnect();
      await operationLog.close();
      if (!deps.prisma) await prisma.$disconnect();
    },
  });
}
