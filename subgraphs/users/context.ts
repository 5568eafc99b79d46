import type DataLoader from 'dataloader';
import type { BaseContext } from '../../lib/request-context.js';
import type { AccountService } from './account-service.js';
import type { AdminService } from './admin-service.js';
import type { ApiKeyService } from './api-key-service.js';
import type { PreferencesService, PreferencesView } from './preferences-service.js';
import type { ServiceTokenService } from './service-token-service.js';
import type { SessionService } from './session-service.js';
import type { UserStore } from './user-store.js';

export interface UsersContext extends BaseContext {
  users: UserStore;
  accounts: AccountService;
  sessions: SessionService;
  admin: AdminService;
  preferences: PreferencesService;
  apiKeys: ApiKeyService;
  serviceTokens: ServiceTokenService;
  loaders: { preferencesByUser: DataLoader<string, PreferencesView> };
}
