import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { startAiWorker } from './worker.js';

await runUntilSignal('ai-worker', async (ops) => {
  const worker = startAiWorker();
  ops.addReadiness('ai-worker', worker.readiness);
  return worker;
});
