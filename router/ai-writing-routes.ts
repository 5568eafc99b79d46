// AI writing for the two clients that paste the answer straight into a text box (REST-COMPAT.md):
// PPTist's POST /tools/ai_writing and the old client's POST /api/tools/ai_writing, both
// {content, command, stream: true} (PPTist's hard-coded `model` is ignored). Both run the
// aiWriting subscription through the gateway and send only its CHUNK texts, each written as it
// arrives. Nothing but the rewritten text ever goes into the body: a refusal happens before the
// stream starts, and a failure once streaming just ends the body.
// - /tools: labelled text/event-stream (unframed), the only type PPTist streams; a refusal is
//   PPTist's {"state": -1}.
// - /api/tools: text/plain; a refusal is the error status with an empty body.
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../lib/logger.js';
import type { Gateway } from './gateway.js';
import { withFirst } from './rest/generation-jobs.js';
import { subscribeOperation } from './rest/graphql-client.js';
import { type Caller, createRouteHandler, type Handler, parseBody } from './rest/handler.js';
import type { LegacyAccess } from './rest/legacy-access.js';
import { abortedOnClose, openResponseStream } from './rest/response-stream.js';
import { RestError } from './rest/standard-response.js';

/** The commands these clients send: PPTist's labels and their English names. */
const COMMANDS: Record<string, 'POLISH' | 'EXPAND' | 'CONDENSE'> = {
  美化改写: 'POLISH',
  扩写丰富: 'EXPAND',
  精简提炼: 'CONDENSE',
  polish: 'POLISH',
  expand: 'EXPAND',
  condense: 'CONDENSE',
};

const WritingRequest = z.object({
  content: z.string({ error: 'content is required' }).refine((value) => value.trim() !== '', 'content is required'),
  command: z
    .string({ error: 'command is required' })
    .transform((value) => COMMANDS[value.trim()] ?? COMMANDS[value.trim().toLowerCase()])
    .refine((value) => value !== undefined, `command is one of ${Object.keys(COMMANDS).join(', ')}`),
});

interface WritingEvent {
  type: 'CHUNK' | 'DONE' | 'ERROR';
  text: string | null;
  degraded: boolean;
  code: string | null;
  message: string | null;
}

/** An ERROR event before any text: [HTTP status, error_code] of the refusal. */
const REFUSALS: Record<string, [number, string]> = {
  QUOTA_EXCEEDED: [429, 'QUOTA_EXCEEDED'],
  MODEL_ERROR: [502, 'GENERATION_ERROR'],
};

export interface AiWritingDoor {
  /** Who the request acts as (a token, or the workspace account); throws a RestError to refuse. */
  acting(req: Request, caller: Caller): Promise<Caller>;
  refuse(res: Response, error: RestError): void;
  contentType: string;
}

export function aiWritingHandler(gateway: Gateway, log: Logger, door: AiWritingDoor): Handler {
  return async (req, caller, res) => {
    const signal = abortedOnClose(res);
    let events: AsyncGenerator<{ event: WritingEvent }>;
    try {
      const { content, command } = parseBody(WritingRequest, req);
      const acting = await door.acting(req, caller);
      const stream = subscribeOperation<{ event: WritingEvent }>(gateway, 'AiWriting', { input: { content, command } }, acting, signal);
      // The first event decides between a refusal and a stream.
      const first = await stream.next();
      if (!first.done && first.value.event.type === 'ERROR') {
        const { code, message } = first.value.event;
        const [status, errorCode] = REFUSALS[code ?? ''] ?? [500, 'INTERNAL_ERROR'];
        await stream.return(undefined);
        throw new RestError(status, errorCode, message ?? 'AI writing failed', { code });
      }
      events = withFirst(first, stream);
    } catch (error) {
      const refusal = error instanceof RestError ? error : new RestError(500, 'INTERNAL_ERROR', 'Internal server error');
      if (refusal.httpStatus >= 500) log.error({ err: error, requestId: caller.requestId }, 'ai writing refused');
      door.refuse(res, refusal);
      return { sent: true };
    }
    const body = openResponseStream(res, { contentType: door.contentType });
    try {
      for await (const { event } of events) {
        if (event.type !== 'CHUNK') break;
        if (event.text) body.send(event.text);
      }
    } catch (error) {
      if (!signal.aborted) log.warn({ err: error, requestId: caller.requestId }, 'ai writing stream ended early');
    } finally {
      body.end();
    }
    return { sent: true };
  };
}

/** POST /api/tools/ai_writing, the old client's legacy route (anonymous callers per the compatibility setting). */
export function createLegacyToolsRouter(options: { gateway: Gateway; log: Logger; legacy: LegacyAccess }): express.Router {
  const router = express.Router();
  const route = createRouteHandler(options.log);
  // A passage is at most 20k characters; 256 kB leaves room for JSON escaping.
  router.use(express.json({ limit: '256kb' }));
  const door: AiWritingDoor = {
    acting: (_req, caller) => options.legacy.resolve(caller),
    refuse: (res, error) => {
      const retryAfter = error.details?.retry_after;
      if (error.httpStatus === 429 && typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
      res.status(error.httpStatus).end();
    },
    contentType: 'text/plain; charset=utf-8',
  };
  router.post('/ai_writing', route(aiWritingHandler(options.gateway, options.log, door)));
  // A body the client could not have sent (bad JSON, too large): refused without a body, as the rest.
  router.use((error: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(error.status && error.status < 500 ? error.status : 400).end();
  });
  return router;
}
