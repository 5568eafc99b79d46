// The route a request matched, as express's template (`/api/v1/decks/:id`), for metric labels,
// span names and log lines: never the raw path with its ids.
import type { Request } from 'express';

/** The matched template; null when no route matched (yet: it is known once a handler ran). */
export function routeTemplate(req: Request): string | null {
  const path = req.route?.path;
  if (typeof path === 'string') return `${req.baseUrl}${path === '/' && req.baseUrl ? '' : path}`;
  // A regular expression or a list of paths: the mount point is as specific as it gets.
  if (path !== undefined) return `${req.baseUrl}/*`;
  return null;
}

/** The template, else the mount point (a sub-app such as the gateway at /graphql), else the path. */
export function routeName(req: Request): string {
  return routeTemplate(req) ?? (req.baseUrl || req.path);
}
