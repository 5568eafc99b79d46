// Model call metrics: each attempt by model and outcome, its latency, tokens billed, and each
// model's circuit breaker as last seen by this process. The model label is the provider's model
// name (what operators compare across endpoints), bounded: users register models of their own.
import { counter, gauge, histogram } from '../../lib/metrics.js';
import { BoundedLabel } from '../../lib/observability/bounded-labels.js';
import type { BreakerDecision, BreakerState } from './circuit-breaker.js';
import { classifyModelError } from './model-errors.js';
import type { ModelEndpoint } from './model-registry.js';

export const modelCalls = counter('pptist_model_calls_total', 'Model call attempts by model and outcome (ok, retryable_error, permanent_error, breaker_open, cancelled)');
export const modelCallDuration = histogram('pptist_model_call_duration_seconds', 'Model call attempt latency by model and outcome');
export const modelTokens = counter('pptist_model_tokens_total', 'Tokens of successful model calls (including their failed attempts) by model and kind (prompt, completion)');
export const modelBreakerState = gauge('pptist_model_breaker_state', 'Circuit breaker state per model as last seen: 0 closed, 1 half-open, 2 open');

const models = new BoundedLabel(50, /^[A-Za-z0-9][\w.:/@-]{0,99}$/);
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
const OUTCOME = { transient: 'retryable_error', permanent: 'permanent_error', aborted: 'cancelled' } as const;

const modelOf = (endpoint: ModelEndpoint) => models.of(endpoint.providerModel);

export function observeBreaker(endpoint: ModelEndpoint, state: BreakerState): void {
  modelBreakerState.set({ model: modelOf(endpoint) }, BREAKER_VALUE[state]);
}

/** The breaker's answer before an attempt; a refusal counts as an attempt that never reached the provider. */
export function recordBreakerDecision(endpoint: ModelEndpoint, decision: BreakerDecision): void {
  observeBreaker(endpoint, decision.state);
  if (!decision.allowed) modelCalls.inc({ model: modelOf(endpoint), outcome: 'breaker_open' });
}

/** One attempt that reached the provider, started at `started` (performance.now()); no error: ok. */
export function recordModelAttempt(endpoint: ModelEndpoint, started: number, error?: unknown): void {
  const outcome = error === undefined ? 'ok' : OUTCOME[classifyModelError(error).kind];
  const labels = { model: modelOf(endpoint), outcome };
  modelCalls.inc(labels);
  modelCallDuration.observe(labels, (performance.now() - started) / 1000);
}

export function recordModelTokens(endpoint: ModelEndpoint, promptTokens: number, completionTokens: number): void {
  const model = modelOf(endpoint);
  modelTokens.inc({ model, kind: 'prompt' }, promptTokens);
  modelTokens.inc({ model, kind: 'completion' }, completionTokens);
}
