// The embedded Hive Gateway: plans queries over the supergraph, forwards the caller's credentials
// and request id to every subgraph (HTTP requests, entity fetches and subscription sockets alike).
import { readFileSync } from 'node:fs';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Config, SubgraphName } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER } from '../lib/logger.js';
import { noteCaller } from '../lib/observability/request-log.js';
import { type RateLimiter, routerRequestLimits } from '../lib/rate-limit.js';
import { requestIdFrom, viewerFromAuthorization } from '../lib/request-context.js';
import { authorizationFrom, type RouterContext, subgraphHeaders } from './auth-context.js';
import { useTracing } from './gateway-tracing.js';
import { productionHardening, useSecurityLimits } from './security-limits.js';
import { useSubgraphPassthrough } from './subgraph-passthrough.js';
import { useGraphQLMetrics } from '../lib/observability/graphql-metrics.js';

/**
 * Verifies the token once at the edge (subgraphs verify it again: they trust no one) and applies
 * the per-caller request rate: per user when signed in, per address otherwise.
 */
function useCallerIdentity(limiter: RateLimiter, perMinute: number): GatewayPlugin<RouterContext> {
  const limits = routerRequestLimits(perMinute);
  return {
    async onContextBuilding({ context, extendContext }) {
      const ctx = context as unknown as { request?: Request; connectionParams?: Record<string, unknown> };
      const authorization = authorizationFrom(ctx.request?.headers, ctx.connectionParams);
      const clientIp = ctx.request?.headers.get(CLIENT_IP_HEADER) ?? 'unknown';
      await viewerFromAuthorization(authorization, async (viewer) => {
        if (viewer) noteCaller(viewer.userId);
        if (viewer) await limiter.enforce(limits.perUser, viewer.userId, 'router');
        else await limiter.enforce(limits.perIp, clientIp, 'router');
      });
      extendContext({
        authorization,
        requestId: requestIdFrom(ctx.request?.headers.get(REQUEST_ID_HEADER)),
        clientIp: ctx.request?.headers.get(CLIENT_IP_HEADER) ?? undefined,
        userAgent: ctx.request?.headers.get('user-agent') ?? undefined,
      });
    },
  };
}

export function createGateway(options: { config: Config; supergraphFile: string; log: Logger; limiter: RateLimiter }) {
  const { config } = options;
  const subgraphs = Object.entries(config.subgraphUrls) as [SubgraphName, string][];
  const hardening = productionHardening(config.NODE_ENV);
  return createGatewayRuntime<RouterContext>({
    supergraph: () => readFileSync(options.supergraphFile, 'utf8'),
    logging: config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? 'debug' : 'warn',
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.NODE_ENV !== 'production',
    ...hardening.options,
    transportEntries: Object.fromEntries(
      subgraphs.map(([name, url]) => [
        name,
        {
          location: url,
          options: {
            subscriptions: {
              kind: 'ws',
              location: url,
              // One upstream socket per distinct value: per caller, not per subscription.
              options: { connectionParams: { authorization: '{context.authorization}' } },
            },
          },
        },
      ]),
    ),
    propagateHeaders: {
      fromClientToSubgraphs: ({ context }) => subgraphHeaders(context as unknown as RouterContext),
    },
    plugins: () => [useGraphQLMetrics(), useTracing(config.subgraphUrls), useSecurityLimits(), useCallerIdentity(options.limiter, config.ROUTER_REQUESTS_PER_MINUTE), ...hardening.plugins, useSubgraphPassthrough({ supergraphFile: options.supergraphFile, subgraphUrls: config.subgraphUrls })],
  });
}
export type Gateway = ReturnType<typeof createGateway>;
