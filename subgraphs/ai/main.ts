import { config } from '../../lib/config.js';
import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { createAiServer } from './server.js';

await runUntilSignal('ai', () => createAiServer().listen(config().AI_PORT, config().HOST));
