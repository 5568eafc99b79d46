// Subscriptions that one subgraph answers on its own go straight to it. Through the gateway's
// executor every event of every subscriber is planned, delegated and merged again, although the
// subgraph's result already is the answer; with 50 editors on a deck each batch is 50 such events,
// and that work was most of the router's share of a co-editing edit's latency (bench/collab).
//
// A subscription is passed through when all its root fields belong to one subgraph and the whole
// operation is valid against that subgraph's own schema (so no field needs another subgraph). The
// router still parses, validates, limits and identifies the caller as for every operation; then it
// opens the subscription on the subgraph over graphql-ws and forwards each result as the subgraph
// sent it. All callers' subscriptions to a subgraph share one socket, each operation naming its
// caller's token in its extensions (the subgraph verifies it as it would a connection's): an event
// for 50 subscribers then reaches the router as 50 frames in one socket write (see
// lib/coalesced-ws-writes.ts), not 50 writes on 50 sockets. Everything else (and any subgraph whose
// schema file is missing) takes the gateway's path.
import { existsSync, readFileSync } from 'node:fs';
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

const subscriptionRoutes = counter('pptist_router_subscriptions_total', 'Subscriptions the router opened, by route (passthrough to one subgraph, or gateway) and subgraph');

interface Subgraph {
  name: SubgraphName;
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

/** Which subgraph owns each Subscription field, from the supergraph's join directives. */
function subscriptionOwners(supergraph: DocumentNode): Map<string, string> {
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
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION || definition.name.value !== 'Subscription') continue;
    for (const field of definition.fields ?? []) {
      const graphs = (field.directives ?? [])
        .filter((d) => d.name.value === 'join__field')
        .map((d) => d.arguments?.find((a) => a.name.value === 'graph')?.value)
        .flatMap((v) => (v?.kind === Kind.ENUM ? [graphNames.get(v.value)] : []));
      if (graphs.length === 1 && graphs[0]) owners.set(field.name.value, graphs[0]);
    }
  }
  return owners;
}

/** The subgraph that can answer this whole operation by itself, or null. */
function soleSubgraph(document: DocumentNode, operationName: string | null | undefined, owners: Map<string, string>, subgraphs: Map<string, Subgraph>): Subgraph | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (operation?.operation !== 'subscription') return null;
  const roots = new Set<string | undefined>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return null; // fragments at the root: left to the gateway
    if (selection.name.value !== '__typename') roots.add(owners.get(selection.name.value));
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

/**
 * Decides, once per parsed document, which subscriptions one subgraph answers alone (and the query
 * text to send it); null sends the operation through the gateway.
 */
export function subscriptionRouting(options: { supergraphFile: string; subgraphUrls: Record<SubgraphName, string> }) {
  const owners = subscriptionOwners(parse(readFileSync(options.supergraphFile, 'utf8')));
  const subgraphs = new Map<string, Subgraph>();
  for (const [name, url] of Object.entries(options.subgraphUrls) as [SubgraphName, string][]) {
    // The subgraphs' schemas are printed beside the supergraph (npm run schema:print).
    const file = join(dirname(options.supergraphFile), `${name}.graphql`);
    if (!existsSync(file)) continue;
    const sdl = parse(readFileSync(file, 'utf8'));
    subgraphs.set(name, { name, wsUrl: url.replace(/^http/, 'ws'), schema: buildSubgraphSchema({ typeDefs: sdl }), borrowed: borrowedFields(sdl) });
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

export function useSubscriptionPassthrough(options: { supergraphFile: string; subgraphUrls: Record<SubgraphName, string> }): GatewayPlugin {
  const routeOf = subscriptionRouting(options);
  const upstream = new UpstreamClients();
  return {
    onSubscribe({ args, setSubscribeFn }) {
      const route = routeOf(args.document, args.operationName ?? undefined);
      subscriptionRoutes.inc({ route: route ? 'passthrough' : 'gateway', subgraph: route?.subgraph.name ?? '' });
      if (!route) return;
      const authorization = (args.contextValue as { authorization?: string }).authorization;
      setSubscribeFn(() =>
        forward(route.subgraph, upstream.acquire(route.subgraph), route.query, (args.variableValues ?? undefined) as Record<string, unknown> | undefined, args.operationName ?? undefined, authorization),
      );
    },
    onDispose: () => upstream.disposeAll(),
  };
}
