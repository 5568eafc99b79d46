import type { BaseContext } from '../../lib/request-context.js';
import type { AccountService } from './account-service.js';
import type { UserStore } from './user-store.js';

export interface UsersContext extends BaseContext {
  users: UserStore;
  accounts: AccountService;
}
