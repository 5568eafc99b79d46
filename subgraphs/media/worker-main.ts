import { runUntilSignal } from '../../lib/process-lifecycle.js';
import { startMediaWorker } from './worker.js';

await runUntilSignal('media-worker', async (ops) => {
  const worker = startMediaWorker();
  ops.addReadiness('media-worker', worker.readiness);
  return worker;
});
