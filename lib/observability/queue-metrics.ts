// BullMQ metrics: queue depth by state (read from Redis when scraped, by every process that owns a
// queue or a worker), and per job attempt its duration, retries and final failures. A generation
// job that fails for a reason the user reads (MODEL_ERROR…) completes in BullMQ; the runner counts
// its code in the same failures counter.
import { Queue, type Worker } from 'bullmq';
import { addCollector, counter, gauge, histogram } from '../metrics.js';
import { closeQueue } from '../queues.js';
import { createRedis } from '../redis.js';
import { BoundedLabel } from './bounded-labels.js';

export const queueJobs = gauge('pptist_queue_jobs', 'Jobs in a queue by queue and state (waiting, active, delayed, failed)');
export const jobDuration = histogram('pptist_queue_job_duration_seconds', 'Job attempt duration by queue and outcome (completed, failed)');
export const jobRetries = counter('pptist_queue_job_retries_total', 'Failed job attempts that the queue will retry, by queue');
export const jobFailures = counter('pptist_queue_job_failures_total', 'Jobs that failed for good, by queue and code (error name, or the job’s own error code)');

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
const errorNames = new BoundedLabel(30, /^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'UNKNOWN');

type DepthSource = Pick<Queue, 'name' | 'getJobCounts'> & { opts: { prefix?: string } };
// Several owners of one queue in a process (a subgraph and its worker in tests) report it once.
const watched = new Map<string, { sources: Set<DepthSource>; remove: () => void }>();

/** Reports `queue`'s depth at every scrape until the returned function is called. */
export function watchQueueDepth(queue: DepthSource): () => void {
  const key = `${queue.opts.prefix ?? ''}:${queue.name}`;
  let entry = watched.get(key);
  if (!entry) {
    const sources = new Set<DepthSource>();
    const remove = addCollector(async () => {
      const [source] = sources;
      if (!source) return;
      const counts = await source.getJobCounts(...STATES);
      for (const state of STATES) queueJobs.set({ queue: source.name, state }, counts[state] ?? 0);
    });
    entry = { sources, remove };
    watched.set(key, entry);
  }
  const current = entry;
  current.sources.add(queue);
  return () => {
    current.sources.delete(queue);
    if (current.sources.size === 0 && watched.get(key) === current) {
      current.remove();
      watched.delete(key);
    }
  };
}

/**
 * Counts a worker's job attempts and reports its queue's depth (through a Queue of its own: a
 * worker cannot count jobs). Returns the function that stops both; call it when closing the worker.
 */
export function meterWorker(worker: Worker): () => Promise<void> {
  const queue = worker.name;
  worker.on('completed', (job) => {
    if (job.processedOn) jobDuration.observe({ queue, outcome: 'completed' }, (Date.now() - job.processedOn) / 1000);
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    if (job.processedOn) jobDuration.observe({ queue, outcome: 'failed' }, (Date.now() - job.processedOn) / 1000);
    // BullMQ sets finishedOn only when the job is not retried.
    if (job.finishedOn) jobFailures.inc({ queue, code: errorNames.of(error.name) });
    else jobRetries.inc({ queue });
  });
  const counts = new Queue(queue, { prefix: worker.opts.prefix, connection: createRedis(`queue-metrics:${queue}`) });
  const stopWatching = watchQueueDepth(counts);
  return async () => {
    stopWatching();
    await closeQueue(counts);
  };
}
