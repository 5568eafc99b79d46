// npx tsx scripts/rotate-kek.ts — re-wraps every sealed API key (users' keys and the model registry's)
// under KEY_ENCRYPTION_KEY_ID.
// Rotation: add the new key to KEY_ENCRYPTION_KEYS, point KEY_ENCRYPTION_KEY_ID at it, deploy, run
// this; once it reports 0 failed, the old key can be removed from configuration. Only data keys are
// re-wrapped; ciphertexts stay as they are. Safe to re-run and to run next to live traffic.
import { pathToFileURL } from 'node:url';
import { EnvelopeError, type KeyRing, keyRing, rewrap } from '../lib/crypto/envelope.js';
import { createPrisma, type PrismaClient } from '../lib/db.js';
import { AuditStore } from '../subgraphs/users/audit-store.js';
import { ApiKeyStore } from '../subgraphs/users/api-key-store.js';
import { ModelStore, sealedKeyOf } from '../subgraphs/ai/model-store.js';

export interface RotationSummary {
  rewrapped: number;
  current: number;
  failed: number;
}

export interface RotationOptions {
  batchSize?: number;
  /** Called per record that could not be re-wrapped, with a reason that carries no secret. */
  onFailure?: (id: string, reason: string) => void;
}

// Prisma's own messages can quote query arguments, so failures are reported by code only.
function describe(error: unknown): string {
  if (error instanceof EnvelopeError) return error.message;
  const code = (error as { code?: unknown }).code;
  return `${(error as Error).name ?? 'Error'}${typeof code === 'string' ? ` ${code}` : ''}`;
}

export async function rotateKeyEncryptionKey(prisma: PrismaClient, ring: KeyRing, options: RotationOptions = {}): Promise<RotationSummary> {
  const store = new ApiKeyStore(prisma);
  const audit = new AuditStore(prisma);
  const summary: RotationSummary = { rewrapped: 0, current: 0, failed: 0 };
  const fail = (id: string, reason: string) => {
    summary.failed++;
    options.onFailure?.(id, reason);
  };
  for await (const batch of store.batchesNotUnderKek(ring.currentId, options.batchSize)) {
    for (const record of batch) {
      try {
        // Conditional on the old kekId: a concurrent rotation or a deleted row is noticed, not overwritten.
        if (await store.updateWrap(record.id, rewrap(record, ring), record.kekId)) {
          summary.rewrapped++;
          await audit.record({ type: 'api_key.rotated', userId: record.userId, details: { id: record.id, from: record.kekId, to: ring.currentId } });
          continue;
        }
        // Gone, or re-wrapped by a concurrent run: either way nothing is left to do for this row.
        const now = await store.kekIdOf(record.id);
        if (now !== null && now !== ring.currentId) fail(record.id, `changed to key-encryption key "${now}" during rotation`);
      } catch (error) {
        fail(record.id, describe(error));
      }
    }
  }
  summary.current = Math.max(0, (await store.countUnderKek(ring.currentId)) - summary.rewrapped);
  await rotateModelKeys(prisma, ring, summary, fail);
  return summary;
}

/** The model registry's keys (ai.models), under the same rules as users' keys. */
async function rotateModelKeys(prisma: PrismaClient, ring: KeyRing, summary: RotationSummary, fail: (id: string, reason: string) => void): Promise<void> {
  const models = new ModelStore(prisma);
  for (const model of await models.keysNotUnder(ring.currentId)) {
    const sealed = sealedKeyOf(model);
    if (!sealed) continue;
    try {
      if (await models.updateWrap(model.id, rewrap(sealed, ring), sealed.kekId)) summary.rewrapped++;
      else fail(model.id, 'changed during rotation');
    } catch (error) {
      fail(model.id, describe(error));
    }
  }
}

async function main(): Promise<void> {
  const ring = keyRing();
  const prisma = createPrisma();
  try {
    console.log(`re-wrapping api_keys under key-encryption key "${ring.currentId}"`);
    const summary = await rotateKeyEncryptionKey(prisma, ring, {
      onFailure: (id, reason) => console.error(`failed ${id}: ${reason}`),
    });
    console.log(`rewrapped ${summary.rewrapped}, already current ${summary.current}, failed ${summary.failed}`);
    process.exitCode = summary.failed > 0 ? 1 : 0;
  } finally {
    await prisma.$disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Outside the per-record loop nothing handles secrets: configuration errors list ids and problems,
  // and the batch queries carry only key ids.
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
