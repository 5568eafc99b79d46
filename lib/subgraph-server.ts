// One way to serve a subgraph: Apollo Server 5 on express 5 for queries and mutations, graphql-ws
// on the same port and path for subscriptions, and /health. Built without listening so tests start
// it on port 0; `listen` and `close` are the only lifecycle.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { closeRevocations } from './auth/revocation.js';
import { coalesceWrites } from './coalesced-ws-writes.js';
import { ErrorCode, unauthenticated } from './errors.js';
import { closeSubscriptions, SHUTDOWN_GRACE_MS } from './graceful-shutdown.js';
import { type Logger, REQUEST_ID_HEADER } from './logger.js';
import type { Readiness } from './ops-server.js';
import { type SameForEveryone, subscribeSharingEvents } from './graphql/shared-event-execution.js';
import { graphqlMetricsPlugin, meteredSubscribe } from './observability/graphql-metrics.js';
import { nameActiveSpanAfterOperation, traceHttpRequests } from './observability/http-spans.js';
import { type BaseContext, clientFrom, requestIdFrom, viewerFromAuthorization } from './request-context.js';

export interface SubgraphServerOptions<TContext extends BaseContext> {
  name: string;
  schema: GraphQLSchema;
  log: Logger;
  /** Adds the subgraph's own per-request state (loaders, services) to the base context. */
  context: (base: BaseContext) => TContext;
  /** Run on close after HTTP and WebSockets are down (workers, pub/sub, Redis, Prisma, in that order). */
  onClose?: () => Promise<void>;
  /** The subgraph's dependencies for the ops port's /readiness (lib/readiness-checks.ts). */
  readiness?: Readiness;
  /** Subscriptions whose events are executed once for all subscribers with the same selection. */
  sameForEveryone?: SameForEveryone;
}

export interface RunningServer {
  url: string;
  port: number;
  /** What the process's ops port asks before calling it ready. */
  readiness: Readiness;
  /** Stops accepting, closes subscriptions with 1001, lets requests finish (SHUTDOWN_GRACE_MS), then the rest. */
  close(): Promise<void>;
}

export interface SubgraphServer {
  httpServer: Server;
  listen(port: number, host?: string): Promise<RunningServer>;
}

/** Unexpected errors are logged with their stack and reach clients only as a code and a generic message. */
export function maskUnexpectedErrors(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const known = typeof code === 'string' && code !== ErrorCode.INTERNAL;
    if (known) {
      const { stacktrace: _dropped, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    log.error({ err: original, path: formatted.path }, 'unexpected error in resolver');
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.INTERNAL } };
  };
}

export function createSubgraphServer<TContext extends BaseContext>(options: SubgraphServerOptions<TContext>): SubgraphServer {
  const { schema, log } = options;
  const app = express();
  const httpServer = createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  wsServer.on('connection', coalesceWrites);

  const wsCleanup = useServer<Record<string, unknown>, { viewer?: BaseContext['viewer']; requestId?: string; request: import('node:http').IncomingMessage; callers?: Map<string, BaseContext['viewer']> }>(
    {
      schema,
      subscribe: meteredSubscribe(options.name, options.sameForEveryone && subscribeSharingEvents(options.sameForEveryone)),
      // A bad token closes the socket at connection time rather than running anonymous operations.
      onConnect: async (ctx) => {
        try {
          const params = ctx.connectionParams ?? {};
          const authorization = typeof params.authorization === 'string' ? params.authorization : undefined;
          ctx.extra.viewer = await viewerFromAuthorization(authorization);
          ctx.extra.requestId = requestIdFrom(typeof params[REQUEST_ID_HEADER] === 'string' ? (params[REQUEST_ID_HEADER] as string) : undefined);
          return true;
        } catch {
          return false;
        }
      },
      // The router multiplexes its callers' subscriptions over one socket and names each operation's
      // caller in its extensions; the token is verified here exactly as a connection's would be.
      onSubscribe: async (ctx, id, payload) => {
        const authorization = payload.extensions?.authorization;
        if (typeof authorization !== 'string') return;
        try {
          (ctx.extra.callers ??= new Map()).set(id, await viewerFromAuthorization(authorization));
        } catch {
          return [unauthenticated('The operation’s credentials are not valid')];
        }
      },
      onComplete: (ctx, id) => {
        ctx.extra.callers?.delete(id);
      },
      context: (ctx, id) => {
        const requestId = ctx.extra.requestId ?? requestIdFrom(undefined);
        const viewer = ctx.extra.callers?.has(id) ? (ctx.extra.callers.get(id) ?? null) : (ctx.extra.viewer ?? null);
        return options.context({ viewer, requestId, log: log.child({ requestId, userId: viewer?.userId ?? null }), client: clientFrom(ctx.extra.request.headers) });
      },
    },
    wsServer,
  );

  const drainWebSockets: ApolloServerPlugin = {
    async serverWillStart() {
      return {
        async drainServer() {
          closeSubscriptions(wsServer);
          await wsCleanup.dispose();
        },
      };
    },
  };
  // One structured line per operation, tagged with the router's request id, so a request can be
  // followed from the router into every subgraph it touched.
  const accessLog: ApolloServerPlugin<TContext> = {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async didResolveOperation({ operationName, operation }) {
          nameActiveSpanAfterOperation(operationName, operation?.operation);
        },
        async willSendResponse({ operationName, errors }) {
          contextValue.log.info(
            { operationName: operationName ?? null, durationMs: Math.round(performance.now() - started), errors: errors?.length ?? 0 },
            'graphql operation',
          );
        },
      };
    },
  };
  const apollo = new ApolloServer<TContext>({
    schema,
    includeStacktraceInErrorResponses: false,
    // main.ts owns signal handling (and closes workers, pub/sub and Prisma after Apollo); Apollo's
    // own SIGTERM handler would race it and leave the process hanging.
    stopOnTerminationSignals: false,
    formatError: maskUnexpectedErrors(log),
    // Inline traces (ftv1) only feed Apollo's usage reporting, which this platform does not use.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: SHUTDOWN_GRACE_MS }), drainWebSockets, ApolloServerPluginInlineTraceDisabled(), accessLog, graphqlMetricsPlugin<TContext>(options.name)],
  });

  app.use(traceHttpRequests(options.name));
  app.get('/health', (_req, res) => {
    res.json({ status: 'healthy', service: options.name });
  });

  let started: Promise<void> | undefined;
  return {
    httpServer,
    async listen(port, host = '127.0.0.1') {
      started ??= apollo.start().then(() => {
        app.use(
          '/graphql',
          // Above the 10 MB PPTist document limit, so the validator explains a too-large document.
          express.json({ limit: '12mb' }),
          expressMiddleware(apollo, {
            context: async ({ req }) => {
              const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
              const viewer = await viewerFromAuthorization(req.headers.authorization);
              return options.context({ viewer, requestId, log: log.child({ requestId, userId: viewer?.userId ?? null }), client: clientFrom(req.headers) });
            },
          }),
        );
      });
      await started;
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      const address = httpServer.address() as AddressInfo;
      const url = `http://${host}:${address.port}/graphql`;
      log.info({ url }, `${options.name} subgraph listening`);
      return {
        url,
        port: address.port,
        readiness: options.readiness ?? (async () => ({})),
        async close() {
          await apollo.stop();
          await options.onClose?.();
          closeRevocations();
        },
      };
    },
  };
}
