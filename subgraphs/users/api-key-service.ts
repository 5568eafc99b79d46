// A user's own model API keys: stored sealed (lib/crypto/envelope.ts), shown only as a hint, and
// opened only for the AI pipeline on the server. Nothing here puts a key into an error, an audit
// event or a return value that an API could send back.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Viewer } from '../../lib/auth/tokens.js';
import { type KeyRing, maskSecret, open, seal } from '../../lib/crypto/envelope.js';
import { isUuid, notFound, unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.js';
import { userErrorFromZod } from '../../lib/graphql/user-error.js';

/** What any API may show of a key. */
export interface ApiKeyView {
  id: string;
  provider: string;
  label: string;
  hint: string;
  createdAt: Date;
  updatedAt: Date;
}

export type ApiKeyResult = { ok: true; apiKey: ApiKeyView } | { ok: false; error: UserErrorShape };
export type ApiKeyDeleteResult = { ok: true; id: string } | { ok: false; error: UserErrorShape };

export interface AuditEventInput {
  type: 'api_key.created' | 'api_key.deleted';
  userId: string;
  details: Record<string, unknown>;
}
export type AuditRecorder = (event: AuditEventInput) => Promise<void>;

// Zod's messages never quote the input, so a rejected key does not travel back in the error.
const CreateInput = z.object({
  provider: z
    .string()
    .min(1, 'Provider is required')
    .max(50, 'Provider is at most 50 characters')
    .regex(/^[a-z0-9._-]+$/, 'Provider may contain only a-z, 0-9, dot, underscore and dash'),
  label: z.string().trim().min(1, 'Label is required').max(100, 'Label is at most 100 characters'),
  key: z
    .string()
    .min(8, 'Key is at least 8 characters')
    .max(500, 'Key is at most 500 characters')
    .refine((key) => !/\s/.test(key), 'Key must not contain spaces or line breaks')
    // A hint pasted back (`sk-…abcd`, `sk-****abcd`) would otherwise be stored as if it were the key.
    .refine((key) => !key.includes('…') && !key.includes('***'), 'Paste the whole key, not its masked hint'),
});

const KEY_NOT_FOUND = (id: string): UserErrorShape => ({ code: 'NOT_FOUND', message: `API key ${id} not found`, field: 'id' });

/** The sealed data is bound to its record and owner: a blob moved to another row does not open. */
const sealContext = (id: string, userId: string) => `users.api_keys:${id}:user:${userId}`;

function view(record: ApiKeyRecord): ApiKeyView {
  return {
    id: record.id,
    provider: record.provider,
    label: record.label,
    hint: record.hint,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function signedIn(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export class ApiKeyService {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly ring: () => KeyRing,
    private readonly audit: AuditRecorder,
  ) {}

  async create(viewer: Viewer | null, input: { provider: string; label: string; key: string }): Promise<ApiKeyResult> {
    const owner = signedIn(viewer);
    const parsed = CreateInput.safeParse(input);
    if (!parsed.success) return { ok: false, error: userErrorFromZod(parsed.error) };
    const { provider, label, key } = parsed.data;
    const id = randomUUID();
    const hint = maskSecret(key);
    const record = await this.store.create({
      id,
      userId: owner.userId,
      provider,
      label,
      hint,
      sealed: seal(key, this.ring(), sealContext(id, owner.userId)),
    });
    await this.audit({ type: 'api_key.created', userId: owner.userId, details: { id, provider, hint } });
    return { ok: true, apiKey: view(record) };
  }

  /** The viewer's own keys; nobody, admins included, lists another user's keys. */
  async list(viewer: Viewer | null): Promise<ApiKeyView[]> {
    const owner = signedIn(viewer);
    return (await this.store.listByUser(owner.userId)).map(view);
  }

  /** Owner only. Someone else's key is reported as not found, so ids reveal nothing. */
  async delete(viewer: Viewer | null, id: string): Promise<ApiKeyDeleteResult> {
    const owner = signedIn(viewer);
    if (!isUuid(id)) return { ok: false, error: KEY_NOT_FOUND(id) };
    const deleted = await this.store.delete(id, owner.userId);
    if (!deleted) return { ok: false, error: KEY_NOT_FOUND(id) };
    await this.audit({
      type: 'api_key.deleted',
      userId: owner.userId,
      details: { id, provider: deleted.provider, hint: deleted.hint },
    });
    return { ok: true, id };
  }

  /**
   * The plaintext key, for the AI pipeline to call the provider on the user's behalf. Server-side
   * only: the result must never be put into an API response, an error message, a job payload or a
   * log line. Throws NOT_FOUND unless `userId` owns the key, and EnvelopeError when it cannot be
   * opened (unknown KEK, tampered row).
   */
  async revealForUse(userId: string, id: string): Promise<string> {
    if (!isUuid(id)) throw notFound('API key', id);
    const record = await this.store.findForUse(id);
    if (!record || record.userId !== userId) throw notFound('API key', id);
    return open(record, this.ring(), sealContext(record.id, record.userId));
  }
}
