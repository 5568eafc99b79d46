import { config } from '../../lib/config.js';
import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { createMediaServer } from './server.js';

await runUntilSignal('media', () => createMediaServer().listen(config().MEDIA_PORT, config().HOST));
