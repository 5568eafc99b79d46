import { config } from '../../lib/config.js';
import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { createUsersServer } from './server.js';

await runUntilSignal('users', async (ops) => {
  const running = await createUsersServer().listen(config().USERS_PORT, config().HOST);
  ops.addReadiness('users', running.readiness);
  return running;
});
