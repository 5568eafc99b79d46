// One circuit breaker per model, shared by every worker process through Redis, so a provider that
// is down gets one probe request every `openMs` from the whole fleet instead of a request per job.
//
// Callers record only *transient* failures (classifyModelError(...).kind === 'transient'): a 400 or
// a 401 says the request or the key is wrong, not that the model is down, and an abort says nothing.
// A call let through as the probe should record its outcome as soon as it knows it (a first token is
// proof enough of health); a probe that never reports frees its slot after `probeTtlMs`.
//
// Each operation is one Lua script, so concurrent workers see one consistent state, and time is the
// Redis server's clock (TIME), so workers with skewed clocks still agree on when `openMs` ends.
import type { Redis } from '../../lib/redis.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Transient failures within `windowMs` (with no success in between) that open the breaker. */
  failureThreshold: number;
  windowMs: number;
  /** How long an open breaker refuses calls before letting one probe through. */
  openMs: number;
  /** How long the probe slot stays taken when its holder never reports back. */
  probeTtlMs: number;
}

export interface BreakerDecision {
  allowed: boolean;
  /** This caller is the one probe of a half-open breaker; record its outcome. */
  probe: boolean;
  state: BreakerState;
}

export const DEFAULT_BREAKER_OPTIONS: CircuitBreakerOptions = Object.freeze({
  failureThreshold: 5,
  windowMs: 60_000,
  openMs: 30_000,
  probeTtlMs: 60_000,
});

// A breaker nobody touches for a day forgets it was open; keeps keys of retired models from piling up.
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS: state hash, probe. ARGV: openMs. Returns the state.
const STATE = `${NOW}
local openedAt = tonumber(redis.call('HGET', KEYS[1], 'opened_at'))
if not openedAt then return 'closed' end
if now < openedAt + tonumber(ARGV[1]) then return 'open' end
return 'half_open'`;

// KEYS: state hash, probe. ARGV: openMs, probeTtlMs. Returns {allowed, probe, state}.
const ACQUIRE = `${NOW}
local openedAt = tonumber(redis.call('HGET', KEYS[1], 'opened_at'))
if not openedAt then return {1, 0, 'closed'} end
if now < openedAt + tonumber(ARGV[1]) then return {0, 0, 'open'} end
if redis.call('SET', KEYS[2], now, 'NX', 'PX', ARGV[2]) then return {1, 1, 'half_open'} end
return {0, 0, 'half_open'}`;

// KEYS: state hash, failures, probe. ARGV: threshold, windowMs, openMs, forgetAfterMs. Returns the
// state after the failure.
const RECORD_FAILURE = `${NOW}
local openedAt = tonumber(redis.call('HGET', KEYS[1], 'opened_at'))
if openedAt then
  if now >= openedAt + tonumber(ARGV[3]) then
    redis.call('HSET', KEYS[1], 'opened_at', now)
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
    redis.call('DEL', KEYS[3])
  end
  return 'open'
end
local failures = redis.call('INCR', KEYS[2])
if failures == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
if failures >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'opened_at', now)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('DEL', KEYS[2], KEYS[3])
  return 'open'
end
return 'closed'`;

// KEYS: state hash, failures, probe. ARGV: openMs. A success while the breaker is still open came
// from a call let through before it opened; it says nothing about the model now, so it is ignored.
// Returns the state after the success.
const RECORD_SUCCESS = `${NOW}
local openedAt = tonumber(redis.call('HGET', KEYS[1], 'opened_at'))
if openedAt and now < openedAt + tonumber(ARGV[1]) then return 'open' end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 'closed'`;

export class CircuitBreaker {
  private readonly options: CircuitBreakerOptions;

  constructor(
    private readonly redis: Redis,
    options: Partial<CircuitBreakerOptions> = {},
  ) {
    this.options = { ...DEFAULT_BREAKER_OPTIONS, ...options };
  }

  async state(modelKey: string): Promise<BreakerState> {
    const k = keys(modelKey);
    return (await this.redis.eval(STATE, 2, k.state, k.probe, this.options.openMs)) as BreakerState;
  }

  /** Whether a call to the model may go ahead now. */
  async acquire(modelKey: string): Promise<BreakerDecision> {
    const k = keys(modelKey);
    const [allowed, probe, state] = (await this.redis.eval(ACQUIRE, 2, k.state, k.probe, this.options.openMs, this.options.probeTtlMs)) as [number, number, BreakerState];
    return { allowed: allowed === 1, probe: probe === 1, state };
  }

  /** Closes a half-open breaker (or resets a closed one's failure count). */
  async recordSuccess(modelKey: string): Promise<BreakerState> {
    const k = keys(modelKey);
    return (await this.redis.eval(RECORD_SUCCESS, 3, k.state, k.failures, k.probe, this.options.openMs)) as BreakerState;
  }

  /** Counts a transient failure; opens at the threshold, and re-opens a half-open breaker. */
  async recordFailure(modelKey: string): Promise<BreakerState> {
    const k = keys(modelKey);
    const { failureThreshold, windowMs, openMs } = this.options;
    return (await this.redis.eval(RECORD_FAILURE, 3, k.state, k.failures, k.probe, failureThreshold, windowMs, openMs, FORGET_AFTER_MS)) as BreakerState;
  }
}

function keys(modelKey: string) {
  const base = `pptist:breaker:${modelKey}`;
  return { state: base, failures: `${base}:failures`, probe: `${base}:probe` };
}
