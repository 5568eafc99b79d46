// Generation outcomes the queue cannot see: a job that fails for a reason the user reads
// (MODEL_ERROR…) completes in BullMQ, and a degraded job succeeds with the offline writer.
import { counter } from '../../lib/metrics.js';
import { BoundedLabel, ERROR_CODE } from '../../lib/observability/bounded-labels.js';
import { jobFailures } from '../../lib/observability/queue-metrics.js';
import { QueueName } from '../../lib/queues.js';

export const generationsDegraded = counter('pptist_generation_jobs_degraded_total', 'Generation jobs that fell back to the offline writer (the model was down)');

const codes = new BoundedLabel(30, ERROR_CODE, 'GENERATION_ERROR');

export function recordGenerationFailure(code: string): void {
  jobFailures.inc({ queue: QueueName.generation, code: codes.of(code) });
}
