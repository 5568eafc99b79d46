// What a failed model call means for the caller: try again (transient), stop (permanent), or stop
// because someone asked us to (aborted). The openai SDK's own retries are off (`maxRetries: 0`), so
// this is the one place that decides which failures are worth another attempt.
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';

export type FailureKind = 'transient' | 'permanent' | 'aborted';

export interface ModelFailure {
  kind: FailureKind;
  /** HTTP status of the provider's answer (or the status a mid-stream error event carried). */
  status?: number;
  /** How long the provider asked us to wait (Retry-After / retry-after-ms). */
  retryAfterMs?: number;
  message: string;
}

/** The stream ended (or the socket died) before the model said it had finished. */
export class DroppedStreamError extends Error {
  override readonly name = 'DroppedStreamError';
  constructor(
    message: string,
    /** Characters of content received before the drop (the provider bills them anyway). */
    readonly receivedChars: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No first chunk, or no next chunk, within the allowed time; the request was aborted. */
export class ModelTimeoutError extends Error {
  override readonly name = 'ModelTimeoutError';
  constructor(
    readonly phase: 'first_token' | 'idle',
    readonly timeoutMs: number,
  ) {
    super(phase === 'first_token' ? `no response from the model within ${timeoutMs} ms` : `the model stream stalled for ${timeoutMs} ms`);
  }
}

// 408 request timeout, 409 lock conflict (OpenAI uses it for transient lock timeouts), 425 too
// early, 429 rate limit; every 5xx is added below. The same set the SDK itself retries.
const TRANSIENT_STATUSES = new Set([408, 409, 425, 429]);

// Socket-level failures that surface as plain errors (undici's `TypeError: terminated` carries one
// of these as its cause) rather than as the SDK's APIConnectionError.
const TRANSIENT_SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

export function classifyModelError(error: unknown): ModelFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof APIUserAbortError || isAbortError(error)) return { kind: 'aborted', message };
  if (error instanceof ModelTimeoutError || error instanceof DroppedStreamError) return { kind: 'transient', message };
  // Includes APIConnectionTimeoutError.
  if (error instanceof APIConnectionError) return { kind: 'transient', message };
  if (error instanceof APIError) {
    const retryAfterMs = parseRetryAfterMs(error.headers);
    const withRetryAfter = retryAfterMs === undefined ? {} : { retryAfterMs };
    if (typeof error.status === 'number') {
      return { kind: kindForStatus(error.status), status: error.status, ...withRetryAfter, message };
    }
    // No status: an `error` object inside a 200 stream. Some providers (OpenRouter, several
    // OpenAI-compatible gateways) put the upstream HTTP status in its `code`; otherwise the
    // provider failed mid-answer, which is worth another attempt.
    const embedded = Number((error.error as { code?: unknown } | undefined)?.code);
    if (Number.isInteger(embedded) && embedded >= 400 && embedded <= 599) {
      return { kind: kindForStatus(embedded), status: embedded, ...withRetryAfter, message };
    }
    return { kind: 'transient', ...withRetryAfter, message };
  }
  if (hasSocketCode(error)) return { kind: 'transient', message };
  // Anything else is a bug or a bad request on our side; repeating it would fail the same way.
  return { kind: 'permanent', message };
}

function kindForStatus(status: number): FailureKind {
  return TRANSIENT_STATUSES.has(status) || (status >= 500 && status <= 599) ? 'transient' : 'permanent';
}

/**
 * Milliseconds the provider asked us to wait: `retry-after-ms` (OpenAI's, more precise) first,
 * then `Retry-After` as delta-seconds or an HTTP date. A date in the past means "now" (0).
 */
export function parseRetryAfterMs(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const millis = headers.get('retry-after-ms');
  if (millis !== null && millis.trim() !== '') {
    const value = Number(millis);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers.get('retry-after')?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** DOMException / Node's AbortError (fetch, timers/promises, AbortSignal.throwIfAborted). */
function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

function hasSocketCode(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_SOCKET_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
