// The REST facade at /api/v1. Every handler runs a named GraphQL operation through the gateway and
// answers in the StandardResponse envelope; no route reaches a subgraph or database on its own.
import express, { type NextFunction, type Request, type Response } from 'express';
import { REQUEST_ID_HEADER } from '../../lib/logger.js';
import { requestIdFrom } from '../../lib/request-context.js';
import type { Logger } from '../../lib/logger.js';
import type { Gateway } from '../gateway.js';
import type { SignedStorage } from '../signed-storage.js';
import type { LegacyAccess } from './legacy-access.js';
import { mountAiModelRoutes } from './ai-model-routes.js';
import { mountAuthRoutes } from './auth-routes.js';
import { mountCollaborationRoutes } from './collaboration-routes.js';
import { mountDeckRoutes } from './deck-routes.js';
import { mountGenerationRoutes } from './generation-routes.js';
import { createRouteHandler } from './handler.js';
import { mountImageAccessRoutes } from './img-access-routes.js';
import { mountImageRoutes } from './image-routes.js';
import { mountLayoutRoutes } from './layout-routes.js';
import { mountTagRoutes } from './tag-routes.js';
import { failure, RestError } from './standard-response.js';

export function createRestRouter(gateway: Gateway, log: Logger, legacy: LegacyAccess, storage: SignedStorage): express.Router {
  const router = express.Router();
  // Whole PPTist documents travel in JSON bodies: a little above the 10 MB document limit, so the
  // document validator (not the body parser) explains a too-large document.
  router.use(express.json({ limit: '12mb' }));
  const route = createRouteHandler(log);
  mountAuthRoutes(router, gateway, route);
  mountDeckRoutes(router, gateway, route);
  mountCollaborationRoutes(router, gateway, route);
  mountGenerationRoutes(router, gateway, route, legacy);
  mountAiModelRoutes(router, gateway, route, legacy);
  mountLayoutRoutes(router, gateway, route, legacy);
  const media = { gateway, legacy, storage, log };
  mountImageRoutes(router, route, media);
  mountImageAccessRoutes(router, route, media);
  mountTagRoutes(router, gateway, route, legacy);

  router.use((req: Request, res: Response) => {
    res.status(404).json(failure(new RestError(404, 'RESOURCE_NOT_FOUND', `No route ${req.method} ${req.baseUrl}${req.path}`), res.locals.requestId as string));
  });

  // Body-parser failures (bad JSON, too large) still answer in the envelope.
  router.use((error: { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status < 500 ? error.status : 400;
    res.status(status).json(failure(new RestError(status, 'INVALID_REQUEST', error.type === 'entity.too.large' ? 'Request body too large' : 'Request body is not valid JSON'), res.locals.requestId as string));
  });
  return router;
}

/** Gives every request an id (the client's, if well-formed) before anything else runs. */
export function assignRequestId(req: Request, res: Response, next: NextFunction): void {
  const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
  req.headers[REQUEST_ID_HEADER] = requestId;
  res.locals.requestId = requestId;
  res.setHeader(REQUEST_ID_HEADER, requestId);
  next();
}
