// Envelope encryption for secrets at rest (users' model API keys, later the admin model registry).
// Each record gets its own random data key; the data key is sealed with AES-256-GCM under a
// key-encryption key (KEK) that lives only in configuration. Rotating the KEK re-wraps data keys and
// never re-encrypts data. Key material is held as KeyObjects, which print no bytes if logged.
import { type KeyObject, createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { config } from '../config.js';

type Bytes = Uint8Array<ArrayBuffer>;

/** What a store persists for one secret; none of it is readable without the KEK named by kekId. */
export interface SealedSecret {
  ciphertext: Bytes;
  iv: Bytes;
  authTag: Bytes;
  wrappedKey: Bytes;
  wrapIv: Bytes;
  wrapTag: Bytes;
  kekId: string;
}

/** The configured key-encryption keys: new records are wrapped with `currentId`, any listed key opens. */
export interface KeyRing {
  readonly currentId: string;
  readonly keys: ReadonlyMap<string, KeyObject>;
}

export class EnvelopeError extends Error {
  constructor(
    readonly reason: 'unknown-kek' | 'authentication-failed',
    message: string,
  ) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
// 96-bit IVs are GCM's native size; random ones are safe far beyond the number of records we hold.
const IV_BYTES = 12;
// The full tag, always: without authTagLength Node accepts truncated tags on decryption.
const TAG_BYTES = 16;
// Domain-separated AAD: a wrapped key only opens under the KEK id it claims, and data only opens
// for the context (e.g. record and owner) it was sealed for, so a blob copied to another row fails.
const wrapAad = (kekId: string) => Buffer.from(`pptist/kek/v1:${kekId}`, 'utf8');
const dataAad = (context: string) => Buffer.from(`pptist/data/v1:${context}`, 'utf8');

const KEY_ID = /^[\w-]+$/;

/**
 * Parses `id:base64(32 bytes)[,id:base64…]`. When `currentId` is absent and there is exactly one key,
 * that key is current. Throws one Error listing every problem; messages name ids, never key bytes.
 */
export function parseKeyRing(keys: string | undefined, currentId: string | undefined): KeyRing {
  if (!keys?.trim()) throw new Error('KEY_ENCRYPTION_KEYS is not configured: secrets at rest cannot be sealed or opened');
  const problems: string[] = [];
  const ring = new Map<string, KeyObject>();
  const seen = new Set<string>();
  keys.split(',').forEach((entry, index) => {
    const separator = entry.indexOf(':');
    const id = separator < 0 ? '' : entry.slice(0, separator).trim();
    const encoded = separator < 0 ? '' : entry.slice(separator + 1).trim();
    if (!KEY_ID.test(id) || !encoded) {
      problems.push(`entry ${index + 1} is not id:base64key`);
      return;
    }
    if (seen.has(id)) {
      problems.push(`key id "${id}" appears more than once`);
      return;
    }
    seen.add(id);
    const material = Buffer.from(encoded, 'base64');
    try {
      // Buffer.from skips stray characters; the round trip accepts only canonical base64.
      if (material.toString('base64') !== encoded || material.length !== KEY_BYTES) {
        problems.push(`key "${id}" must be exactly ${KEY_BYTES} bytes, base64-encoded`);
        return;
      }
      ring.set(id, createSecretKey(material));
    } finally {
      material.fill(0);
    }
  });
  const current = currentId ?? (seen.size === 1 ? [...seen][0] : undefined);
  if (current === undefined) {
    const ids = seen.size > 0 ? ` (one of ${[...seen].join(', ')})` : '';
    problems.push(`KEY_ENCRYPTION_KEY_ID must name the key new records are wrapped with${ids}`);
  } else if (!seen.has(current)) {
    problems.push(`KEY_ENCRYPTION_KEY_ID "${current}" is not among KEY_ENCRYPTION_KEYS (${[...seen].join(', ') || 'none valid'})`);
  }
  if (problems.length > 0 || current === undefined) {
    throw new Error(`Invalid key-encryption keys:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
  return { currentId: current, keys: ring };
}

let cachedRing: KeyRing | undefined;

/** The process's key ring, parsed from configuration on first use. */
export function keyRing(): KeyRing {
  cachedRing ??= parseKeyRing(config().KEY_ENCRYPTION_KEYS, config().KEY_ENCRYPTION_KEY_ID);
  return cachedRing;
}

const bytes = (buffer: Buffer): Bytes => new Uint8Array(buffer);

function encrypt(key: KeyObject | Buffer, plaintext: Buffer, aad: Buffer): { ciphertext: Bytes; iv: Bytes; tag: Bytes } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext: bytes(ciphertext), iv: bytes(iv), tag: bytes(cipher.getAuthTag()) };
}

/** The caller owns the returned buffer and must zero it. */
function decrypt(key: KeyObject | Buffer, ciphertext: Uint8Array, iv: Uint8Array, tag: Uint8Array, aad: Buffer, what: string): Buffer {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new EnvelopeError('authentication-failed', `${what} failed authentication (malformed IV or tag)`);
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new EnvelopeError('authentication-failed', `${what} failed authentication (tampered, or the wrong key or context)`);
  }
}

function kek(ring: KeyRing, kekId: string): KeyObject {
  const key = ring.keys.get(kekId);
  if (!key) {
    throw new EnvelopeError('unknown-kek', `Secret is wrapped with key-encryption key "${kekId}", which is not configured`);
  }
  return key;
}

function unwrapDataKey(sealed: SealedSecret, ring: KeyRing): Buffer {
  const dataKey = decrypt(kek(ring, sealed.kekId), sealed.wrappedKey, sealed.wrapIv, sealed.wrapTag, wrapAad(sealed.kekId), 'Wrapped data key');
  if (dataKey.length !== KEY_BYTES) {
    dataKey.fill(0);
    throw new EnvelopeError('authentication-failed', 'Wrapped data key has the wrong length');
  }
  return dataKey;
}

function wrapDataKey(dataKey: Buffer, ring: KeyRing): Pick<SealedSecret, 'wrappedKey' | 'wrapIv' | 'wrapTag' | 'kekId'> {
  const kekId = ring.currentId;
  const wrapped = encrypt(kek(ring, kekId), dataKey, wrapAad(kekId));
  return { wrappedKey: wrapped.ciphertext, wrapIv: wrapped.iv, wrapTag: wrapped.tag, kekId };
}

/**
 * Seals `plaintext` under a fresh data key wrapped by the ring's current KEK. `context` (e.g. the
 * record id and owner id) is authenticated, not stored: `open` must be given the same string.
 */
export function seal(plaintext: string, ring: KeyRing, context: string): SealedSecret {
  const dataKey = randomBytes(KEY_BYTES);
  const clear = Buffer.from(plaintext, 'utf8');
  try {
    const data = encrypt(dataKey, clear, dataAad(context));
    return { ciphertext: data.ciphertext, iv: data.iv, authTag: data.tag, ...wrapDataKey(dataKey, ring) };
  } finally {
    dataKey.fill(0);
    clear.fill(0);
  }
}

/** The plaintext, or an EnvelopeError when the KEK is unknown or anything fails authentication. */
export function open(sealed: SealedSecret, ring: KeyRing, context: string): string {
  const dataKey = unwrapDataKey(sealed, ring);
  try {
    const clear = decrypt(dataKey, sealed.ciphertext, sealed.iv, sealed.authTag, dataAad(context), 'Secret');
    try {
      return clear.toString('utf8');
    } finally {
      clear.fill(0);
    }
  } finally {
    dataKey.fill(0);
  }
}

/** Re-wraps the data key under the ring's current KEK; ciphertext, iv and authTag are returned as they were. */
export function rewrap(sealed: SealedSecret, ring: KeyRing): SealedSecret {
  const dataKey = unwrapDataKey(sealed, ring);
  try {
    return { ciphertext: sealed.ciphertext, iv: sealed.iv, authTag: sealed.authTag, ...wrapDataKey(dataKey, ring) };
  } finally {
    dataKey.fill(0);
  }
}

// A vendor prefix such as `sk-` or `gsk_live-` is worth showing; longer leading runs are key material.
const VENDOR_PREFIX = /^[A-Za-z0-9_]{1,8}-/;

/**
 * A hint that identifies a secret without exposing it: `sk-…abcd`. At most 4 trailing characters,
 * fewer for short secrets, and the vendor prefix only when plenty stays hidden; under 8 characters
 * nothing is shown.
 */
export function maskSecret(secret: string): string {
  const chars = [...secret];
  if (chars.length < 8) return '****';
  const tail = chars.slice(chars.length >= 12 ? -4 : -2).join('');
  const prefix = VENDOR_PREFIX.exec(secret)?.[0];
  // Show the prefix only if at least 12 characters remain between it and the tail.
  if (prefix && chars.length - prefix.length - 4 >= 12) return `${prefix}…${tail}`;
  return `…${tail}`;
}
