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
      const subgraph = subgraphOf(url);
      const span = tracer().startSpan(`subgraph ${subgraph}${executionRequest?.operationName ? ` ${executionRequest.operationName}` : ''}`, {
        kind: SpanKind.CLIENT,
        attributes: { 'pptist.subgraph': subgraph, 'url.full': url, 'http.request.method': options.method ?? 'POST' },
      });
      const headers: Record<string, string> = {};
      new Headers(options.headers as HeadersInit | undefined).forEach((value, key) => {
        headers[key] = value;
      });
      propagation.inject(trace.setSpan(context.active(), span), headers);
      setOptions({ ...options, headers });
      return ({ response }) => {
        span.setAttribute('http.response.status_code', response.status);
        if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      };
    },
  };
}
