// Starts the real services the tests run against: a throwaway PostgreSQL cluster and redis-server
// (unless DATABASE_URL / REDIS_URL point at existing ones), applies the migrations, and creates a
// signing key pair. Test workers inherit the environment set here.
import { randomBytes } from 'node:crypto';
import { generateSigningKeys } from '../lib/auth/tokens.js';
import { type LocalService, startRedis, startTestPostgres } from '../scripts/local-services.js';
import { migrateAndSeed } from '../scripts/migrate.js';

declare global {
  var __pptistServices: LocalService[] | undefined;
}

export async function setUpServices(): Promise<void> {
  const services: LocalService[] = [];
  globalThis.__pptistServices = services;
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL ??= 'error';
  if (!process.env.DATABASE_URL) {
    const postgres = await startTestPostgres();
    services.push(postgres);
    process.env.DATABASE_URL = postgres.url;
  }
  if (!process.env.REDIS_URL) {
    const redis = await startRedis();
    services.push(redis);
    process.env.REDIS_URL = redis.url;
  }
  await migrateAndSeed(process.env.DATABASE_URL);
  const keys = await generateSigningKeys();
  process.env.JWT_PRIVATE_KEY = keys.privateKey;
  process.env.JWT_PUBLIC_KEY = keys.publicKey;
  process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
  // Tests act as many clients behind one proxy: each signs up from an address of its own.
  process.env.TRUST_PROXY = 'true';
  process.env.KEY_ENCRYPTION_KEYS = `test-1:${randomBytes(32).toString('base64')}`;
  process.env.KEY_ENCRYPTION_KEY_ID = 'test-1';
  const serviceSecret = randomBytes(24).toString('base64url');
  const agentSecret = randomBytes(24).toString('base64url');
  process.env.SERVICE_CLIENTS = `rest-facade:${serviceSecret},ai-agent:${agentSecret}`;
  process.env.SERVICE_DELEGATES = 'ai-agent';
  process.env.MEDIA_SIGNING_KEY = randomBytes(24).toString('base64url');
  // Each test process stores images under a temporary folder of its own (local-disk driver).
  process.env.LOCAL_STORAGE_DIR ??= `/tmp/pptist-test-storage-${process.pid}`;
  process.env.AI_AGENT_CLIENT_ID = 'ai-agent';
  process.env.AI_AGENT_CLIENT_SECRET = agentSecret;
  process.env.SERVICE_CLIENT_ID = 'rest-facade';
  process.env.SERVICE_CLIENT_SECRET = serviceSecret;
}

export async function tearDownServices(): Promise<void> {
  for (const service of (globalThis.__pptistServices ?? []).reverse()) await service.stop();
}
