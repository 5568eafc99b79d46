// A SERVER span per HTTP request, continuing the caller's trace from its `traceparent` (a client,
// or the router calling a subgraph), with everything the request does running inside it. The
// router also returns the trace in its own `traceparent` response header, so a client can find
// its request in the trace store.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { routeName } from './route-template.js';
import { contextFrom, tracer, tracingEnabled, traceparentOf } from './tracing.js';

const PROBES = new Set(['/health', '/readiness']);

/** The GraphQL operation a request's span carries, for its name when it ends. */
const operations = new WeakMap<object, string>();

export function traceHttpRequests(service: string, options: { returnTraceparent?: boolean } = {}) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // Probes every few seconds would bury the traces worth reading.
    if (!tracingEnabled() || PROBES.has(req.path)) return next();
    const parent = contextFrom(req.headers);
    const span = tracer().startSpan(
      `${req.method} ${req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'pptist.service': service, 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    if (options.returnTraceparent) {
      const traceparent = traceparentOf(span);
      if (traceparent) res.setHeader('traceparent', traceparent);
    }
    res.once('close', () => {
      // The route template (not the raw path) names the span once express has matched it.
      const route = routeName(req);
      const operation = operations.get(span);
      span.updateName(operation ? `${service} ${operation}` : `${service} ${req.method} ${route}`);
      span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** Names the request's span after the GraphQL operation it carries (set once the operation is known). */
export function nameActiveSpanAfterOperation(operationName: string | null | undefined, operationType?: string): void {
  const span = trace.getSpan(context.active());
  if (!span?.isRecording()) return;
  span.setAttribute('graphql.operation.name', operationName ?? 'anonymous');
  if (operationType) span.setAttribute('graphql.operation.type', operationType);
  operations.set(span, `${operationType ?? 'operation'} ${operationName ?? 'anonymous'}`);
}
