// Tracing inside the gateway: the request's span (started by traceHttpRequests in router/server.ts)
// learns the operation it runs, and every subgraph fetch — plan steps and entity fetches alike —
// becomes a CLIENT span whose context goes to the subgraph in `traceparent`, where the subgraph's
// server span continues it. graphql-ws subscriptions to subgraphs are long-lived sockets and are
// not traced per event.
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { getOperationAST } from 'graphql';
import { nameActiveSpanAfterOperation } from '../lib/observability/http-spans.js';
import { tracer, tracingEnabled } from '../lib/observability/tracing.js';

export function useTracing(subgraphUrls: Record<string, string>): GatewayPlugin {
  const subgraphOf = (url: string) => Object.entries(subgraphUrls).find(([, location]) => url.startsWith(location))?.[0] ?? 'unknown';
  return {
    onExecute({ args }) {
      if (!tracingEnabled()) return;
      const operation = getOperationAST(args.document, args.operationName);
      nameActiveSpanAfterOperation(operation?.name?.value ?? args.operationName, operation?.operation);
    },
    onSubscribe({ args }) {
      if (!tracingEnabled()) return;
      nameActiveSpanAfterOperation(getOperationAST(args.document, args.operationName)?.name?.value ?? args.operationName, 'subscription');
    },
    onFetch({ url, options, setOptions, executionRequest }) {
      if (!tracingEnabled()) return;
      const span = subgraphFetchSpan(subgraphOf(url), executionRequest?.operationName, url, options.method);
      const headers: Record<string, string> = {};
      new Headers(options.headers as HeadersInit | undefined).forEach((value, key) => {
        headers[key] = value;
      });
      setOptions({ ...options, headers: span.inject(headers) });
      return ({ response }) => span.end(response.status);
    },
  };
}

/**
 * The CLIENT span of one request to a subgraph (the gateway's fetches and the router's
 * passthrough): `inject` adds its `traceparent` to the headers; `end` takes the HTTP status (null:
 * no answer). Without tracing, both leave everything as it was.
 */
export function subgraphFetchSpan(subgraph: string, operationName: string | null | undefined, url: string, method = 'POST'): { inject(headers: Record<string, string>): Record<string, string>; end(status: number | null): void } {
  if (!tracingEnabled()) return { inject: (headers) => headers, end: () => undefined };
  const span = tracer().startSpan(`subgraph ${subgraph}${operationName ? ` ${operationName}` : ''}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'pptist.subgraph': subgraph, 'url.full': url, 'http.request.method': method },
  });
  return {
    inject(headers) {
      propagation.inject(trace.setSpan(context.active(), span), headers);
      return headers;
    },
    end(status) {
      if (status !== null) span.setAttribute('http.response.status_code', status);
      if (status === null || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
