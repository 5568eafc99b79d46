// Redis connections. BullMQ workers need `maxRetriesPerRequest: null` (blocking commands); the same
// setting is harmless elsewhere, so every connection uses it.
import { Redis } from 'ioredis';
import { config } from './config.js';

export { Redis };

export function createRedis(name: string, url = config().REDIS_URL): Redis {
  return new Redis(url, { connectionName: `pptist:${name}`, maxRetriesPerRequest: null, lazyConnect: false });
}
