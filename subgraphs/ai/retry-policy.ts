// Retries for model calls: exponential backoff with full jitter (so workers that failed together do
// not retry together), never sooner than the provider's Retry-After, and only for transient failures.
import { setTimeout as sleepFor } from 'node:timers/promises';
import { classifyModelError, type ModelFailure } from './model-errors.js';

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A provider asking for a longer pause than this is treated as "not now": we give up instead. */
  maxRetryAfterMs: number;
}

// Four attempts spaced ≤0.5, ≤1 and ≤2 s ride out a provider's blip without keeping a user waiting
// much longer than the blip; 30 s is about how long a user watches a spinner before giving up.
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
});

/**
 * The pause before the retry that follows failed attempt `attempt` (0 = the first attempt), or null
 * when the provider's Retry-After exceeds `policy.maxRetryAfterMs` and retrying is pointless.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY, retryAfterMs?: number, random: () => number = Math.random): number | null {
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return null;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, Math.ceil(retryAfterMs ?? 0));
}

export interface RetryInfo {
  /** The attempt that failed (0-based). */
  attempt: number;
  delayMs: number;
  error: unknown;
  failure: ModelFailure;
}

export interface RetryOptions {
  /** Overrides of DEFAULT_RETRY_POLICY for this call. */
  policy?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  random?: () => number;
  /** Must reject when the signal aborts; the default does, with an AbortError. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs `fn` until it succeeds, a failure is not transient, the attempts run out or the provider asks
 * for too long a pause; then rethrows the last error unchanged (classify it with classifyModelError).
 * Aborting the signal during a pause rejects at once with an AbortError.
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const { signal, onRetry, random = Math.random, sleep = abortableSleep } = options;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (signal?.aborted) throw error;
      const failure = classifyModelError(error);
      if (failure.kind !== 'transient' || attempt + 1 >= policy.maxAttempts) throw error;
      const delayMs = retryDelayMs(attempt, policy, failure.retryAfterMs, random);
      if (delayMs === null) throw error;
      onRetry?.({ attempt, delayMs, error, failure });
      await sleep(delayMs, signal);
    }
  }
}

async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  await sleepFor(ms, undefined, signal ? { signal } : {});
}
