// Fixed-window counters in Redis, shared by every replica. One INCR per check (plus EXPIRE on the
// first hit of a window), so the limiter costs one round trip.
import { coded, ErrorCode } from './errors.js';
import { rejections } from './metrics.js';
import type { Redis } from './redis.js';

export interface Limit {
  /** Bounded name for metrics and keys, e.g. `sign_in_ip`. */
  name: string;
  max: number;
  windowSeconds: number;
}

/** The platform's abuse limits, in one place. */
export const LIMITS = {
  // Brute force: a person mistypes a few times; a script tries thousands.
  signInPerIp: { name: 'sign_in_ip', max: 30, windowSeconds: 300 },
  signInPerAccount: { name: 'sign_in_account', max: 10, windowSeconds: 900 },
  signUpPerIp: { name: 'sign_up_ip', max: 10, windowSeconds: 3600 },
  refreshPerSession: { name: 'refresh_session', max: 30, windowSeconds: 300 },
  // Anonymous legacy calls share one workspace account: each address gets a modest share.
  legacyAnonymousPerIp: { name: 'legacy_anonymous_ip', max: 120, windowSeconds: 60 },
  // Generation costs real money per call.
  generationsPerUser: { name: 'generations_user', max: 20, windowSeconds: 3600 },
  // A rewrite is one short model call; an editor polishes paragraph after paragraph.
  aiWritingPerUser: { name: 'ai_writing_user', max: 120, windowSeconds: 3600 },
  // Each image costs a few cents at the provider; a slide deck needs a handful.
  imagesPerUser: { name: 'images_user', max: 30, windowSeconds: 3600 },
  // A layout pass is one model call per slide; a deck of 30 slides tidied twice fits.
  layoutsPerUser: { name: 'layouts_user', max: 60, windowSeconds: 3600 },
} as const satisfies Record<string, Limit>;

/**
 * Who a per-user limit counts: the person; but calls a service makes for the shared workspace
 * account (anonymous legacy and PPTist callers) are counted per client address, so one caller
 * cannot spend everyone's share.
 */
export function rateSubject(viewer: { userId: string; service?: string }, clientIp: string | null): string {
  return viewer.service ? `${viewer.userId}:ip:${clientIp ?? 'unknown'}` : viewer.userId;
}

/**
 * The router's request rates: a busy editor sends a few requests a second, and 1200 a minute per
 * user leaves room for bursts (ROUTER_REQUESTS_PER_MINUTE changes it for load tests).
 */
export function routerRequestLimits(perMinute: number): { perUser: Limit; perIp: Limit } {
  return {
    perUser: { name: 'requests_user', max: perMinute, windowSeconds: 60 },
    perIp: { name: 'requests_ip', max: Math.max(1, Math.floor(perMinute / 2)), windowSeconds: 60 },
  };
}

export interface LimitDecision {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
}

export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'pptist:rl',
  ) {}

  async consume(limit: Limit, subject: string): Promise<LimitDecision> {
    const window = Math.floor(Date.now() / 1000 / limit.windowSeconds);
    const key = `${this.prefix}:${limit.name}:${subject}:${window}`;
    const results = await this.redis.multi().incr(key).expire(key, limit.windowSeconds, 'NX').exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    const windowEnds = (window + 1) * limit.windowSeconds;
    const retryAfterSeconds = Math.max(1, windowEnds - Math.floor(Date.now() / 1000));
    return { allowed: count <= limit.max, remaining: Math.max(0, limit.max - count), retryAfterSeconds };
  }

  /** Throws RATE_LIMITED (counted) when the subject is over the limit. */
  async enforce(limit: Limit, subject: string, layer: string): Promise<void> {
    const decision = await this.consume(limit, subject);
    if (!decision.allowed) {
      rejections.inc({ layer, reason: `rate_limited_${limit.name}` });
      throw coded(ErrorCode.RATE_LIMITED, `Too many requests; try again in ${decision.retryAfterSeconds} s`, {
        retryAfter: decision.retryAfterSeconds,
        limit: limit.name,
      });
    }
  }

  /** Forgets a subject's count (e.g. after a successful sign-in). */
  async reset(limit: Limit, subject: string): Promise<void> {
    const window = Math.floor(Date.now() / 1000 / limit.windowSeconds);
    await this.redis.del(`${this.prefix}:${limit.name}:${subject}:${window}`);
  }
}
