import { config } from '../../lib/config.js';
import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { createAiServer } from './server.js';

await runUntilSignal('ai', async (ops) => {
  const running = await createAiServer().listen(config().AI_PORT, config().HOST);
  ops.addReadiness('ai', running.readiness);
  return running;
});
