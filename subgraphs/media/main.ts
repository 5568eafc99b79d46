import { config } from '../../lib/config.js';
import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { createMediaServer } from './server.js';

await runUntilSignal('media', async (ops) => {
  const running = await createMediaServer().listen(config().MEDIA_PORT, config().HOST);
  ops.addReadiness('media', running.readiness);
  return running;
});
