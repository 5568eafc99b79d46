import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { withPermissions } from '../../lib/graphql/permissions.js';
import { createSubgraphServer } from '../../lib/subgraph-server.js';
import { mediaPermissions } from './permissions.js';
import { ImageService } from './image-service.js';
import { ImageStore } from './image-store.js';
import { buildMediaSchema } from './schema/index.js';

export function createMediaServer(deps: { prisma?: PrismaClient } = {}) {
  const prisma = deps.prisma ?? createPrisma();
  const imageStore = new ImageStore(prisma);
  const images = new ImageService(imageStore);
  return createSubgraphServer({
    name: 'media',
    schema: withPermissions(buildMediaSchema(), mediaPermissions),
    log: createLogger('media'),
    context: (base) => ({ ...base, imageStore, images }),
    onClose: async () => {
      if (!deps.prisma) await prisma.$disconnect();
    },
  });
}
