import { config } from '../lib/config.js';
import { runUntilSignal } from '../lib/process-lifecycle.js';
import { createRouterServer } from './server.js';

await runUntilSignal('router', async (ops) => {
  const running = await createRouterServer().listen(config().PORT, '0.0.0.0');
  ops.addReadiness('router', running.readiness);
  return running;
});
