// One JSON line per HTTP request at the router, when it ends: method, route (the template, never
// the query string: signed URLs carry their signature there), status, duration, the request id and
// the caller's user id once the gateway has verified the token. The user id reaches this line
// through a per-request holder in AsyncLocalStorage, which the gateway's identity step fills.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { routeName } from './route-template.js';

interface RequestScope {
  userId?: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** Records who the caller turned out to be, for the request's log line. */
export function noteCaller(userId: string): void {
  const current = scope.getStore();
  if (current) current.userId = userId;
}

export function logRequests(log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const holder: RequestScope = {};
    res.once('close', () => {
      const route = routeName(req);
      const line = {
        requestId: res.locals.requestId as string | undefined,
        userId: holder.userId ?? null,
        method: req.method,
        route,
        status: res.statusCode,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        // A client that went away before the answer was complete.
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (res.statusCode >= 500) log.error(line, 'request');
      else log.info(line, 'request');
    });
    scope.run(holder, next);
  };
}
