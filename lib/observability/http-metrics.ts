// REST metrics per route on the router (/api/v1, /tools, /storage): requests by method, route
// template and status class, and latency. The route is express's template (`/api/v1/decks/:id`),
// known once a route matched; requests no route matched are "unmatched", never their raw path.
import type { NextFunction, Request, Response } from 'express';
import { counter, histogram } from '../metrics.js';
import { statusClass } from './bounded-labels.js';
import { routeTemplate } from './route-template.js';

export const httpRequests = counter('pptist_http_requests_total', 'REST requests by service, method, route template and status class');
export const httpDuration = histogram('pptist_http_request_duration_seconds', 'REST request latency by service, method and route template');

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Counts requests under `prefixes`; mount before the routers. */
export function restMetrics(prefixes: readonly string[], service = 'router') {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!prefixes.some((prefix) => req.path === prefix || req.path.startsWith(`${prefix}/`))) return next();
    const started = performance.now();
    res.once('close', () => {
      const method = METHODS.has(req.method) ? req.method : 'OTHER';
      const route = routeTemplate(req) ?? 'unmatched';
      httpRequests.inc({ service, method, route, status: statusClass(res.statusCode) });
      httpDuration.observe({ service, method, route }, (performance.now() - started) / 1000);
    });
    next();
  };
}
