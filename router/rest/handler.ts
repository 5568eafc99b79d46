// How every REST route answers: the caller's identity in, a StandardResponse out, coded errors
// mapped to HTTP statuses (429s with Retry-After). Routes only describe what differs.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { userErrorFromZod } from '../../lib/graphql/user-error.js';
import { CLIENT_IP_HEADER, type Logger } from '../../lib/logger.js';
import { failure, RestError, restErrorFromUserError, success } from './standard-response.js';

export type Caller = { authorization?: string; requestId: string; clientIp?: string; userAgent?: string };
/** A handler answers with data for the envelope, or `{ sent: true }` when it wrote a file itself. */
export type Handler = (req: Request, caller: Caller, res: Response) => Promise<{ data: unknown; status?: number; message?: string } | { sent: true }>;

export function createRouteHandler(log: Logger) {
  return (handler: Handler) => async (req: Request, res: Response) => {
    const caller: Caller = {
      authorization: req.headers.authorization,
      requestId: res.locals.requestId as string,
      clientIp: req.headers[CLIENT_IP_HEADER] as string | undefined,
      userAgent: req.headers['user-agent'],
    };
    try {
      const result = await handler(req, caller, res);
      if ('sent' in result) return;
      res.status(result.status ?? 200).json(success(result.data, caller.requestId, result.message));
    } catch (error) {
      const restError = error instanceof RestError ? error : new RestError(500, 'INTERNAL_ERROR', 'Internal server error');
      if (restError.httpStatus >= 500) log.error({ err: error, requestId: caller.requestId }, 'REST request failed');
      const retryAfter = restError.details?.retry_after;
      if (restError.httpStatus === 429 && typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
      res.status(restError.httpStatus).json(failure(restError, caller.requestId));
    }
  };
}

export function requireToken(caller: Caller): void {
  if (!caller.authorization) throw new RestError(401, 'UNAUTHORIZED', 'Sign in first');
}

/** The JSON body as an object (an array or scalar body is the client's mistake). */
export function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new RestError(400, 'INVALID_REQUEST', 'Request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** An optional string field; null (which some clients send for "not set") reads as absent. */
export const optionalText = z.string().nullish().transform((value) => value ?? undefined);

/** A whole number, also when a form sent it as a numeric string. */
export const wholeNumberField = (field: string) =>
  z.preprocess(
    (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: `${field} must be a whole number` }).int(`${field} must be a whole number`),
  );

/** The JSON body as `schema` reads it; the first problem is a 400 naming its field. */
export function parseBody<T>(schema: z.ZodType<T>, req: Request): T {
  const parsed = schema.safeParse(bodyOf(req));
  if (!parsed.success) throw restErrorFromUserError(userErrorFromZod(parsed.error));
  return parsed.data;
}

export function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0) throw new RestError(400, 'INVALID_REQUEST', `${field} is required`, { field });
  return value;
}

/** A whole number ≥ 0 from a query parameter or header (revisions, event positions); absent: undefined. */
export function optionalWholeNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value);
  if (!/^\d{1,9}$/.test(text)) throw new RestError(400, 'INVALID_REQUEST', `${field} must be a whole number ≥ 0`, { field });
  return Number(text);
}

/** The first value of a query parameter (`?a=1&a=2` reads as '1'); absent or empty: undefined. */
export function queryText(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

/** `page` (from 1) and `limit` (1 to 100) of the contract's numbered lists. */
export function pageParams(query: Request['query'], defaultLimit = 20): { page: number; limit: number } {
  const page = optionalWholeNumber(queryText(query.page), 'page') ?? 1;
  const limit = optionalWholeNumber(queryText(query.limit), 'limit') ?? defaultLimit;
  if (page < 1) throw new RestError(400, 'INVALID_REQUEST', 'page starts at 1', { field: 'page' });
  if (limit < 1 || limit > 100) throw new RestError(400, 'INVALID_REQUEST', 'limit must be 1 to 100', { field: 'limit' });
  return { page, limit };
}
