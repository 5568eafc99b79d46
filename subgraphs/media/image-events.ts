// An image's processing status, published on Redis as it changes. A follower gets the current
// state first (read after subscribing, so no change falls in between) and then each change, until
// the image is ready or failed.
import { stoppable } from '../../lib/stoppable.js';
import { listen, type PubSub, topics } from '../../lib/pubsub.js';
import type { ImageWithTags } from './image-store.js';

export interface ImageStatusMessage {
  imageId: string;
  status: string;
  error: string | null;
}

const DONE = new Set(['READY', 'FAILED']);

export class ImageEvents {
  constructor(private readonly pubsub: PubSub) {}

  async publish(image: { id: string; status: string; processingError: string | null }): Promise<void> {
    await this.pubsub.publish(topics.imageStatus(image.id), { imageId: image.id, status: image.status, error: image.processingError } satisfies ImageStatusMessage);
  }

  follow(imageId: string, current: () => Promise<ImageWithTags | null>): AsyncIterableIterator<ImageStatusMessage> {
    const pubsub = this.pubsub;
    return stoppable(async function* (signal: AbortSignal) {
      const queue: ImageStatusMessage[] = [];
      let wake: (() => void) | null = null;
      const stop = await listen<ImageStatusMessage>(pubsub, topics.imageStatus(imageId), (message) => {
        queue.push(message);
        wake?.();
      });
      try {
        const image = await current();
        if (!image) return;
        yield { imageId, status: image.status, error: image.processingError };
        if (DONE.has(image.status)) return;
        while (!signal.aborted) {
          if (queue.length === 0) await new Promise<void>((resolve) => ((wake = resolve), signal.addEventListener('abort', () => resolve(), { once: true })));
          wake = null;
          const message = queue.shift();
          if (!message) continue;
          yield message;
          if (DONE.has(message.status)) return;
        }
      } finally {
        stop();
      }
    });
  }
}
