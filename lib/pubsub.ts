// GraphQL subscriptions fan out through Redis pub/sub so any replica's subscribers receive events
// published by any other process (workers included). Pub/sub is at-most-once: anything a client
// must not miss is also written to a log and replayed from the client's cursor (see ai events).
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { createRedis } from './redis.js';

export type PubSub = RedisPubSub;

export function createPubSub(name: string): RedisPubSub {
  return new RedisPubSub({
    publisher: createRedis(`${name}:pub`),
    subscriber: createRedis(`${name}:sub`),
  });
}

/** Closes both connections; call only after every subscription iterator has returned. */
export async function closePubSub(pubsub: RedisPubSub): Promise<void> {
  await pubsub.close();
}

/** Subscribes to `topic`; resolves once the subscription is active, with the way to end it. */
export async function listen<T>(pubsub: PubSub, topic: string, onMessage: (message: T) => void): Promise<() => void> {
  const id = await pubsub.subscribe(topic, onMessage);
  return () => pubsub.unsubscribe(id);
}

export const topics = {
  generationEvents: (jobId: string) => `ai.generation.${jobId}`,
  // Signals to the worker running a job (cancel); kept off the events topic so the worker does not
  // hear its own events echoed back.
  generationControl: (jobId: string) => `ai.generation.control.${jobId}`,
  deckEvents: (deckId: string) => `decks.events.${deckId}`,
  imageStatus: (imageId: string) => `media.image.${imageId}`,
  deckPresence: (deckId: string) => `decks.presence.${deckId}`,
  deckLayout: (deckId: string) => `decks.layout.${deckId}`,
} as const;
