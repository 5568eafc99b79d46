// The whole platform in one test process: four subgraphs, the ai worker and the router, each on a
// free port, against the Postgres and Redis that global-setup started. Tests talk to it only as
// clients would (HTTP, graphql-ws, SSE, REST).
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { parseConfig } from '../lib/config.js';
import { createPrisma } from '../lib/db.js';
import type { RunningServer } from '../lib/subgraph-server.js';
import { createRouterServer } from '../router/server.js';
import { createAiServer } from '../subgraphs/ai/server.js';
import { type AiWorkerOptions, startAiWorker } from '../subgraphs/ai/worker.js';
import { createDecksServer } from '../subgraphs/decks/server.js';
import { createMediaServer } from '../subgraphs/media/server.js';
import { startMediaWorker } from '../subgraphs/media/worker.js';
import { startOpsServer } from '../lib/ops-server.js';
import type { ObjectStorage } from '../lib/storage/object-storage.js';
import { createUsersServer } from '../subgraphs/users/server.js';

type SubgraphKey = 'users' | 'decks' | 'ai' | 'media';

export interface Stack {
  routerUrl: string;
  /** The process's internal ops port: /metrics, /health, /readiness (one process, one registry). */
  opsUrl: string;
  /** The BullMQ key prefix of this stack (worker processes started by a test must use it). */
  queuePrefix: string;
  /** With `decksReplicas: 2`: a second router whose decks subgraph is a second replica. */
  replicaRouterUrl?: string;
  subgraphUrls: Record<SubgraphKey, string>;
  /** Database queries the decks subgraph has sent (only with `countDeckQueries`). */
  deckQueries: { count: number };
  /** Stops one subgraph, to see how the rest of the platform copes. */
  stopSubgraph(name: SubgraphKey): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Switches the REST contract's compatibility exception on for this stack. */
  legacyAnonymousAccess?: boolean;
  countDeckQueries?: boolean;
  routerRequestsPerMinute?: number;
  /** Two decks replicas, each behind its own router, sharing Postgres and Redis with the rest. */
  decksReplicas?: 1 | 2;
  decks?: Omit<Parameters<typeof createDecksServer>[0] & object, 'prisma'>;
  /** The second decks replica's settings where they differ from `decks`. */
  decksReplica?: Omit<Parameters<typeof createDecksServer>[0] & object, 'prisma'>;
  /** The ai worker's settings (short retries and breaker windows in tests); `false`: no worker. */
  worker?: Omit<AiWorkerOptions, 'prisma' | 'agent'> | false;
  ai?: Omit<Parameters<typeof createAiServer>[0] & object, 'prisma' | 'agent'>;
  /** The media subgraph's and worker's storage (default: the configured driver, local disk in tests). */
  media?: { storage?: ObjectStorage; workerStorage?: ObjectStorage; cleanupEveryMs?: number };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const legacy = options.legacyAnonymousAccess ?? false;
  const deckQueries = { count: 0 };
  const decksPrisma = options.countDeckQueries ? createPrisma({ onQuery: () => void deckQueries.count++ }) : undefined;
  // Test files run in parallel against one Redis: each stack's jobs go to its own workers only.
  const queuePrefix = `test-${process.pid}-${Date.now()}`;
  const [users, decks, media] = await Promise.all([
    createUsersServer({ legacyAnonymousAccess: legacy }).listen(0),
    createDecksServer({ prisma: decksPrisma, queuePrefix, ...options.decks }).listen(0),
    createMediaServer({ queuePrefix, storage: options.media?.storage }).listen(0),
  ]);
  const mediaWorker = startMediaWorker({ queuePrefix, storage: options.media?.workerStorage ?? options.media?.storage, cleanupEveryMs: options.media?.cleanupEveryMs });
  // The ai subgraph and its worker reach users, decks and media through the graph, as the AI agent.
  const agent = { usersUrl: users.url, decksUrl: decks.url, mediaUrl: media.url };
  const ai = await createAiServer({ ...options.ai, agent, queuePrefix }).listen(0);
  const worker = options.worker === false ? null : startAiWorker({ ...options.worker, agent, queuePrefix });
  const config = parseConfig({
    ...process.env,
    USERS_URL: users.url,
    DECKS_URL: decks.url,
    AI_URL: ai.url,
    MEDIA_URL: media.url,
    LEGACY_ANONYMOUS_ACCESS: String(legacy),
    ...(options.routerRequestsPerMinute && { ROUTER_REQUESTS_PER_MINUTE: String(options.routerRequestsPerMinute) }),
  });
  const router = await createRouterServer({ config }).listen(0);
  const running = new Map<SubgraphKey | 'decks-replica' | 'replica-router', RunningServer>([['users', users], ['decks', decks], ['ai', ai], ['media', media]]);
  let replicaRouterUrl: string | undefined;
  if (options.decksReplicas === 2) {
    const replica = await createDecksServer({ queuePrefix, ...options.decks, ...options.decksReplica }).listen(0);
    const replicaRouter = await createRouterServer({ config: { ...config, subgraphUrls: { ...config.subgraphUrls, decks: replica.url } } }).listen(0);
    running.set('decks-replica', replica);
    running.set('replica-router', replicaRouter);
    replicaRouterUrl = replicaRouter.url;
  }
  const ops = await startOpsServer({ port: 0, host: '127.0.0.1', service: 'platform' });
  // One process, one ops port: every service's checks under its own name, as npm start's would be.
  const removeReadiness = new Map<string, () => void>();
  for (const [name, server] of running) removeReadiness.set(name, ops.addReadiness(name, server.readiness));
  ops.addReadiness('router', router.readiness);
  ops.addReadiness('media-worker', mediaWorker.readiness);
  if (worker) ops.addReadiness('ai-worker', worker.readiness);
  return {
    routerUrl: router.url,
    opsUrl: ops.url,
    queuePrefix,
    replicaRouterUrl,
    subgraphUrls: { users: users.url, decks: decks.url, ai: ai.url, media: media.url },
    deckQueries,
    async stopSubgraph(name) {
      removeReadiness.get(name)?.();
      await running.get(name)?.close();
      running.delete(name);
    },
    async close() {
      await ops.close();
      await running.get('replica-router')?.close();
      running.delete('replica-router');
      await router.close();
      await worker?.close();
      await mediaWorker.close();
      await Promise.all([...running.values()].map((s) => s.close()));
      await decksPrisma?.$disconnect();
    },
  };
}

export interface GraphQLResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
}

export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResult<T> & { status: number }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as GraphQLResult<T>) };
}

let counter = 0;

/** A new account through the router; returns its token and id. */
export async function signUp(routerUrl: string, name = 'Test User'): Promise<{ token: string; refreshToken: string; userId: string; email: string }> {
  const email = `user-${process.pid}-${Date.now()}-${counter++}@example.test`;
  const response = await fetch(`${routerUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.${counter % 250}.${process.pid % 250}.${Date.now() % 250}` },
    body: JSON.stringify({
      query: 'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken user { id } error { code message } } }',
      variables: { input: { email, name, password: 'correct horse battery' } },
    }),
  });
  const result = (await response.json()) as GraphQLResult;
  const payload = result.data?.signUp;
  if (!payload?.accessToken) throw new Error(`sign-up failed: ${JSON.stringify(result)}`);
  return { token: payload.accessToken, refreshToken: payload.refreshToken, userId: payload.user.id, email };
}

export function wsClient(routerUrl: string, connectionParams: Record<string, unknown> = {}): WsClient {
  return createWsClient({
    url: `${routerUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
  });
}
