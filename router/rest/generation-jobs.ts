// Generation jobs for the router's doors (REST /generations, the old client's /generate/* streams,
// PPTist's /tools/*): starting one, with refusals as REST errors, and following its event log.
// All of them run the same GraphQL operations as every other client.
import { randomUUID } from 'node:crypto';
import type { Gateway } from '../gateway.js';
import { runOperation, subscribeOperation } from './graphql-client.js';
import type { Caller } from './handler.js';
import { type GraphGenerationJob, snakeCase } from './representations.js';
import { RestError, restErrorFromUserError } from './standard-response.js';

export interface GenerationEvent {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  at: string;
}

export interface StartGenerationInput {
  mode?: 'DECK' | 'OUTLINE' | 'SLIDES';
  topic?: string;
  sourceText?: string;
  outline?: string;
  language?: string;
  slideCount?: number;
  style?: string;
  templateId?: string;
  deckId?: string;
  model?: string;
  idempotencyKey?: string;
}

type UserError = { code: string; message: string; field?: string | null };
type StartPayload = { created: boolean; job: GraphGenerationJob | null; error: UserError | null };

export const FINISHED_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** startGeneration's refusals that are not a malformed request: [HTTP status, error_code]. */
const REFUSALS: Record<string, [number, string]> = {
  // Both clear by themselves (a running job finishes, the day's quota resets): "not now", so 429,
  // with the domain code so a client can tell them from the per-minute RATE_LIMITED.
  CONCURRENCY_LIMIT: [429, 'CONCURRENCY_LIMIT'],
  QUOTA_EXCEEDED: [429, 'QUOTA_EXCEEDED'],
  NOT_FOUND: [404, 'RESOURCE_NOT_FOUND'],
  FORBIDDEN: [403, 'PERMISSION_DENIED'],
};

function refusalOf(error: UserError): RestError {
  const field = error.field ? snakeCase(error.field) : undefined;
  const refusal = REFUSALS[error.code];
  if (!refusal) return restErrorFromUserError({ ...error, field });
  return new RestError(refusal[0], refusal[1], error.message, { code: error.code, ...(field && { field }) });
}

export async function startGeneration(gateway: Gateway, caller: Caller, input: StartGenerationInput): Promise<{ job: GraphGenerationJob; created: boolean }> {
  const { result } = await runOperation<{ result: StartPayload }>(gateway, 'StartGeneration', { input }, caller);
  if (!result.job) throw refusalOf(result.error ?? { code: 'UNKNOWN', message: 'The generation did not start' });
  return { job: result.job, created: result.created };
}

/** The job's events after `after` (from the first when absent); completes after the terminal one. */
export async function* generationEvents(gateway: Gateway, caller: Caller, jobId: string, after: number | undefined, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
  const variables = { jobId, after: after === undefined ? null : String(after) };
  for await (const { event } of subscribeOperation<{ event: GenerationEvent }>(gateway, 'GenerationEvents', variables, caller, signal)) yield event;
}

/** `events` again, with its already-received first result in front. */
export async function* withFirst<T>(first: IteratorResult<T>, events: AsyncGenerator<T>): AsyncGenerator<T> {
  if (first.done) return;
  yield first.value;
  yield* events;
}

/**
 * A one-shot job for a streaming door (/generate/*, /tools/*). Those clients have no idempotency
 * keys and every call is a new generation, so each gets a key of its own. The first event is
 * awaited here, so a refusal to start or to subscribe surfaces before the caller commits to a
 * stream. When `signal` aborts (the client left) only the subscription ends, not the job: it runs
 * to completion and its log stays readable (GET /generations/{id}/events resumes it).
 */
export async function startFollowedGeneration(
  gateway: Gateway,
  caller: Caller,
  input: Omit<StartGenerationInput, 'idempotencyKey'>,
  signal: AbortSignal,
): Promise<{ job: GraphGenerationJob; events: AsyncGenerator<GenerationEvent> }> {
  const { job } = await startGeneration(gateway, caller, { ...input, idempotencyKey: randomUUID() });
  const events = generationEvents(gateway, caller, job.id, undefined, signal);
  return { job, events: withFirst(await events.next(), events) };
}

/** An AIPPT slide as the clients print it, `type` first (the job log's JSONB keeps keys sorted). */
export function aipptLine(slide: unknown): { type: unknown; data: unknown } {
  const { type, data } = slide as { type: unknown; data: unknown };
  return { type, data };
}
