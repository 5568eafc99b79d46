import { config } from '../../lib/config.js';
import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { createDecksServer } from './server.js';

await runUntilSignal('decks', async (ops) => {
  const running = await createDecksServer().listen(config().DECKS_PORT, config().HOST);
  ops.addReadiness('decks', running.readiness);
  return running;
});
