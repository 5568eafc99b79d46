// One logical model call as the generation pipeline sees it: ask the model's circuit breaker,
// stream through the openai SDK, retry transient failures with backoff (continuing from what was
// already received), feed the breaker, and add up tokens and cost — including what failed
// attempts consumed, since providers bill those too.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { type ChatStreamResult, estimateTokens, streamChatOnce } from './chat-stream.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { classifyModelError } from './model-errors.js';
import type { ModelEndpoint } from './model-registry.js';
import { type RetryInfo, type RetryPolicy, withRetries } from './retry-policy.js';
import { observeBreaker, recordBreakerDecision, recordModelAttempt, recordModelTokens } from './model-metrics.js';
import { SpanKind, withSpan } from '../../lib/observability/tracing.js';

/** The breaker refused the call: the model is considered down; the caller degrades. */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
}

/** The model is down for now (its breaker is open, or a transient failure outlasted the retries): go on without it. */
export function modelUnavailable(error: unknown): boolean {
  return error instanceof ModelUnavailableError || classifyModelError(error).kind === 'transient';
}

/** What the user reads when the model refused the request (400, 401…: repeating it cannot help). */
export function modelRefusal(modelName: string, error: unknown): string {
  const failure = classifyModelError(error);
  return `${modelName} refused the request${failure.status ? ` (HTTP ${failure.status})` : ''}: ${failure.message}`;
}

export interface CallUsage {
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  estimated: boolean;
}

export interface ModelCallOptions {
  signal: AbortSignal;
  /** Messages for an attempt, given everything received so far (empty on the first). */
  messages: (received: string) => ChatCompletionMessageParam[];
  onText: (piece: string) => void;
  onRetry?: (info: RetryInfo) => void;
}

export interface ModelCallTuning {
  retry?: Partial<RetryPolicy>;
  firstTokenTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export class ModelCaller {
  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly tuning: ModelCallTuning = {},
  ) {}

  /**
   * One logical call through the model's breaker with our retries: `attempt` makes one request
   * (with the SDK's own retries off); transient failures are retried and counted by the breaker.
   */
  async call<T>(endpoint: ModelEndpoint, attempt: (n: number) => Promise<T>, options: { signal?: AbortSignal; onRetry?: (info: RetryInfo) => void } = {}): Promise<T> {
    return withRetries<T>(
      async (n) => {
        const decision = await this.breaker.acquire(endpoint.id);
        recordBreakerDecision(endpoint, decision);
        if (!decision.allowed) throw new ModelUnavailableError(`${endpoint.name} is unavailable (circuit ${decision.state})`);
        const started = performance.now();
        let answered = false;
        try {
          const result = await withSpan(
            `model ${endpoint.name}`,
            { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': endpoint.providerModel, 'pptist.model': endpoint.name, 'pptist.model.attempt': n + 1 },
            () => attempt(n),
            { kind: SpanKind.CLIENT },
          );
          answered = true;
          recordModelAttempt(endpoint, started);
          observeBreaker(endpoint, await this.breaker.recordSuccess(endpoint.id));
          return result;
        } catch (error) {
          if (!answered) recordModelAttempt(endpoint, started, error);
          if (classifyModelError(error).kind === 'transient') observeBreaker(endpoint, await this.breaker.recordFailure(endpoint.id));
          throw error;
        }
      },
      { ...options, policy: this.tuning.retry },
    );
  }

  async stream(endpoint: ModelEndpoint, options: ModelCallOptions): Promise<{ text: string; usage: CallUsage }> {
    let received = '';
    const spent = { promptTokens: 0, completionTokens: 0, estimated: false };
    const result = await this.call<ChatStreamResult>(
      endpoint,
      async () => {
        const messages = options.messages(received);
        const before = received.length;
        try {
          return await streamChatOnce(
            {
              baseUrl: endpoint.baseUrl,
              apiKey: endpoint.apiKey,
              model: endpoint.providerModel,
              messages,
              signal: options.signal,
              temperature: typeof endpoint.parameters.temperature === 'number' ? endpoint.parameters.temperature : undefined,
              maxTokens: endpoint.maxTokens ?? undefined,
              firstTokenTimeoutMs: this.tuning.firstTokenTimeoutMs,
              idleTimeoutMs: this.tuning.idleTimeoutMs,
            },
            (piece) => {
              received += piece;
              options.onText(piece);
            },
          );
        } catch (error) {
          // What this attempt cost before it broke, estimated (no usage arrives on a failed stream).
          spent.promptTokens += estimateTokens(messages.map((m) => String(m.content ?? '')).join('\n'));
          spent.completionTokens += estimateTokens(received.slice(before));
          spent.estimated = true;
          throw error;
        }
      },
      { signal: options.signal, onRetry: options.onRetry },
    );
    const promptTokens = spent.promptTokens + result.usage.promptTokens;
    const completionTokens = spent.completionTokens + result.usage.completionTokens;
    recordModelTokens(endpoint, promptTokens, completionTokens);
    const costUsd = (promptTokens * endpoint.inputPrice + completionTokens * endpoint.outputPrice) / 1_000_000;
    return { text: received, usage: { promptTokens, completionTokens, costUsd, estimated: spent.estimated || result.usage.estimated } };
  }
}
