// Operations that one subgraph answers on its own go straight to it. Through the gateway's
// executor such an operation is planned, delegated and its result merged again, although the
// subgraph's result already is the answer: for a subscription that happens on every event of every
// subscriber (50 editors on a deck: 50 per edit), and for a query or mutation it was most of the
// router's own cost per request (an edit's `applyDeckOperations`, bench/collab).
//
// An operation is passed through when all its root fields belong to one subgraph and the whole
// operation is valid against that subgraph's own schema (so no field needs another subgraph). The
// router still parses, validates, limits and identifies the caller as for every operation; then it
// sends the operation to the subgraph as written and answers with what the subgraph answered.
// Queries and mutations go over HTTP with the headers the gateway would send (and a traced CLIENT
// span, as the gateway's fetches have). Subscriptions go over graphql-ws, all callers' on one
// socket per subgraph, each operation naming its caller's token in its extensions (the subgraph
// verifies it as it would a connection's): an event for 50 subscribers then reaches the router as
// 50 frames in one socket write (see lib/coalesced-ws-writes.ts), not 50 writes on 50 sockets.
// Everything else (and any subgraph whose schema file is missing) takes the gateway's path.
import { existsSync, readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { type DocumentNode, type ExecutionResult, GraphQLError, type GraphQLFormattedError, type GraphQLSchema, Kind, type OperationDefinitionNode, parse, print, validate } from 'graphql';
import { everySelectedField } from '../lib/graphql/selected-fields.js';
import { type Client, createClient, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { SubgraphName } from '../lib/config.js';
import { counter } from '../lib/metrics.js';
import { inbox, stoppable } from '../lib/stoppable.js';
import { type RouterContext, subgraphHeaders } from './auth-context.js';
import { subgraphFetchSpan } from './gateway-tracing.js';

const subscriptionRoutes = counter('pptist_router_subscriptions_total', 'Subscriptions the router opened, by route (passthrough to one subgraph, or gateway) and subgraph');
const operationRoutes = counter('pptist_router_operations_total', 'Queries and mutations the router ran, by route (passthrough to one subgraph, or gateway) and subgraph');

interface Subgraph {
  name: SubgraphName;
  httpUrl: string;
  wsUrl: string;
  schema: GraphQLSchema;
  /** `Type.field`s in its schema that it cannot resolve alone (@external, @requires). */
  borrowed: Set<string>;
}

/** Fields a subgraph declares but needs the gateway for: @external ones, and @requires ones. */
function borrowedFields(sdl: DocumentNode): Set<string> {
  const borrowed = new Set<string>();
  for (const definition of sdl.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const field of definition.fields ?? []) {
      if (field.directives?.some((d) => d.name.value === 'external' || d.name.value === 'requires')) borrowed.add(`${definition.name.value}.${field.name.value}`);
    }
  }
  return borrowed;
}

/** True when the operation selects no field the subgraph needs the gateway for. */
function selectsOnlyOwnFields(subgraph: Subgraph, document: DocumentNode): boolean {
  if (subgraph.borrowed.size === 0) return true;
  return everySelectedField(subgraph.schema, document, (parent, field) => !subgraph.borrowed.has(`${parent}.${field}`));
}

const ROOT_TYPE_OF = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;
const ROOT_TYPES: ReadonlySet<string> = new Set(Object.values(ROOT_TYPE_OF));

/** Which subgraph owns each root field (`Query.deck`, `Subscription.deckEvents`…), from the supergraph's join directives. */
function rootFieldOwners(supergraph: DocumentNode): Map<string, string> {
  const graphNames = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const definition of supergraph.definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph') {
      for (const value of definition.values ?? []) {
        const name = value.directives?.find((d) => d.name.value === 'join__graph')?.arguments?.find((a) => a.name.value === 'name')?.value;
        if (name?.kind === Kind.STRING) graphNames.set(value.name.value, name.value);
      }
    }
  }
  for (const definition of supergraph.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION || !ROOT_TYPES.has(definition.name.value)) continue;
    for (const field of definition.fields ?? []) {
      const graphs = (field.directives ?? [])
        .filter((d) => d.name.value === 'join__field')
        .map((d) => d.arguments?.find((a) => a.name.value === 'graph')?.value)
        .flatMap((v) => (v?.kind === Kind.ENUM ? [graphNames.get(v.value)] : []));
      if (graphs.length === 1 && graphs[0]) owners.set(`${definition.name.value}.${field.name.value}`, graphs[0]);
    }
  }
  return owners;
}

/** The subgraph that can answer this whole operation by itself, or null. */
function soleSubgraph(document: DocumentNode, operationName: string | null | undefined, owners: Map<string, string>, subgraphs: Map<string, Subgraph>): Subgraph | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return null;
  const rootType = ROOT_TYPE_OF[operation.operation];
  const roots = new Set<string | undefined>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return null; // fragments at the root: left to the gateway
    if (selection.name.value !== '__typename') roots.add(owners.get(`${rootType}.${selection.name.value}`));
  }
  if (roots.size !== 1) return null;
  const subgraph = subgraphs.get([...roots][0]!);
  if (!subgraph) return null;
  return validate(subgraph.schema, document).length === 0 && selectsOnlyOwnFields(subgraph, document) ? subgraph : null;
}

/** The subgraph's (already formatted) errors, as errors the router's server sends on unmasked. */
const asGraphQLError = (error: GraphQLFormattedError) => new GraphQLError(error.message, { path: error.path, extensions: error.extensions });

function resultOf(formatted: FormattedExecutionResult<Record<string, unknown>, unknown>): ExecutionResult {
  if (!formatted.errors) return formatted as ExecutionResult;
  return { ...formatted, errors: formatted.errors.map(asGraphQLError) } as ExecutionResult;
}

/** graphql-ws's error sink gets the operation's errors, or why the socket closed. */
function resultOfFailure(subgraph: string, failure: unknown): ExecutionResult {
  if (Array.isArray(failure)) return { errors: (failure as GraphQLFormattedError[]).map(asGraphQLError) };
  const closed = failure as { code?: number; reason?: string; message?: string };
  const why = closed.code ? `${closed.code}${closed.reason ? ` ${closed.reason}` : ''}` : (closed.message ?? 'unknown error');
  return { errors: [new GraphQLError(`The ${subgraph} service ended the subscription (${why})`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } })] };
}

/** Upstream graphql-ws clients, one per subgraph, closed when their last subscription ends. */
class UpstreamClients {
  private readonly clients = new Map<string, { client: Client; users: number }>();

  acquire(subgraph: Subgraph): { client: Client; release(): void } {
    const key = subgraph.name;
    let entry = this.clients.get(key);
    if (!entry) {
      const client = createClient({
        url: subgraph.wsUrl,
        webSocketImpl: WebSocket,
        // A dropped socket ends its subscriptions with an error: clients resume from their cursor.
        retryAttempts: 0,
        lazy: true,
      });
      entry = { client, users: 0 };
      this.clients.set(key, entry);
    }
    entry.users++;
    const held = entry;
    let released = false;
    return {
      client: held.client,
      release: () => {
        if (released) return;
        released = true;
        if (--held.users > 0) return;
        this.clients.delete(key);
        void held.client.dispose();
      },
    };
  }

  async disposeAll(): Promise<void> {
    const entries = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(entries.map((e) => e.client.dispose()));
  }
}

/** The subgraph's results for one subscription, as an async iterator the gateway's server can send. */
function forward(subgraph: Subgraph, upstream: { client: Client; release(): void }, query: string, variables: Record<string, unknown> | undefined, operationName: string | undefined, authorization: string | undefined): AsyncIterableIterator<ExecutionResult> {
  return stoppable(async function* (signal) {
    const results = inbox<ExecutionResult>(signal);
    const unsubscribe = upstream.client.subscribe(
      { query, variables, operationName, ...(authorization && { extensions: { authorization } }) },
      {
        next: (result) => results.push(resultOf(result)),
        error: (failure) => {
          results.push(resultOfFailure(subgraph.name, failure));
          results.close();
        },
        complete: () => results.close(),
      },
    );
    try {
      yield* results.items();
    } finally {
      unsubscribe();
      upstream.release();
    }
  });
}

/** One query or mutation sent to the subgraph over HTTP, with the headers and span the gateway's fetches have. */
async function fetchFromSubgraph(agents: Agents, subgraph: Subgraph, query: string, args: { variableValues?: unknown; operationName?: string | null; contextValue: unknown }): Promise<ExecutionResult> {
  const operationName = args.operationName ?? undefined;
  const span = subgraphFetchSpan(subgraph.name, operationName, subgraph.httpUrl);
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...subgraphHeaders(args.contextValue as RouterContext) };
  let answer: { status: number; text: string };
  try {
    answer = await postToSubgraph(agents, subgraph.httpUrl, span.inject(headers), JSON.stringify({ query, variables: args.variableValues ?? undefined, operationName }));
  } catch (error) {
    span.end(null);
    return unavailable(subgraph.name, error);
  }
  span.end(answer.status);
  let body: FormattedExecutionResult<Record<string, unknown>, unknown> | null = null;
  try {
    body = JSON.parse(answer.text) as FormattedExecutionResult<Record<string, unknown>, unknown>;
  } catch {
    // Not a GraphQL answer: reported below.
  }
  if (!body || (!('data' in body) && !body.errors)) return unavailable(subgraph.name, new Error(`HTTP ${answer.status} without a GraphQL result`));
  return resultOf(body);
}

// node:http on kept-alive sockets rather than fetch: one request per passed-through operation is
// the router's hot path, and fetch's WHATWG request, headers and stream objects cost more than the
// request itself on these small bodies.
interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
}

// An idle socket is dropped after 4 s, before the subgraph's server drops it (Node's default
// keepAliveTimeout, 5 s): a request never goes out on a socket the other side is closing.
const IDLE_SOCKET_MS = 4_000;
const keptAliveAgents = (): Agents => ({
  http: new HttpAgent({ keepAlive: true, maxSockets: 256, timeout: IDLE_SOCKET_MS }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 256, timeout: IDLE_SOCKET_MS }),
});

function postToSubgraph(agents: Agents, url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  const secure = url.startsWith('https:');
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, { method: 'POST', agent: secure ? agents.https : agents.http, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

function unavailable(subgraph: string, error: unknown): ExecutionResult {
  return { data: null, errors: [new GraphQLError(`The ${subgraph} service did not answer`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE' }, originalError: error instanceof Error ? error : undefined })] };
}

/**
 * Decides, once per parsed document, which operations one subgraph answers alone (and the query
 * text to send it); null sends the operation through the gateway.
 */
export function passthroughRouting(options: { supergraphFile: string; subgraphUrls: Record<SubgraphName, string> }) {
  const owners = rootFieldOwners(parse(readFileSync(options.supergraphFile, 'utf8')));
  const subgraphs = new Map<string, Subgraph>();
  for (const [name, url] of Object.entries(options.subgraphUrls) as [SubgraphName, string][]) {
    // The subgraphs' schemas are printed beside the supergraph (npm run schema:print).
    const file = join(dirname(options.supergraphFile), `${name}.graphql`);
    if (!existsSync(file)) continue;
    const sdl = parse(readFileSync(file, 'utf8'));
    subgraphs.set(name, { name, httpUrl: url, wsUrl: url.replace(/^http/, 'ws'), schema: buildSubgraphSchema({ typeDefs: sdl }), borrowed: borrowedFields(sdl) });
  }
  const decided = new WeakMap<DocumentNode, Map<string, { subgraph: Subgraph; query: string } | null>>();
  return (document: DocumentNode, operationName: string | undefined): { subgraph: Subgraph; query: string } | null => {
    let byName = decided.get(document);
    if (!byName) decided.set(document, (byName = new Map()));
    const key = operationName ?? '';
    if (!byName.has(key)) {
      const subgraph = soleSubgraph(document, operationName, owners, subgraphs);
      byName.set(key, subgraph && { subgraph, query: print(document) });
    }
    return byName.get(key)!;
  };
}

export function useSubgraphPassthrough(options: { supergraphFile: string; subgraphUrls: Record<SubgraphName, string> }): GatewayPlugin {
  const routeOf = passthroughRouting(options);
  const upstream = new UpstreamClients();
  const agents = keptAliveAgents();
  return {
    onExecute({ args, setExecuteFn }) {
      const route = routeOf(args.document, args.operationName ?? undefined);
      operationRoutes.inc({ route: route ? 'passthrough' : 'gateway', subgraph: route?.subgraph.name ?? '' });
      if (route) setExecuteFn(() => fetchFromSubgraph(agents, route.subgraph, route.query, args));
    },
    onSubscribe({ args, setSubscribeFn }) {
      const route = routeOf(args.document, args.operationName ?? undefined);
      subscriptionRoutes.inc({ route: route ? 'passthrough' : 'gateway', subgraph: route?.subgraph.name ?? '' });
      if (!route) return;
      const authorization = (args.contextValue as { authorization?: string }).authorization;
      setSubscribeFn(() =>
        forward(route.subgraph, upstream.acquire(route.subgraph), route.query, (args.variableValues ?? undefined) as Record<string, unknown> | undefined, args.operationName ?? undefined, authorization),
      );
    },
    onDispose: async () => {
      agents.http.destroy();
      agents.https.destroy();
      await upstream.disposeAll();
    },
  };
}
