import DataLoader from 'dataloader';
import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { createLogger } from '../../lib/logger.js';
import { RateLimiter } from '../../lib/rate-limit.js';
import { createRedis } from '../../lib/redis.js';
import { withPermissions } from '../../lib/graphql/permissions.js';
import { dependencyChecks } from '../../lib/readiness-checks.js';
import { createSubgraphServer } from '../../lib/subgraph-server.js';
import { usersPermissions } from './permissions.js';
import { AccountService } from './account-service.js';
import { keyRing } from '../../lib/crypto/envelope.js';
import { AdminService } from './admin-service.js';
import { ApiKeyService } from './api-key-service.js';
import { ApiKeyStore } from './api-key-store.js';
import { AuditStore } from './audit-store.js';
import { PreferencesService, view } from './preferences-service.js';
import { PreferencesStore } from './preferences-store.js';
import { buildUsersSchema } from './schema/index.js';
import { ServiceTokenService } from './service-token-service.js';
import { SessionService } from './session-service.js';
import { SessionStore } from './session-store.js';
import { UserStore } from './user-store.js';

export function createUsersServer(deps: { prisma?: PrismaClient; legacyAnonymousAccess?: boolean } = {}) {
  const prisma = deps.prisma ?? createPrisma();
  const redis = createRedis('users');
  const limiter = new RateLimiter(redis);
  const users = new UserStore(prisma);
  const audit = new AuditStore(prisma);
  const preferenceStore = new PreferencesStore(prisma);
  const sessions = new SessionService(new SessionStore(prisma), audit, limiter);
  const accounts = new AccountService(users, sessions, audit, limiter);
  const admin = new AdminService(users, sessions, audit);
  const preferences = new PreferencesService(preferenceStore);
  const apiKeys = new ApiKeyService(new ApiKeyStore(prisma), keyRing, (event) =>
    audit.record({ type: event.type, userId: event.userId, actorId: event.userId, details: event.details }),
  );
  const serviceTokens = new ServiceTokenService(users, audit, deps.legacyAnonymousAccess);
  return createSubgraphServer({
    name: 'users',
    schema: withPermissions(buildUsersSchema(), usersPermissions),
    log: createLogger('users'),
    context: (base) => ({
      ...base,
      users,
      accounts,
      sessions,
      admin,
      preferences,
      apiKeys,
      serviceTokens,
      loaders: {
        preferencesByUser: new DataLoader(async (ids: readonly string[]) => {
          const rows = await preferenceStore.findByUserIds(ids);
          return ids.map((id) => view(rows.find((row) => row.userId === id)));
        }),
      },
    }),
    readiness: dependencyChecks({ postgres: prisma, redis }),
    onClose: async () => {
      redis.disconnect();
      if (!deps.prisma) await prisma.$disconnect();
    },
  });
}
