// The media subgraph's BullMQ processor: an uploaded image gets its dimensions, a thumbnail and a
// web-friendly variant, stored beside the original, and becomes READY. Transient failures
// (storage blips, memory pressure) are retried by the queue; a corrupt image fails at once.
import { UnrecoverableError, Worker } from 'bullmq';
import { createPrisma, type PrismaClient } from '../../lib/db.js';
import { handBackOnStop } from '../../lib/graceful-shutdown.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { closePubSub, createPubSub } from '../../lib/pubsub.js';
import { closeQueue, createImageQueue, type ImageJobData, inJobSpan, QueueName, queuePrefix } from '../../lib/queues.js';
import { dependencyChecks } from '../../lib/readiness-checks.js';
import { createRedis } from '../../lib/redis.js';
import { meterWorker } from '../../lib/observability/queue-metrics.js';
import { createObjectStorage, variantKey } from '../../lib/storage/index.js';
import type { ObjectStorage } from '../../lib/storage/object-storage.js';
import { ImageEvents } from './image-events.js';
import { ImageProcessingError, processImage } from './image-processing.js';
import { ImageService } from './image-service.js';
import { ImageStore } from './image-store.js';
import { mediaSettings } from './media-settings.js';

export class ImageProcessor {
  constructor(
    private readonly store: ImageStore,
    private readonly storage: ObjectStorage,
    private readonly events: ImageEvents,
    private readonly log: Logger,
  ) {}

  /** One attempt; `lastAttempt` marks the image FAILED when this attempt fails too. */
  async process(imageId: string, lastAttempt: boolean): Promise<void> {
    const image = await this.store.findById(imageId);
    if (!image || image.status !== 'PROCESSING') return;
    try {
      const object = await this.storage.get(image.storageKey);
      if (!object) throw new ImageProcessingError('The stored image is missing', false);
      const chunks: Buffer[] = [];
      for await (const chunk of object.body) chunks.push(chunk as Buffer);
      const format = image.mimeType === 'image/svg+xml' ? 'svg' : (image.mimeType.split('/')[1] as 'png' | 'jpeg' | 'gif' | 'webp');
      const result = await processImage(Buffer.concat(chunks), format);
      const thumbnailKey = variantKey(image.storageKey, 'thumb', result.thumbnail.extension);
      const webKey = variantKey(image.storageKey, 'web', result.web.extension);
      // The row names the variants before they are written: the orphan cleanup deletes every object
      // no row names, and would otherwise take a variant written a moment before the row said so.
      await this.store.update(image.id, { thumbnailKey, webKey });
      await this.storage.put(thumbnailKey, result.thumbnail.bytes, result.thumbnail.mimeType);
      await this.storage.put(webKey, result.web.bytes, result.web.mimeType);
      const ready = await this.store.update(image.id, { status: 'READY', width: result.width, height: result.height, thumbnailKey, webKey, processingError: null });
      await this.events.publish(ready);
    } catch (error) {
      const permanent = error instanceof ImageProcessingError && !error.transient;
      this.log.warn({ err: error as Error, imageId, permanent, lastAttempt }, 'image processing failed');
      if (permanent || lastAttempt) {
        const failed = await this.store.update(image.id, { status: 'FAILED', processingError: error instanceof Error ? error.message.slice(0, 500) : 'Processing failed' });
        await this.events.publish(failed);
        if (permanent) throw new UnrecoverableError(failed.processingError ?? 'Processing failed');
      }
      throw error;
    }
  }
}

/** Orphan cleanup runs hourly: abandoned uploads live at most this long beyond their upload URL. */
const CLEANUP_EVERY_MS = 60 * 60 * 1000;

export function startMediaWorker(options: { prisma?: PrismaClient; storage?: ObjectStorage; queuePrefix?: string; cleanupEveryMs?: number } = {}) {
  const log = createLogger('media-worker');
  const prisma = options.prisma ?? createPrisma();
  const pubsub = createPubSub('media-worker');
  const redis = createRedis('media-worker');
  const storage = options.storage ?? createObjectStorage();
  const store = new ImageStore(prisma);
  const events = new ImageEvents(pubsub);
  const queue = createImageQueue(options.queuePrefix);
  const service = new ImageService(store, storage, queue, redis, events, mediaSettings());
  const processor = new ImageProcessor(store, storage, events, log);
  // Processing an image takes a second or two, well inside the shutdown's grace: a running one
  // finishes on shutdown; only a job taken while the worker was stopping goes back to the queue.
  const handBack = handBackOnStop<ImageJobData>(async (job) => {
    if (job.name === 'cleanup') {
      log.info(await service.cleanup(), 'media cleanup');
      return;
    }
    await inJobSpan(QueueName.imageProcessing, job, () => processor.process(job.data.imageId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1)));
  });
  const worker = new Worker<ImageJobData>(
    QueueName.imageProcessing,
    handBack.processor,
    { connection: createRedis('worker:media'), prefix: queuePrefix(options.queuePrefix), concurrency: 2 },
  );
  worker.on('error', (err) => log.warn({ err }, 'queue connection error'));
  const stopMetering = meterWorker(worker);
  // One schedule for the whole fleet: BullMQ keeps a single repeatable job per key.
  void queue.upsertJobScheduler('media-cleanup', { every: options.cleanupEveryMs ?? CLEANUP_EVERY_MS }, { name: 'cleanup', data: { imageId: '' } }).catch((err: unknown) => log.warn({ err }, 'cleanup schedule not set'));
  return {
    readiness: dependencyChecks({ postgres: prisma, redis, queues: { [QueueName.imageProcessing]: worker } }),
    async close() {
      await stopMetering();
      await handBack.stop(worker, closeQueue);
      await closeQueue(queue);
      await closePubSub(pubsub);
      redis.disconnect();
      if (!options.prisma) await prisma.$disconnect();
    },
  };
}
