// The router process: /graphql (HTTP, SSE and graphql-ws on one port), the REST facade at /api/v1,
// PPTist's /tools/* routes, the local storage driver's /storage/*, /health and /readiness. Built
// without listening so tests run it on port 0.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getGraphQLWSOptions } from '@graphql-hive/gateway-runtime';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { closeRevocations } from '../lib/auth/revocation.js';
import { config as loadConfig, type Config } from '../lib/config.js';
import { closeSubscriptions, drainHttpServer } from '../lib/graceful-shutdown.js';
import { CLIENT_IP_HEADER, createLogger, REQUEST_ID_HEADER } from '../lib/logger.js';
import { traceHttpRequests } from '../lib/observability/http-spans.js';
import { logRequests } from '../lib/observability/request-log.js';
import { restMetrics } from '../lib/observability/http-metrics.js';
import { RateLimiter } from '../lib/rate-limit.js';
import { createRedis } from '../lib/redis.js';
import { requestIdFrom } from '../lib/request-context.js';
import type { RunningServer } from '../lib/subgraph-server.js';
import { authorizationFrom, clientIpFrom } from './auth-context.js';
import { createGateway } from './gateway.js';
import { createReadinessChecks } from './readiness.js';
import { LegacyAccess } from './rest/legacy-access.js';
import { assignRequestId, createRestRouter } from './rest/routes.js';
import { SignedStorage } from './signed-storage.js';
import { createStorageRouter } from './storage-routes.js';
import { createToolsRouter } from './tools-routes.js';
import { createLegacyToolsRouter } from './ai-writing-routes.js';

const DEFAULT_SUPERGRAPH = resolve(fileURLToPath(import.meta.url), '../../schema/supergraph.graphql');

export function createRouterServer(options: { config?: Config; supergraphFile?: string } = {}) {
  const config = options.config ?? loadConfig();
  const log = createLogger('router');
  const redis = createRedis('router');
  const limiter = new RateLimiter(redis);
  const gateway = createGateway({ config, supergraphFile: options.supergraphFile ?? DEFAULT_SUPERGRAPH, log, limiter });
  let supergraphLoaded = false;
  const readiness = createReadinessChecks({ databaseUrl: config.DATABASE_URL, redis, supergraphLoaded: () => supergraphLoaded, subgraphUrls: config.subgraphUrls });

  const app = express();
  app.disable('x-powered-by');
  app.use(traceHttpRequests('router', { returnTraceparent: true }));
  app.use(assignRequestId);
  app.use(restMetrics(['/api/v1', '/api/tools', '/tools', '/storage']));
  app.use(logRequests(log));
  // The client address is decided here, once, and overrides anything the client sent as x-client-ip.
  app.use((req, _res, next) => {
    req.headers[CLIENT_IP_HEADER] = clientIpFrom(req.headers['x-forwarded-for'], req.socket.remoteAddress, config.TRUST_PROXY);
    next();
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'healthy' });
  });
  app.get('/readiness', async (_req, res) => {
    const result = await readiness.run();
    res.status(result.ready ? 200 : 503).json({ status: result.ready ? 'ready' : 'not_ready', checks: result.checks });
  });
  const legacy = new LegacyAccess(gateway, config, limiter);
  const storage = new SignedStorage(config);
  // The local-disk driver's signed URLs name this route; COS serves its own.
  if (storage.local) app.use('/storage', createStorageRouter(storage, log));
  app.use('/api/v1', createRestRouter(gateway, log, legacy, storage));
  // At the origin root: PPTist's builds call /tools/* on a fixed host (REST-COMPAT.md §2).
  app.use('/tools', createToolsRouter({ gateway, log, legacy, storage, requireToken: config.TOOLS_REQUIRE_TOKEN }));
  // The old client's AI writing path (REST-COMPAT.md §1), outside /api/v1 as it calls it.
  app.use('/api/tools', createLegacyToolsRouter({ gateway, log, legacy }));
  app.use(gateway.graphqlEndpoint, gateway);

  const httpServer = createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: gateway.graphqlEndpoint });
  const wsCleanup = useServer(
    getGraphQLWSOptions(gateway, (ctx) => {
      // The gateway's context is built from a Request: give graphql-ws operations one that carries
      // the connection's credentials, so HTTP and WebSocket callers share one auth path.
      const headers = new Headers();
      const authorization = authorizationFrom(undefined, ctx.connectionParams);
      if (authorization) headers.set('authorization', authorization);
      headers.set(REQUEST_ID_HEADER, requestIdFrom(undefined));
      const upgrade = (ctx.extra as { request?: import('node:http').IncomingMessage }).request;
      headers.set(CLIENT_IP_HEADER, clientIpFrom(upgrade?.headers['x-forwarded-for'], upgrade?.socket.remoteAddress, config.TRUST_PROXY));
      if (upgrade?.headers['user-agent']) headers.set('user-agent', upgrade.headers['user-agent']);
      return { request: new Request('http://router.internal/graphql', { method: 'POST', headers }) };
    }),
    wsServer,
  );

  return {
    gateway,
    async listen(port: number, host = '127.0.0.1'): Promise<RunningServer> {
      // The gateway loads the supergraph on its first request; graphql-ws operations arriving
      // before that would fail, so load it before accepting connections.
      const warmUp = await gateway.fetch('http://router.internal/graphql?query=%7B__typename%7D', {
        // The CSRF check in production wants a non-simple header on requests without a JSON body.
        headers: { accept: 'application/json', 'x-graphql-client-name': 'router-warm-up' },
      });
      if (!warmUp.ok) throw new Error(`router: supergraph did not load (${warmUp.status} ${await warmUp.text()})`);
      supergraphLoaded = true;
      await new Promise<void>((done, fail) => {
        httpServer.once('error', fail);
        httpServer.listen(port, host, () => done());
      });
      const address = httpServer.address() as AddressInfo;
      const url = `http://${host}:${address.port}`;
      log.info({ url: `${url}/graphql` }, 'router listening');
      return {
        url,
        port: address.port,
        readiness: readiness.checks,
        async close() {
          readiness.beginShutdown();
          // Stop accepting first, so subscribers told to reconnect do not land here again.
          const drained = drainHttpServer(httpServer, { sockets: wsServer });
          closeSubscriptions(wsServer);
          await wsCleanup.dispose();
          await drained;
          await gateway.dispose();
          await readiness.close();
          redis.disconnect();
          closeRevocations();
        },
      };
    },
  };
}
