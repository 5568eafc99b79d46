import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { createSubgraphServer } from '../../lib/subgraph-server.js';
import { AccountService } from './account-service.js';
import { buildUsersSchema } from './schema/index.js';
import { UserStore } from './user-store.js';

export function createUsersServer(deps: { prisma?: PrismaClient } = {}) {
  const prisma = deps.prisma ?? createPrisma();
  const users = new UserStore(prisma);
  const accounts = new AccountService(users);
  return createSubgraphServer({
    name: 'users',
    schema: buildUsersSchema(),
    log: createLogger('users'),
    context: (base) => ({ ...base, users, accounts }),
    onClose: async () => {
      if (!deps.prisma) await prisma.$disconnect();
    },
  });
}
