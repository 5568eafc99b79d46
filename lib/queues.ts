// BullMQ queues by name, so producers (subgraphs) and consumers (workers) agree on one spelling.
import { Queue } from 'bullmq';
import { config } from './config.js';
import { createRedis } from './redis.js';

export const QueueName = {
  generation: 'ai-generation',
} as const;

export interface GenerationJobData {
  jobId: string;
}

/** The key prefix of every queue; producers and workers of one platform must agree on it. */
export const queuePrefix = (prefix?: string) => prefix ?? config().QUEUE_PREFIX;

export function createGenerationQueue(prefix?: string): Queue<GenerationJobData> {
  return new Queue<GenerationJobData>(QueueName.generation, {
    prefix: queuePrefix(prefix),
    // BullMQ treats a passed-in connection as shared and does not close it: see closeQueue.
    connection: createRedis('queue:generation'),
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

/** Closes a queue or worker and the connection it was given. */
export async function closeQueue(queue: { close(): Promise<void>; opts: { connection: unknown } }): Promise<void> {
  await queue.close();
  const connection = queue.opts.connection as { disconnect?: () => void };
  connection.disconnect?.();
}
