// BullMQ queues by name, so producers (subgraphs) and consumers (workers) agree on one spelling.
import { Queue } from 'bullmq';
import { config } from './config.js';
import { createRedis } from './redis.js';

export const QueueName = {
  generation: 'ai-generation',
  imageProcessing: 'media-processing',
} as const;

export interface GenerationJobData {
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

export interface ImageJobData {
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
