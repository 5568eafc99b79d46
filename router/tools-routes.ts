// PPTist's own AI routes, at the origin root as PPTist calls them (REST-COMPAT.md §2):
// /tools/aippt_outline streams the outline as raw markdown, /tools/aippt streams AIPPT slides as
// JSON Lines. Neither is SSE-framed (PPTist would show `data:` literally) though both are labelled
// text/event-stream, the type PPTist streams. PPTist reads neither status nor error bodies: the only
// refusal it understands is the JSON body {"state": -1}, so every refusal before a stream starts
// is that. Both run through the same generation jobs as every other door. /tools/img_search answers
// PPTist's image panel from the image library, as plain JSON; a failure is an empty result.
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../lib/logger.js';
import { aiWritingHandler } from './ai-writing-routes.js';
import type { Gateway } from './gateway.js';
import { aipptLine, type GenerationEvent, type StartGenerationInput, startFollowedGeneration } from './rest/generation-jobs.js';
import { runOperation } from './rest/graphql-client.js';
import { type Caller, createRouteHandler, type Handler, optionalText as text, parseBody } from './rest/handler.js';
import type { LegacyAccess } from './rest/legacy-access.js';
import type { GraphImage } from './rest/representations.js';
import { abortedOnClose, openResponseStream } from './rest/response-stream.js';
import { RestError } from './rest/standard-response.js';
import type { SignedStorage } from './signed-storage.js';

export interface ToolsOptions {
  gateway: Gateway;
  log: Logger;
  legacy: LegacyAccess;
  /** Makes image links absolute for PPTist, which loads them from its own origin. */
  storage: SignedStorage;
  /** TOOLS_REQUIRE_TOKEN: refuse callers without a token instead of acting as the workspace account. */
  requireToken: boolean;
}

const REFUSAL = { state: -1 };
/** What PPTist's image panel reads as "nothing (more)": it just stops loading. */
const NO_IMAGES = { data: [], total: 0 };

const content = z.string({ error: 'content is required' }).refine((value) => value.trim() !== '', 'content is required');
const OutlineRequest = z.object({ content, language: text, model: text });
const SlidesRequest = z.object({ content, language: text, model: text, style: text });

interface Tool {
  /** The job a request asks for; throws on a bad body. */
  input(req: Request): Omit<StartGenerationInput, 'idempotencyKey'>;
  /** What PPTist reads of a job event, if anything: one unit, sent in one write. */
  output(event: GenerationEvent): string | undefined;
}

const OUTLINE_TOOL: Tool = {
  input(req) {
    const request = parseBody(OutlineRequest, req);
    return { mode: 'OUTLINE', topic: request.content.trim(), language: request.language, model: request.model };
  },
  output: (event) => (event.type === 'OUTLINE_CHUNK' ? String(event.payload.chunk ?? '') || undefined : undefined),
};

const SLIDES_TOOL: Tool = {
  input(req) {
    const request = parseBody(SlidesRequest, req);
    return { mode: 'SLIDES', outline: request.content, language: request.language, style: request.style, model: request.model };
  },
  // PPTist splits every network read on newlines and does not carry a partial line over, so each
  // slide is one compact line in one write.
  output: (event) => (event.type === 'SLIDE' ? `${JSON.stringify(aipptLine(event.payload.slide))}\n` : undefined),
};

/** A token, when the caller brings one (a Bearer header, or ?token= for clients that cannot set headers). */
function tokenOf(req: Request, caller: Caller): string | undefined {
  if (caller.authorization) return caller.authorization;
  const token = req.query.token;
  return typeof token === 'string' && token !== '' ? `Bearer ${token}` : undefined;
}

async function actingCaller(req: Request, caller: Caller, options: ToolsOptions): Promise<Caller> {
  const authorization = tokenOf(req, caller);
  if (authorization) return { ...caller, authorization };
  if (options.requireToken) throw new RestError(401, 'UNAUTHORIZED', 'These routes require a token');
  return options.legacy.resolve(caller);
}

function toolStream(options: ToolsOptions, tool: Tool): Handler {
  return async (req, caller, res) => {
    const signal = abortedOnClose(res);
    let events: AsyncGenerator<GenerationEvent>;
    try {
      const input = tool.input(req);
      ({ events } = await startFollowedGeneration(options.gateway, await actingCaller(req, caller, options), input, signal));
    } catch (error) {
      if (!(error instanceof RestError) || error.httpStatus >= 500) options.log.error({ err: error, requestId: caller.requestId }, 'tools stream refused');
      res.status(200).json(REFUSAL);
      return { sent: true };
    }
    const stream = openResponseStream(res);
    try {
      for await (const event of events) {
        const unit = tool.output(event);
        if (unit) stream.send(unit);
      }
    } catch (error) {
      // Once streaming, PPTist cannot be told of a failure; it keeps what arrived.
      if (!signal.aborted) options.log.warn({ err: error, requestId: caller.requestId }, 'tools stream ended early');
    } finally {
      stream.end();
    }
    return { sent: true };
  };
}

const pageNumber = (fallback: number, max: number) =>
  z.preprocess((value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value), z.number().int().min(1).max(max).catch(fallback)).default(fallback);
const ImageSearchRequest = z.object({
  query: z.string().nullish().transform((value) => (value ?? '').trim()),
  orientation: z.enum(['landscape', 'portrait', 'square', 'all']).catch('all').default('all'),
  page: pageNumber(1, 1000),
  per_page: pageNumber(20, 100),
});
type Orientation = z.infer<typeof ImageSearchRequest>['orientation'];

// searchImages and myImagePage give at most 100 images; orientation is filtered from those.
const SEARCH_WINDOW = 100;
// PPTist searches as the user types single words (风景): half of the words must match.
const SEARCH_THRESHOLD = 50;

function fits(image: GraphImage, orientation: Orientation): boolean {
  const { width, height } = image;
  if (!width || !height || image.status === 'FAILED') return false;
  if (orientation === 'landscape') return width > height;
  if (orientation === 'portrait') return height > width;
  if (orientation === 'square') return width === height;
  return true;
}

/** POST /tools/img_search: the library's matches (the caller's images and public ones), or recent images for an empty query. */
function imageSearch(options: ToolsOptions): Handler {
  return async (req, caller, res) => {
    try {
      const request = ImageSearchRequest.parse(req.body ?? {});
      const acting = await actingCaller(req, caller, options);
      const { page, per_page: perPage, orientation } = request;
      let images: GraphImage[];
      let total: number | undefined;
      if (request.query) {
        const variables = { query: request.query.slice(0, 500), limit: SEARCH_WINDOW, threshold: SEARCH_THRESHOLD, includePublic: true };
        ({ images } = await runOperation<{ images: GraphImage[] }>(options.gateway, 'SearchImages', variables, acting));
      } else {
        const paged = orientation === 'all';
        const variables = paged ? { page, limit: perPage } : { page: 1, limit: SEARCH_WINDOW };
        const found = (await runOperation<{ page: { total: number; items: GraphImage[] } }>(options.gateway, 'ImagePage', variables, acting)).page;
        images = found.items;
        if (paged) total = found.total;
      }
      const usable = images.filter((image) => fits(image, orientation));
      const shown = total === undefined ? usable.slice((page - 1) * perPage, page * perPage) : usable;
      const data = shown.map((image) => ({ id: image.id, width: image.width, height: image.height, src: options.storage.forClient(image.link, req) }));
      res.status(200).json({ data, total: total ?? usable.length });
    } catch (error) {
      if (!(error instanceof RestError) || error.httpStatus >= 500) options.log.warn({ err: error, requestId: caller.requestId }, 'tools image search failed');
      res.status(200).json(NO_IMAGES);
    }
    return { sent: true };
  };
}

/** CORS for PPTist served from another origin: it sends no credentials, so `*` is safe. */
function allowAnyOrigin(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method !== 'OPTIONS') return next();
  res.set({ 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'content-type, authorization', 'Access-Control-Max-Age': '600' });
  res.status(204).end();
}

export function createToolsRouter(options: ToolsOptions): express.Router {
  const router = express.Router();
  const route = createRouteHandler(options.log);
  router.use(allowAnyOrigin);
  // An outline is at most 50k characters (the ai subgraph's limit); 1 MB leaves room for escaping.
  router.use(express.json({ limit: '1mb' }));
  router.post('/aippt_outline', route(toolStream(options, OUTLINE_TOOL)));
  router.post('/aippt', route(toolStream(options, SLIDES_TOOL)));
  router.post('/img_search', route(imageSearch(options)));
  // The rewritten passage as unframed text (ai-writing-routes.ts), refused the same way as the streams above.
  router.post(
    '/ai_writing',
    route(aiWritingHandler(options.gateway, options.log, { acting: (req, caller) => actingCaller(req, caller, options), refuse: (res) => void res.status(200).json(REFUSAL), contentType: 'text/event-stream; charset=utf-8' })),
  );
  // A body PPTist could not have sent (bad JSON, too large) is refused the one way it understands.
  router.use((_error: unknown, req: Request, res: Response, _next: NextFunction) => {
    res.status(200).json(req.path === '/img_search' ? NO_IMAGES : REFUSAL);
  });
  return router;
}
