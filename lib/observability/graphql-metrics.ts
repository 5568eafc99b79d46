// GraphQL metrics per operation, on the router (a gateway plugin) and in every subgraph (an Apollo
// Server plugin, and a metered `subscribe` for graphql-ws), plus the subscription gauges. Operation
// names come from clients, so they are bounded (lib/observability/bounded-labels.ts).
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, getOperationAST, subscribe as graphqlSubscribe } from 'graphql';
import { counter, gauge, histogram } from '../metrics.js';
import { BoundedLabel, ERROR_CODE, GRAPHQL_NAME } from './bounded-labels.js';
import { isAsyncIterable } from '../stoppable.js';

export const graphqlRequests = counter('pptist_graphql_requests_total', 'GraphQL operations by service, operation, type (query/mutation/subscription/unknown) and outcome (ok/error)');
export const graphqlDuration = histogram('pptist_graphql_request_duration_seconds', 'GraphQL operation latency by service, operation and type');
export const graphqlErrors = counter('pptist_graphql_errors_total', 'GraphQL errors in responses by service, operation and extensions.code');
export const subscriptionsOpen = gauge('pptist_subscriptions_open', 'Open GraphQL subscriptions by service and transport (graphql-ws, sse)');
export const subscriptionEvents = counter('pptist_subscription_events_total', 'Subscription events delivered by service and transport');
/**
 * Live events lost on their way to a subscriber, by reason: publish_failed (never reached the bus),
 * bus_gap (missing from the live feed; read from the log instead), stream_closed (received but
 * not delivered: the stream ended first).
 */
export const subscriptionEventsDropped = counter('pptist_subscription_events_dropped_total', 'Live subscription events dropped, by reason (publish_failed, bus_gap, stream_closed)');

// 200 operation names per process: well above the platform's own clients, small enough to scrape.
const operationNames = new BoundedLabel(200, GRAPHQL_NAME, 'anonymous');
const errorCodes = new BoundedLabel(50, ERROR_CODE, 'UNCODED');

type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';
type ErrorLike = { extensions?: Record<string, unknown> | undefined };

interface Operation {
  started: number;
  name?: string | null;
  type: OperationType;
}

function describe(document: DocumentNode, name?: string | null): { name?: string; type: OperationType } {
  const operation = getOperationAST(document, name ?? undefined);
  return { name: name ?? operation?.name?.value, type: operation?.operation ?? 'unknown' };
}

/** Counts one finished operation; `errors` are those its response carried. */
export function recordOperation(service: string, op: Operation, errors: readonly ErrorLike[] | undefined): void {
  const operation = operationNames.of(op.name);
  const base = { service, operation, type: op.type };
  graphqlRequests.inc({ ...base, outcome: errors?.length ? 'error' : 'ok' });
  graphqlDuration.observe(base, (performance.now() - op.started) / 1000);
  for (const error of errors ?? []) {
    const code = error.extensions?.code;
    graphqlErrors.inc({ service, operation, code: errorCodes.of(typeof code === 'string' ? code : null) });
  }
}


/** Every error of a result (a batch, an incremental stream counts as ok: its errors arrive later). */
function errorsOf(result: unknown): ErrorLike[] {
  if (Array.isArray(result)) return result.flatMap(errorsOf);
  if (isAsyncIterable(result)) return [];
  return ((result as ExecutionResult | undefined)?.errors as ErrorLike[] | undefined) ?? [];
}

/**
 * The router's operations. HTTP requests (including SSE subscriptions and requests refused by the
 * security limits before execution) are counted when yoga hands over the result; graphql-ws
 * operations never reach onResultProcess, so they are counted when validation fails, execution
 * ends or the subscription starts (a document that does not parse over graphql-ws is not counted).
 */
export function useGraphQLMetrics(service = 'router'): GatewayPlugin {
  const http = new WeakMap<Request, Operation>();
  const ws = new WeakMap<Request, Operation>();
  const requestOf = (context: unknown) => (context as { request?: Request } | undefined)?.request;
  const operationOf = (context: unknown) => {
    const request = requestOf(context);
    return request ? (http.get(request) ?? ws.get(request)) : undefined;
  };
  return {
    onParams({ request, params, context }) {
      // getGraphQLWSOptions runs graphql-ws operations through yoga with the socket's connectionParams in the context.
      const overWs = typeof context === 'object' && context !== null && 'connectionParams' in context;
      (overWs ? ws : http).set(request, { started: performance.now(), name: params.operationName, type: 'unknown' });
    },
    onValidate({ params, context }) {
      const request = requestOf(context);
      const op = request && operationOf(context);
      if (!op) return;
      Object.assign(op, describe(params.documentAST, op.name));
      const overWs = ws.has(request);
      return ({ valid, result }) => {
        if (!valid && overWs) recordOperation(service, op, result as readonly ErrorLike[]);
      };
    },
    onExecute({ args }) {
      const request = requestOf(args.contextValue);
      const op = request && ws.get(request);
      if (!op) return;
      return { onExecuteDone: ({ result }) => recordOperation(service, op, errorsOf(result)) };
    },
    onSubscribe({ args }) {
      const request = requestOf(args.contextValue);
      const overWs = request !== undefined && ws.has(request);
      const op = operationOf(args.contextValue);
      return {
        onSubscribeResult({ result }) {
          if (overWs && op) recordOperation(service, op, errorsOf(result));
          if (!isAsyncIterable(result)) return;
          const labels = { service, transport: overWs ? 'graphql-ws' : 'sse' };
          subscriptionsOpen.inc(labels);
          return {
            onNext: () => subscriptionEvents.inc(labels),
            onEnd: () => subscriptionsOpen.dec(labels),
          };
        },
      };
    },
    onResultProcess({ request, result }) {
      const op = http.get(request);
      if (!op) return;
      http.delete(request);
      recordOperation(service, op, errorsOf(result));
    },
  };
}

/** A subgraph's HTTP operations (Apollo Server); errors as the client sees them, after masking. */
export function graphqlMetricsPlugin<TContext extends BaseContext>(service: string): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, errors, response }) {
          const body = response.body;
          const sent = body.kind === 'single' ? body.singleResult.errors : errors;
          recordOperation(service, { started, name: operationName, type: operation?.operation ?? 'unknown' }, sent);
        },
      };
    },
  };
}

/** graphql's `subscribe` for a subgraph's graphql-ws server: counts the operation, its events and how long it stays open. */
export function meteredSubscribe(service: string, subscribe: (args: ExecutionArgs) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> = graphqlSubscribe) {
  const labels = { service, transport: 'graphql-ws' };
  return async (args: ExecutionArgs) => {
    const op: Operation = { started: performance.now(), ...describe(args.document, args.operationName) };
    const result = await subscribe(args);
    recordOperation(service, op, errorsOf(result));
    return isAsyncIterable(result) ? metered(result as AsyncIterable<ExecutionResult>, labels) : result;
  };
}

/**
 * Counts an iterable's events and whether it is open. Hand-written rather than an async generator:
 * a generator's return() waits for its pending next(), so a client leaving a quiet subscription
 * would not reach the source (and its unsubscribe) until the next event.
 */
function metered<T>(source: AsyncIterable<T>, labels: Record<string, string>): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let open = true;
  const close = () => {
    if (open) subscriptionsOpen.dec(labels);
    open = false;
  };
  subscriptionsOpen.inc(labels);
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      try {
        const step = await iterator.next();
        if (step.done) close();
        else subscriptionEvents.inc(labels);
        return step;
      } catch (error) {
        close();
        throw error;
      }
    },
    async return(value?: unknown) {
      close();
      return (await iterator.return?.(value)) ?? { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      close();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
  };
}
