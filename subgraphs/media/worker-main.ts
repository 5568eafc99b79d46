import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { startMediaWorker } from './worker.js';

await runUntilSignal('media-worker', async () => startMediaWorker());
