import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { withPermissions } from '../../lib/graphql/permissions.js';
import { createLogger } from '../../lib/logger.js';
import { createSubgraphServer } from '../../lib/subgraph-server.js';
import { CommentService } from './comment-service.js';
import { CommentStore } from './comment-store.js';
import { createDeckLoaders } from './deck-loaders.js';
import { DeckService } from './deck-service.js';
import { DeckStore } from './deck-store.js';
import { decksPermissions } from './permissions.js';
import { buildDecksSchema } from './schema/index.js';

export function createDecksServer(deps: { prisma?: PrismaClient } = {}) {
  const prisma = deps.prisma ?? createPrisma();
  const deckStore = new DeckStore(prisma);
  const decks = new DeckService(deckStore);
  const commentStore = new CommentStore(prisma);
  const comments = new CommentService(commentStore);
  return createSubgraphServer({
    name: 'decks',
    schema: withPermissions(buildDecksSchema(), decksPermissions),
    log: createLogger('decks'),
    context: (base) => ({ ...base, deckStore, decks, comments, loaders: createDeckLoaders(deckStore, commentStore, base.viewer) }),
    onClose: async () => {
      if (!deps.prisma) await prisma.$disconnect();
    },
  });
}
