import { config } from '../../lib/config.js';
import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { createUsersServer } from './server.js';

await runUntilSignal('users', () => createUsersServer().listen(config().USERS_PORT, config().HOST));
