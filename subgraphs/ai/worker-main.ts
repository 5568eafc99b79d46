import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { startAiWorker } from './worker.js';

await runUntilSignal('ai-worker', async () => startAiWorker());
