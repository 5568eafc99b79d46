// Streamed answers: the REST facade's Server-Sent Events, the old client's `data:`-only generation
// streams and PPTist's unframed /tools streams. What they share: headers that keep proxies from
// buffering or compressing, each unit (an event, a line) in one write because some clients do not
// reassemble a unit split across reads, and stopping the work behind the stream when the client goes.
import type { Request, Response } from 'express';
import { optionalWholeNumber } from './handler.js';
import { RestError } from './standard-response.js';

/** How often an idle event stream sends a comment, so proxies keep it open. */
const KEEPALIVE_MS = 15_000;
/** The reconnection delay EventSource clients are told. */
const RETRY_MS = 2_000;

export interface StreamOptions {
  /** Sends `retry:` first (EventSource clients only: other clients would read it as content). */
  retryMs?: number;
  /** Sends a comment this often while idle (SSE clients only, for the same reason). */
  keepaliveMs?: number;
  /** The body's type when it is not text/event-stream (the old client's plain-text AI writing stream). */
  contentType?: string;
}

export interface ResponseStream {
  /** Writes one unit in a single write. */
  send(unit: string): void;
  end(): void;
}

/** Aborted when the client disconnects: ends the subscription behind a stream. */
export function abortedOnClose(res: Response): AbortSignal {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  return abort.signal;
}

/** Commits a 200 streamed answer (`text/event-stream` unless told otherwise) and sends its headers at once. */
export function openResponseStream(res: Response, options: StreamOptions = {}): ResponseStream {
  res.status(200).set({ 'content-type': options.contentType ?? 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  if (options.retryMs) res.write(`retry: ${options.retryMs}\n\n`);
  const keepalive = options.keepaliveMs ? setInterval(() => res.write(': keepalive\n\n'), options.keepaliveMs) : undefined;
  return {
    send(unit) {
      if (!res.writableEnded) res.write(unit);
    },
    end() {
      clearInterval(keepalive);
      if (!res.writableEnded) res.end();
    },
  };
}

/** Where a reconnecting SSE client resumes: Last-Event-ID (the browser's automatic resume) wins over `?after`. */
export function resumeAfter(req: Request): number | undefined {
  return optionalWholeNumber(req.headers['last-event-id'], 'Last-Event-ID') ?? optionalWholeNumber(req.query.after, 'after');
}

/**
 * Sends a subscription as Server-Sent Events (`retry:`, keepalive comments, one write per event)
 * until it completes or the client leaves. A failure after the stream started can only be told in
 * an `error` event.
 */
export async function sendServerSentEvents<T>(res: Response, events: AsyncIterable<T>, signal: AbortSignal, format: (item: T) => string): Promise<void> {
  const stream = openResponseStream(res, { retryMs: RETRY_MS, keepaliveMs: KEEPALIVE_MS });
  try {
    for await (const item of events) stream.send(format(item));
  } catch (error) {
    if (!signal.aborted) {
      const restError = error instanceof RestError ? error : new RestError(500, 'INTERNAL_ERROR', 'Internal server error');
      stream.send(`event: error\ndata: ${JSON.stringify({ error_code: restError.errorCode, message: restError.message })}\n\n`);
    }
  } finally {
    stream.end();
  }
}
