// The tag library (REST-COMPAT.md §1 "Tags") at /api/v1/tags and, for the newer client and the
// predecessor, /api/v1/tag-library. Legacy routes: anonymous calls act as the workspace account.
// The library is shared by every user; only administrators remove a tag from it.
import type express from 'express';
import { z } from 'zod';
import type { Gateway } from '../gateway.js';
import { type Caller, type Handler, optionalText, pageParams, parseBody, queryText } from './handler.js';
import { mediaRunner } from './image-routes.js';
import type { LegacyAccess } from './legacy-access.js';
import { type GraphImageTag, restImageTag } from './representations.js';
import { RestError } from './standard-response.js';

const CreateTagBody = z.object({
  name: z.string({ error: 'name is required' }).trim().min(1, 'name is required'),
  description: optionalText,
});

export function mountTagRoutes(router: express.Router, gateway: Gateway, route: (handler: Handler) => express.RequestHandler, legacy: LegacyAccess): void {
  const run = mediaRunner(gateway);
  const tagPage = (variables: { query?: string | null; page: number; limit: number; sortBy?: string | null; sortOrder?: string | null }, acting: Caller) =>
    run<{ page: { total: number; items: GraphImageTag[] } }>('ImageTags', variables, acting).then(({ page }) => page);

  for (const prefix of ['/tags', '/tag-library']) {
    router.get(
      prefix,
      route(async (req, caller) => {
        const acting = await legacy.resolve(caller);
        const { page, limit } = pageParams(req.query);
        const found = await tagPage({ query: queryText(req.query.query), page, limit, sortBy: queryText(req.query.sort_by), sortOrder: queryText(req.query.sort_order) }, acting);
        const pages = Math.ceil(found.total / limit);
        return { data: { items: found.items.map(restImageTag), total: found.total, page, limit, total_pages: pages, pages } };
      }),
    );

    router.get(
      `${prefix}/popular`,
      route(async (req, caller) => {
        const acting = await legacy.resolve(caller);
        const { limit } = pageParams(req.query, 10);
        const found = await tagPage({ page: 1, limit, sortBy: 'usage_count', sortOrder: 'desc' }, acting);
        return { data: { tags: found.items.map(restImageTag), total: found.items.length, limit } };
      }),
    );

    router.get(
      `${prefix}/search`,
      route(async (req, caller) => {
        const acting = await legacy.resolve(caller);
        const query = queryText(req.query.query ?? req.query.q)?.trim();
        if (!query) throw new RestError(400, 'INVALID_REQUEST', 'query is required', { field: 'query' });
        const { limit } = pageParams(req.query);
        const found = await tagPage({ query, page: 1, limit, sortBy: 'usage_count', sortOrder: 'desc' }, acting);
        return { data: { tags: found.items.map(restImageTag), total: found.items.length, query, limit } };
      }),
    );

    router.post(
      prefix,
      route(async (req, caller) => {
        const acting = await legacy.resolve(caller);
        const body = parseBody(CreateTagBody, req);
        const { tag } = await run<{ tag: GraphImageTag }>('CreateImageTag', { name: body.name, description: body.description ?? null }, acting);
        return { data: { tag: restImageTag(tag) }, status: 201, message: 'Tag saved' };
      }),
    );

    router.delete(
      `${prefix}/:name`,
      route(async (req, caller) => {
        const acting = await legacy.resolve(caller);
        const name = String(req.params.name);
        const { deleted } = await run<{ deleted: boolean }>('DeleteImageTag', { name }, acting);
        if (!deleted) throw new RestError(404, 'RESOURCE_NOT_FOUND', `No tag named ${name}`);
        return { data: { name, deleted }, message: 'Tag deleted' };
      }),
    );
  }
}
