// BullMQ queues by name, so producers (subgraphs) and consumers (workers) agree on one spelling.
import { Queue } from 'bullmq';
import { config } from './config.js';
import { contextFrom, SpanKind, traceCarrier, withSpan } from './observability/tracing.js';
import { createRedis } from './redis.js';

export const QueueName = {
  generation: 'ai-generation',
  imageProcessing: 'media-processing',
  deckLayout: 'deck-layout',
} as const;

/** Every job's data carries the trace of the request that queued it (W3C headers; empty when tracing is off). */
export interface TracedJobData {
  trace?: Record<string, string>;
}

export interface GenerationJobData extends TracedJobData {
  jobId: string;
}

/** The key prefix of every queue; producers and workers of one platform must agree on it. */
export const queuePrefix = (prefix?: string) => prefix ?? config().QUEUE_PREFIX;

/** A queue whose jobs are retried `attempts` times in all, exponentially spaced from `delayMs`. */
function createQueue<T>(name: string, prefix: string | undefined, retry: { attempts: number; delayMs: number }): Queue<T> {
  return new Queue<T>(name, {
    prefix: queuePrefix(prefix),
    // BullMQ treats a passed-in connection as shared and does not close it: see closeQueue.
    connection: createRedis(`queue:${name}`),
    defaultJobOptions: {
      attempts: retry.attempts,
      backoff: { type: 'exponential', delay: retry.delayMs },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

export function createGenerationQueue(prefix?: string): Queue<GenerationJobData> {
  return createQueue<GenerationJobData>(QueueName.generation, prefix, { attempts: 3, delayMs: 1000 });
}

export interface ImageJobData extends TracedJobData {
  imageId: string;
}

/**
 * Processing failures worth another try (memory pressure, storage blips) get a few, spaced out; a
 * corrupt image fails for good on its first attempt (the worker says which).
 */
export function createImageQueue(prefix?: string): Queue<ImageJobData> {
  return createQueue<ImageJobData>(QueueName.imageProcessing, prefix, { attempts: 4, delayMs: 500 });
}

/** Closes a queue or worker and the connection it was given. */
export async function closeQueue(queue: { close(): Promise<void>; opts: { connection: unknown } }): Promise<void> {
  await queue.close();
  const connection = queue.opts.connection as { disconnect?: () => void };
  connection.disconnect?.();
}

/** Job data with the active trace attached, so the worker's span continues the request's trace. */
export function withTrace<T extends object>(data: T): T & TracedJobData {
  const trace = traceCarrier();
  return Object.keys(trace).length > 0 ? { ...data, trace } : data;
}

/** Runs a job's work in a CONSUMER span, a child of the span that queued it. */
export function inJobSpan<T>(queue: string, job: { id?: string; name: string; attemptsMade: number; data: TracedJobData }, work: () => Promise<T>): Promise<T> {
  return withSpan(
    `job ${queue} ${job.name}`,
    { 'messaging.system': 'bullmq', 'messaging.destination.name': queue, 'messaging.message.id': job.id ?? '', 'pptist.job.attempt': job.attemptsMade + 1 },
    work,
    { kind: SpanKind.CONSUMER, parent: contextFrom(job.data.trace) },
  );
}
