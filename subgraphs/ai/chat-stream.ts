// One streaming chat attempt through the openai SDK. Retries, the circuit breaker and the choice of
// model live above this: an attempt either returns the whole answer or throws an error that
// classifyModelError can judge.
import { APIError, APIUserAbortError, OpenAI } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { DroppedStreamError, ModelTimeoutError } from './model-errors.js';

export interface ChatStreamRequest {
  baseUrl: string;
  apiKey: string;
  /** The provider's model name. */
  model: string;
  messages: ChatCompletionMessageParam[];
  temperature?: number;
  maxTokens?: number;
  signal: AbortSignal;
  /** Until the first chunk arrives (headers included). */
  firstTokenTimeoutMs?: number;
  /** Between two chunks once the stream has started. */
  idleTimeoutMs?: number;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  /** The provider sent no usage, so these are estimateTokens() counts. */
  estimated: boolean;
}

export interface ChatStreamResult {
  text: string;
  finishReason: string | null;
  usage: ChatUsage;
}

// Providers queue requests under load and reasoning models think before their first chunk, so the
// first chunk gets a minute; once streaming, 30 s of silence means the stream is dead.
export const DEFAULT_FIRST_TOKEN_TIMEOUT_MS = 60_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export async function streamChatOnce(request: ChatStreamRequest, onText: (piece: string) => void): Promise<ChatStreamResult> {
  const { signal, firstTokenTimeoutMs = DEFAULT_FIRST_TOKEN_TIMEOUT_MS, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS } = request;
  if (signal.aborted) throw new APIUserAbortError();

  // The SDK gets our own controller so a timeout can abort the request as well as the caller.
  const attempt = new AbortController();
  const forwardAbort = () => attempt.abort(signal.reason);
  signal.addEventListener('abort', forwardAbort, { once: true });
  // `null as …`: these two are set inside callbacks, which TypeScript's narrowing does not follow.
  let timedOut = null as ModelTimeoutError | null;
  let timer: NodeJS.Timeout | undefined;
  const arm = (phase: ModelTimeoutError['phase'], ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = new ModelTimeoutError(phase, ms);
      attempt.abort(timedOut);
    }, ms);
  };

  let text = '';
  let finishReason: string | null = null;
  let reported: { prompt_tokens: number; completion_tokens: number } | null = null;
  let streaming = false;
  let callbackError = null as { error: unknown } | null;
  arm('first_token', firstTokenTimeoutMs);
  try {
    const stream = await clientFor(request.baseUrl, request.apiKey).chat.completions.create(
      {
        model: request.model,
        messages: request.messages,
        stream: true,
        stream_options: { include_usage: true },
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        // `max_tokens`, not `max_completion_tokens`: the OpenAI-compatible providers (DeepSeek,
        // Zhipu, …) only know the older name, and OpenAI still accepts it for chat models.
        ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
      },
      { signal: attempt.signal },
    );
    streaming = true;
    for await (const chunk of stream) {
      arm('idle', idleTimeoutMs);
      const choice = chunk.choices[0];
      const piece = choice?.delta?.content;
      if (piece) {
        text += piece;
        try {
          onText(piece);
        } catch (error) {
          callbackError = { error };
          throw error;
        }
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) reported = chunk.usage;
    }
  } catch (error) {
    if (callbackError) throw callbackError.error;
    if (signal.aborted) throw new APIUserAbortError();
    if (timedOut) throw timedOut;
    // Provider errors (HTTP statuses, error events) and the SDK's connection errors speak for
    // themselves; anything else once the body is flowing is the stream breaking (undici's
    // `TypeError: terminated`, a truncated event).
    if (error instanceof APIError || !streaming) throw error;
    throw new DroppedStreamError(`the model stream broke after ${text.length} characters`, text.length, { cause: error });
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', forwardAbort);
  }
  // The SDK ends iteration quietly when its request is aborted, so an abort or a timeout during the
  // body shows up here, as a stream that simply stopped.
  if (signal.aborted) throw new APIUserAbortError();
  if (timedOut) throw timedOut;
  if (finishReason === null) throw new DroppedStreamError(`the model stream ended without a finish reason after ${text.length} characters`, text.length);

  const usage: ChatUsage = reported
    ? { promptTokens: reported.prompt_tokens, completionTokens: reported.completion_tokens, estimated: false }
    : { promptTokens: estimatePromptTokens(request.messages), completionTokens: estimateTokens(text), estimated: true };
  return { text, finishReason, usage };
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/** Rough token count for providers that send no usage: one per CJK character, one per 4 others. */
export function estimateTokens(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  const others = [...text].length - cjk;
  return cjk + Math.ceil(others / 4);
}

// Each message costs a few tokens of framing (role, separators) on top of its content.
const TOKENS_PER_MESSAGE = 4;

function estimatePromptTokens(messages: ChatCompletionMessageParam[]): number {
  let total = 0;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE;
    const content = message.content;
    if (typeof content === 'string') total += estimateTokens(content);
    else if (Array.isArray(content)) {
      for (const part of content) if (part.type === 'text') total += estimateTokens(part.text);
    }
  }
  return total;
}

// Clients are reused per (base URL, key) for their connection pools; keys can be users' own, so the
// cache is bounded and evicts the least recently used.
const MAX_CLIENTS = 64;
const clients = new Map<string, OpenAI>();

export function clientFor(baseURL: string, apiKey: string): OpenAI {
  const cacheKey = `${baseURL}\n${apiKey}`;
  let client = clients.get(cacheKey);
  if (client) clients.delete(cacheKey);
  // maxRetries 0: retries are ours (withRetries), with the circuit breaker's knowledge.
  else client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  clients.set(cacheKey, client);
  if (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value!);
  return client;
}
