// The one place that reads process.env. Every process validates its configuration once at boot and
// fails with the complete list of problems, not the first one.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const pem = z
  .string()
  .transform((value) => value.replace(/\\n/g, '\n'))
  .refine((value) => value.includes('-----BEGIN '), 'must be a PEM-encoded key');

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  // Hive Gateway reads LOG_LEVEL too and refuses other values, so only the levels both accept.
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug', 'trace']).default('info'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }),
  // Interface the subgraphs bind to: loopback by default, 0.0.0.0 in containers.
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(4000),
  USERS_PORT: port.default(4001),
  DECKS_PORT: port.default(4002),
  AI_PORT: port.default(4003),
  MEDIA_PORT: port.default(4004),
  // Every process serves /metrics, /health and /readiness on this internal port, bound to
  // METRICS_HOST (loopback by default: scrapers run beside the process, the public never sees it).
  // 0 picks a free port; processes started together (npm start) share one.
  METRICS_PORT: port.default(9464),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // Tracing is off (and free) unless spans have somewhere to go: an OTLP/HTTP collector
  // (the standard variable, e.g. http://localhost:4318), or the local slow-operation printout,
  // which prints every trace slower than TRACE_SLOW_MS as an indented tree on stderr.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  TRACE_SLOW_MS: z.coerce.number().int().min(0).optional(),
  // The share of requests and jobs traced when tracing is on (a client's sampled traceparent always is).
  TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(1),
  // Where the router reaches each subgraph; defaults follow the *_PORT values on localhost.
  USERS_URL: z.url().optional(),
  DECKS_URL: z.url().optional(),
  AI_URL: z.url().optional(),
  MEDIA_URL: z.url().optional(),
  // Ed25519 keys (PEM). Only the users subgraph signs; everything else verifies with the public key.
  JWT_PRIVATE_KEY: pem.optional(),
  JWT_PUBLIC_KEY: pem,
  JWT_ISSUER: z.string().min(1).default('ai-pptist'),
  JWT_AUDIENCE: z.string().min(1).default('ai-pptist-api'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  // Behind a load balancer, the client's address is the first X-Forwarded-For entry; without one,
  // that header is the client's own claim and must not be trusted (rate limits key on it).
  TRUST_PROXY: z.stringbool().default(false),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  // Key-encryption keys for secrets at rest, as `id:base64(32 bytes)` pairs separated by commas;
  // KEY_ENCRYPTION_KEY_ID names the one new records are wrapped with (older ones stay readable
  // until `npm run keys:rotate` re-wraps them). Never stored in the database.
  KEY_ENCRYPTION_KEYS: z
    .string()
    .regex(/^[\w-]+:[A-Za-z0-9+/=]+(,[\w-]+:[A-Za-z0-9+/=]+)*$/, 'must be id:base64key[,id:base64key…]')
    .optional(),
  KEY_ENCRYPTION_KEY_ID: z.string().min(1).optional(),
  // Service clients: `id:secret` pairs (users subgraph side) that may obtain service tokens; a
  // service presents SERVICE_CLIENT_ID / SERVICE_CLIENT_SECRET (its own credentials, never a user's).
  SERVICE_CLIENTS: z
    .string()
    .regex(/^[\w-]+:\S{16,}(,[\w-]+:\S{16,})*$/, 'must be id:secret[,id:secret…] with secrets of 16+ characters')
    .optional(),
  SERVICE_CLIENT_ID: z.string().min(1).optional(),
  // Service clients (ids from SERVICE_CLIENTS) that may act for any user, comma-separated: the AI
  // agent writes generated slides into users' decks as ordinary, attributed deck operations.
  SERVICE_DELEGATES: z.string().regex(/^[\w-]+(,[\w-]+)*$/, 'must be client ids separated by commas').optional(),
  // The ai subgraph's and worker's own credentials (one of SERVICE_CLIENTS, listed in SERVICE_DELEGATES).
  AI_AGENT_CLIENT_ID: z.string().min(1).optional(),
  AI_AGENT_CLIENT_SECRET: z.string().min(16).optional(),
  SERVICE_CLIENT_SECRET: z.string().min(16).optional(),
  // The REST contract's compatibility exception: the old web client calls its legacy routes with no
  // token, and anonymous calls there act as this workspace account. Off unless set (npm start sets
  // it for the local run); never applied to the new routes.
  LEGACY_ANONYMOUS_ACCESS: z.stringbool().default(false),
  LEGACY_WORKSPACE_EMAIL: z.email().default('workspace@localhost.localdomain'),
  LEGACY_WORKSPACE_ROLE: z.enum(['USER', 'ADMIN']).default('ADMIN'),
  // PPTist's /tools/* routes (REST-COMPAT.md §2): PPTist sends no credentials, so by default they
  // take anonymous callers (as the workspace account, under LEGACY_ANONYMOUS_ACCESS); true makes
  // them require a token (a Bearer header or ?token=), refusing with {"state": -1} without one.
  TOOLS_REQUIRE_TOKEN: z.stringbool().default(false),
  // The router's per-user request rate (per address for anonymous callers: half of it). Raised only
  // for load tests; the other abuse limits are fixed in lib/rate-limit.ts.
  ROUTER_REQUESTS_PER_MINUTE: z.coerce.number().int().min(10).default(1200),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  // Image storage: 'local' (files under LOCAL_STORAGE_DIR, URLs signed with MEDIA_SIGNING_KEY and
  // served by the router) or 'cos' (Tencent COS; COS_* below).
  STORAGE_DRIVER: z.enum(['local', 'cos']).default('local'),
  LOCAL_STORAGE_DIR: z.string().min(1).default('.local/storage'),
  // Public base URL of the router, for signed local-storage URLs handed to clients.
  PUBLIC_URL: z.url().optional(),
  // HMAC key (16+ characters) for local signed URLs and stable image links; npm start generates one.
  MEDIA_SIGNING_KEY: z.string().min(16).optional(),
  COS_BUCKET: z.string().min(1).optional(),
  COS_REGION: z.string().min(1).optional(),
  COS_SECRET_ID: z.string().min(1).optional(),
  COS_SECRET_KEY: z.string().min(1).optional(),
  // Temporary credentials (STS) add a session token.
  COS_SESSION_TOKEN: z.string().min(1).optional(),
  // Another endpoint than COS's own (a private endpoint, or a COS-compatible server in tests).
  COS_DOMAIN: z.string().min(1).optional(),
  COS_PROTOCOL: z.enum(['http:', 'https:']).default('https:'),
  // Signed download URLs on a CDN domain instead of the bucket's.
  COS_CDN_DOMAIN: z.string().min(1).optional(),
  // Download links live 15 minutes and upload links 5: long enough to use, short enough to leak little.
  SIGNED_URL_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
  UPLOAD_URL_TTL_SECONDS: z.coerce.number().int().min(30).max(900).default(300),
  // Redis key prefix of the BullMQ queues: platforms sharing one Redis (or test stacks) keep their
  // jobs apart with different prefixes. BullMQ's own default, so existing queues are found.
  QUEUE_PREFIX: z.string().regex(/^[\w-]+$/).default('bull'),
  // How long a worker's claim on a job lasts without renewal: a worker that dies gives its job back
  // to the queue after about this long (BullMQ's lockDuration and stalled-job check).
  WORKER_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  // Generation jobs one user may have queued or running at once; more are refused (not queued), so
  // one person cannot fill every worker.
  GENERATION_CONCURRENCY_PER_USER: z.coerce.number().int().min(1).max(100).default(3),
  // Model tokens (prompt + completion) one user may spend per UTC day; 0 switches the quota off.
  DAILY_TOKEN_QUOTA: z.coerce.number().int().min(0).default(2_000_000),
});

export type Config = z.infer<typeof ConfigSchema> & {
  subgraphUrls: Record<SubgraphName, string>;
};
export const SUBGRAPH_NAMES = ['users', 'decks', 'ai', 'media'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const c = parsed.data;
  const local = (p: number) => `http://127.0.0.1:${p}/graphql`;
  return {
    ...c,
    subgraphUrls: {
      users: c.USERS_URL ?? local(c.USERS_PORT),
      decks: c.DECKS_URL ?? local(c.DECKS_PORT),
      ai: c.AI_URL ?? local(c.AI_PORT),
      media: c.MEDIA_URL ?? local(c.MEDIA_PORT),
    },
  };
}

let cached: Config | undefined;

/** The process's configuration, parsed from process.env on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
