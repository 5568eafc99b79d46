// Revoked sessions, visible to every process at once. An access token stays valid by signature
// until it expires, so revoking a session marks its id in Redis for one access-token lifetime;
// every verifier checks that mark (one EXISTS per request).
import { config } from '../config.js';
import { createRedis, type Redis } from '../redis.js';

const key = (sessionId: string) => `pptist:revoked-session:${sessionId}`;
let shared: Redis | undefined;

function redis(): Redis {
  shared ??= createRedis('revocations');
  return shared;
}

export async function markSessionsRevoked(sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  // A little longer than a token lives, so clock skew cannot reopen the window.
  const ttl = config().ACCESS_TOKEN_TTL_SECONDS + 60;
  const pipeline = redis().pipeline();
  for (const id of sessionIds) pipeline.set(key(id), '1', 'EX', ttl);
  await pipeline.exec();
}

export async function isSessionRevoked(sessionId: string): Promise<boolean> {
  return (await redis().exists(key(sessionId))) === 1;
}

/** For graceful shutdown and tests. */
export function closeRevocations(): void {
  shared?.disconnect();
  shared = undefined;
}
