// Users' model API keys against the real Postgres: sealed at rest, shown only as a hint, opened only
// for their owner, and re-wrapped by the KEK rotation command.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Viewer } from '../lib/auth/tokens.js';
import { type KeyRing, keyRing, parseKeyRing } from '../lib/crypto/envelope.js';
import { createPrisma, type PrismaClient } from '../lib/db.js';
import { rotateKeyEncryptionKey } from '../scripts/rotate-kek.js';
import { ApiKeyStore } from '../subgraphs/users/api-key-store.js';
import { type AuditEventInput, ApiKeyService } from '../subgraphs/users/api-key-service.js';

let prisma: PrismaClient;
let service: ApiKeyService;
const audit: AuditEventInput[] = [];
const userIds: string[] = [];

async function createUser(name: string): Promise<Viewer> {
  const user = await prisma.user.create({
    data: { email: `${name.toLowerCase()}-${randomUUID()}@example.test`, name, passwordHash: 'not-a-real-hash' },
  });
  userIds.push(user.id);
  return { userId: user.id, role: 'USER', sessionId: randomUUID() };
}

const freshKey = () => `sk-test-${randomBytes(24).toString('hex')}`;

/** Every way a secret could sit in a column: as text, or its UTF-8 bytes, base64 or hex. */
function columnsContaining(rows: Record<string, unknown>[], secret: string): string[] {
  const utf8 = Buffer.from(secret, 'utf8');
  const forms = [secret, utf8.toString('base64'), utf8.toString('hex'), Buffer.from(secret).toString('base64url')];
  const found: string[] = [];
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      const texts =
        value instanceof Uint8Array
          ? [Buffer.from(value).toString('latin1'), Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]
          : [String(value instanceof Date ? value.toISOString() : value)];
      const raw = value instanceof Uint8Array ? Buffer.from(value) : undefined;
      if (texts.some((text) => forms.some((form) => text.includes(form))) || raw?.includes(utf8)) found.push(column);
    }
  }
  return found;
}

async function rowsOf(userId: string): Promise<Record<string, unknown>[]> {
  const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>('SELECT * FROM users.api_keys');
  return rows.filter((row) => row.user_id === userId);
}

beforeAll(() => {
  prisma = createPrisma();
  service = new ApiKeyService(new ApiKeyStore(prisma), keyRing, async (event) => {
    audit.push(event);
  });
});

afterAll(async () => {
  // Cascades to their api_keys, so no row sealed under this file's test-2 KEK outlives it.
  await prisma.user.deleteMany({ where: { id: { in: userIds } } });
  await prisma.$disconnect();
});

describe('storing a key', () => {
  it('keeps no plaintext in any column, lists only the hint and reveals the key to its owner', async () => {
    const alice = await createUser('Alice');
    const key = freshKey();
    const created = await service.create(alice, { provider: 'openai', label: 'Work key', key });
    if (!created.ok) throw new Error(`create failed: ${created.error.message}`);
    const hint = `sk-…${key.slice(-4)}`;
    expect(created.apiKey).toEqual({
      id: expect.any(String),
      provider: 'openai',
      label: 'Work key',
      hint,
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
    });

    const rows = await rowsOf(alice.userId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.kek_id).toBe('test-1');
    expect(columnsContaining(rows, key)).toEqual([]);
    // Nor does anything hold a large piece of it (the hint's 4 characters aside).
    expect(columnsContaining(rows, key.slice(8, 24))).toEqual([]);

    const listed = await service.list(alice);
    expect(listed).toEqual([created.apiKey]);
    expect(JSON.stringify(listed)).not.toContain(key.slice(0, 12));
    expect(Object.keys(listed[0]!).sort()).toEqual(['createdAt', 'hint', 'id', 'label', 'provider', 'updatedAt']);

    expect(await service.revealForUse(alice.userId, created.apiKey.id)).toBe(key);
    expect(audit).toContainEqual({ type: 'api_key.created', userId: alice.userId, details: { id: created.apiKey.id, provider: 'openai', hint } });
    expect(JSON.stringify(audit)).not.toContain(key);
  });

  it.each([
    ['provider', { provider: 'Open AI', label: 'x', key: freshKey() }],
    ['provider', { provider: '', label: 'x', key: freshKey() }],
    ['label', { provider: 'openai', label: '   ', key: freshKey() }],
    ['label', { provider: 'openai', label: 'x'.repeat(101), key: freshKey() }],
    ['key', { provider: 'openai', label: 'x', key: 'short' }],
    ['key', { provider: 'openai', label: 'x', key: `${freshKey()}\n` }],
    ['key', { provider: 'openai', label: 'x', key: 'sk-…abcd-and-more' }],
    ['key', { provider: 'openai', label: 'x', key: 'sk-*****************abcd' }],
    ['key', { provider: 'openai', label: 'x', key: 'k'.repeat(501) }],
  ])('refuses a bad %s as data, without echoing the key', async (field, input) => {
    const viewer = await createUser('Validator');
    const result = await service.create(viewer, input);
    expect(result).toEqual({ ok: false, error: { code: 'BAD_USER_INPUT', message: expect.any(String), field } });
    if (!result.ok) expect(result.error.message).not.toContain(input.key);
    expect(await service.list(viewer)).toEqual([]);
  });

  it('refuses anonymous callers with UNAUTHENTICATED', async () => {
    await expect(service.create(null, { provider: 'openai', label: 'x', key: freshKey() })).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    await expect(service.list(null)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect(service.delete(null, randomUUID())).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('another user', () => {
  it('cannot list, reveal or delete the key; the owner can delete it', async () => {
    const owner = await createUser('Owner');
    const stranger = await createUser('Stranger');
    const admin: Viewer = { ...(await createUser('Admin')), role: 'ADMIN' };
    const created = await service.create(owner, { provider: 'anthropic', label: 'Personal', key: freshKey() });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.apiKey.id;

    expect(await service.list(stranger)).toEqual([]);
    expect(await service.list(admin)).toEqual([]);
    await expect(service.revealForUse(stranger.userId, id)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    for (const viewer of [stranger, admin]) {
      expect(await service.delete(viewer, id)).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: `API key ${id} not found`, field: 'id' } });
    }
    expect(await service.list(owner)).toHaveLength(1);
    expect(await service.delete(owner, 'not-a-uuid')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    expect(await service.delete(owner, id)).toEqual({ ok: true, id });
    expect(await service.list(owner)).toEqual([]);
    expect(audit).toContainEqual({
      type: 'api_key.deleted',
      userId: owner.userId,
      details: { id, provider: 'anthropic', hint: created.apiKey.hint },
    });
    expect(await service.delete(owner, id)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('cannot open a sealed blob copied onto their own row', async () => {
    const victim = await createUser('Victim');
    const thief = await createUser('Thief');
    const stolen = await service.create(victim, { provider: 'openai', label: 'Victim', key: freshKey() });
    const own = await service.create(thief, { provider: 'openai', label: 'Thief', key: freshKey() });
    if (!stolen.ok || !own.ok) throw new Error('create failed');
    await prisma.$executeRawUnsafe(
      `UPDATE users.api_keys AS t SET ciphertext = s.ciphertext, iv = s.iv, auth_tag = s.auth_tag,
         wrapped_key = s.wrapped_key, wrap_iv = s.wrap_iv, wrap_tag = s.wrap_tag, kek_id = s.kek_id
       FROM users.api_keys AS s WHERE s.id = $1::uuid AND t.id = $2::uuid`,
      stolen.apiKey.id,
      own.apiKey.id,
    );
    await expect(service.revealForUse(thief.userId, own.apiKey.id)).rejects.toMatchObject({ reason: 'authentication-failed' });
  });
});

describe('rotating the key-encryption key', () => {
  it('re-wraps every record under the new KEK without re-encrypting, and the old KEK can then go', async () => {
    const user = await createUser('Rotator');
    const keys = new Map<string, string>();
    for (const label of ['One', 'Two', 'Three']) {
      const key = freshKey();
      const created = await service.create(user, { provider: 'openai', label, key });
      if (!created.ok) throw new Error(created.error.message);
      keys.set(created.apiKey.id, key);
    }
    const before = await prisma.apiKey.findMany({ where: { userId: user.userId }, orderBy: { id: 'asc' } });
    expect(before.map((row) => row.kekId)).toEqual(['test-1', 'test-1', 'test-1']);

    const newKek = randomBytes(32).toString('base64');
    const current = keyRing();
    const oldKek = current.keys.get('test-1')!.export().toString('base64');
    const rotated: KeyRing = parseKeyRing(`test-1:${oldKek},test-2:${newKek}`, 'test-2');
    const failures: string[] = [];
    const summary = await rotateKeyEncryptionKey(prisma, rotated, { batchSize: 2, onFailure: (id) => failures.push(id) });
    expect(failures).toEqual([]);
    expect(summary.failed).toBe(0);
    expect(summary.rewrapped).toBeGreaterThanOrEqual(3);

    const after = await prisma.apiKey.findMany({ where: { userId: user.userId }, orderBy: { id: 'asc' } });
    expect(after.map((row) => row.kekId)).toEqual(['test-2', 'test-2', 'test-2']);
    const audited = await prisma.auditEvent.findMany({ where: { userId: user.userId, type: 'api_key.rotated' } });
    expect(audited).toHaveLength(3);
    expect(JSON.stringify(audited.map((event) => event.details))).not.toMatch(/sk-/);
    const onlyNew = parseKeyRing(`test-2:${newKek}`, 'test-2');
    for (const [index, row] of after.entries()) {
      const was = before[index]!;
      expect(Buffer.from(row.ciphertext).equals(Buffer.from(was.ciphertext))).toBe(true);
      expect(Buffer.from(row.iv).equals(Buffer.from(was.iv))).toBe(true);
      expect(Buffer.from(row.authTag).equals(Buffer.from(was.authTag))).toBe(true);
      expect(Buffer.from(row.wrappedKey).equals(Buffer.from(was.wrappedKey))).toBe(false);
    }
    const withOnlyNew = new ApiKeyService(new ApiKeyStore(prisma), () => onlyNew, async () => {});
    for (const [id, key] of keys) expect(await withOnlyNew.revealForUse(user.userId, id)).toBe(key);
    await expect(service.revealForUse(user.userId, after[0]!.id)).rejects.toMatchObject({ reason: 'unknown-kek' });

    const again = await rotateKeyEncryptionKey(prisma, rotated);
    expect(again).toEqual({ rewrapped: 0, current: expect.any(Number), failed: 0 });
    expect(again.current).toBeGreaterThanOrEqual(3);
  });

  it('counts a record it cannot unwrap as failed and leaves it untouched', async () => {
    const user = await createUser('Orphan');
    const created = await service.create(user, { provider: 'openai', label: 'Orphan', key: freshKey() });
    if (!created.ok) throw new Error(created.error.message);
    await prisma.apiKey.update({ where: { id: created.apiKey.id }, data: { kekId: 'retired' } });
    const ring = parseKeyRing(`test-3:${randomBytes(32).toString('base64')}`, 'test-3');
    const reasons: string[] = [];
    const summary = await rotateKeyEncryptionKey(prisma, ring, { onFailure: (id, reason) => id === created.apiKey.id && reasons.push(reason) });
    expect(summary.failed).toBeGreaterThanOrEqual(1);
    expect(reasons).toEqual(['Secret is wrapped with key-encryption key "retired", which is not configured']);
    const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: created.apiKey.id } });
    expect(row.kekId).toBe('retired');
  });
});
