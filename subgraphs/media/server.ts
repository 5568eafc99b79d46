import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { createSubgraphServer } from '../../lib/subgraph-server.js';
import { ImageService } from './image-service.js';
import { ImageStore } from './image-store.js';
import { buildMediaSchema } from './schema/index.js';

export function createMediaServer(deps: { prisma?: PrismaClient } = {}) {
  const prisma = deps.prisma ?? createPrisma();
  const imageStore = new ImageStore(prisma);
  const images = new ImageService(imageStore);
  return createSubgraphServer({
    name: 'media',
    schema: buildMediaSchema(),
    log: createLogger('media'),
    context: (base) => ({ ...base, imageStore, images }),
    onClose: async () => {
      if (!deps.prisma) await prisma.$disconnect();
    },
  });
}
