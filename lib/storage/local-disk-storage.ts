// Object storage as files under one directory, for `npm start` and single-machine installs. Signed
// URLs point at the router's `/storage/*` route, which checks them with verifyLocalSignature.
//
// The content type given to put() is kept in a sidecar (`<file>.meta.json`) rather than derived from
// the extension: it is what put() was told (as COS keeps Content-Type), and a signed PUT binds the
// type the client declared. Objects without a sidecar fall back to their extension.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { StorageError, type ObjectInfo, type ObjectStorage, type StoredObject } from './object-storage.js';

export interface LocalDiskStorageOptions {
  /** Directory the keys live under (created on first write). */
  root: string;
  /** The router's public base URL, e.g. `https://slides.example.com`. */
  publicUrl: string;
  /** HMAC key for signed URLs (MEDIA_SIGNING_KEY). */
  signingKey: string;
}

export interface LocalSignedRequest {
  method: string;
  key: string;
  /** Unix seconds, as in the URL's `expires`. */
  expires: string | number;
  /** Hex, as in the URL's `signature`. */
  signature: string;
  /** The request's Content-Type: required for PUT, ignored otherwise. */
  contentType?: string | undefined;
}

const META_SUFFIX = '.meta.json';
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  avif: 'image/avif',
};

/**
 * A key is `/`-separated segments of letters, digits, `.`, `_` and `-`: never absolute, never `..`
 * or a backslash or NUL, no segment starting with `.` (temporary files are dot files) and no
 * `.meta.json` ending (sidecars), so every key maps to exactly one file under the root.
 */
export function isSafeStorageKey(key: string): boolean {
  if (key.length === 0 || key.length > 1024 || key.includes('..') || key.endsWith(META_SUFFIX)) return false;
  return key.split('/').every((segment) => SEGMENT.test(segment));
}

export class LocalDiskStorage implements ObjectStorage {
  readonly kind = 'local' as const;
  readonly #root: string;
  readonly #publicUrl: string;
  readonly #signingKey: string;

  constructor(options: LocalDiskStorageOptions) {
    this.#root = path.resolve(options.root);
    this.#publicUrl = options.publicUrl.replace(/\/+$/, '');
    this.#signingKey = options.signingKey;
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const file = this.#file(key);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      // Sidecar first: a data file never exists without its type (an orphan sidecar is invisible).
      await writeAtomically(file + META_SUFFIX, Buffer.from(JSON.stringify({ contentType })));
      await writeAtomically(file, body);
    } catch (error) {
      throw new StorageError(`Could not store ${key}`, { cause: error });
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    const file = this.#file(key);
    try {
      const handle = await open(file, 'r');
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) {
          await handle.close();
          return null;
        }
        const contentType = await this.#contentType(key, file);
        return { body: handle.createReadStream(), contentType, contentLength: stats.size };
      } catch (error) {
        await handle.close();
        throw error;
      }
    } catch (error) {
      if (isMissing(error)) return null;
      throw new StorageError(`Could not read ${key}`, { cause: error });
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const file = this.#file(key);
    try {
      const stats = await stat(file);
      if (!stats.isFile()) return null;
      return { contentType: await this.#contentType(key, file), contentLength: stats.size };
    } catch (error) {
      if (isMissing(error)) return null;
      throw new StorageError(`Could not read ${key}`, { cause: error });
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.#file(key);
    try {
      await unlink(file).catch(ignoreMissing);
      await unlink(file + META_SUFFIX).catch(ignoreMissing);
    } catch (error) {
      throw new StorageError(`Could not delete ${key}`, { cause: error });
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    if (prefix !== '' && !isSafePrefix(prefix)) throw new StorageError(`Invalid storage prefix: ${JSON.stringify(prefix)}`);
    // Walk only the deepest directory the prefix names in full.
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const keys: string[] = [];
    try {
      await collect(path.join(this.#root, base), base, keys);
    } catch (error) {
      if (!isMissing(error)) throw new StorageError(`Could not list ${prefix}`, { cause: error });
    }
    // The order COS lists in (UTF-8 bytes), whatever order the directories were read in.
    yield* keys.filter((key) => key.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  async signedGetUrl(key: string, ttlSeconds: number): Promise<string> {
    return this.#signedUrl('GET', key, ttlSeconds);
  }

  /** The client must PUT with `Content-Type: <contentType>` exactly; the signature covers it. */
  async signedPutUrl(key: string, contentType: string, ttlSeconds: number): Promise<string> {
    if (!contentType) throw new StorageError('A signed upload needs a content type');
    return this.#signedUrl('PUT', key, ttlSeconds, contentType);
  }

  #signedUrl(method: 'GET' | 'PUT', key: string, ttlSeconds: number, contentType?: string): string {
    assertSafeKey(key);
    const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
    const signature = localSignature(this.#signingKey, method, key, expires, contentType);
    return `${this.#publicUrl}/storage/${key}?expires=${expires}&signature=${signature}`;
  }

  #file(key: string): string {
    assertSafeKey(key);
    return path.join(this.#root, ...key.split('/'));
  }

  async #contentType(key: string, file: string): Promise<string> {
    try {
      const meta = JSON.parse(await readFile(file + META_SUFFIX, 'utf8')) as { contentType?: unknown };
      if (typeof meta.contentType === 'string' && meta.contentType) return meta.contentType;
    } catch (error) {
      if (!isMissing(error) && !(error instanceof SyntaxError)) throw error;
    }
    const extension = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
    return BY_EXTENSION[extension] ?? 'application/octet-stream';
  }
}

/**
 * Checks a `/storage/*` request against its signed URL: the signature (compared in constant time)
 * over method, key, expiry and, for PUT, the request's Content-Type; and that `expires` (unix
 * seconds, inclusive) has not passed. HEAD is checked as GET. `now` is in milliseconds.
 */
export function verifyLocalSignature(request: LocalSignedRequest, signingKey: string, now: number = Date.now()): boolean {
  // A download link may be probed with HEAD, which reveals less than the GET it allows.
  const method = request.method.toUpperCase() === 'HEAD' ? 'GET' : request.method.toUpperCase();
  if ((method !== 'GET' && method !== 'PUT') || !isSafeStorageKey(request.key)) return false;
  const expires = String(request.expires);
  if (!/^\d{1,12}$/.test(expires) || Math.floor(now / 1000) > Number(expires)) return false;
  if (!/^[0-9a-f]{64}$/.test(request.signature)) return false;
  const contentType = method === 'PUT' ? (request.contentType ?? '') : undefined;
  const expected = localSignature(signingKey, method, request.key, Number(expires), contentType);
  return timingSafeEqual(Buffer.from(request.signature, 'hex'), Buffer.from(expected, 'hex'));
}

function localSignature(signingKey: string, method: string, key: string, expires: number, contentType?: string): string {
  const parts = [method, key, String(expires)];
  if (contentType !== undefined) parts.push(contentType);
  return createHmac('sha256', signingKey).update(parts.join('\n')).digest('hex');
}

function assertSafeKey(key: string): void {
  if (!isSafeStorageKey(key)) throw new StorageError(`Invalid storage key: ${JSON.stringify(key)}`);
}

// A prefix is a key cut anywhere: "images/u1/" or "images/u1/ab" (completed, it must be a safe key).
function isSafePrefix(prefix: string): boolean {
  return !prefix.includes('//') && isSafeStorageKey(prefix.replace(/\/$/, '') + 'x');
}

async function collect(directory: string, keyPrefix: string, into: string[]): Promise<void> {
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) await collect(path.join(directory, entry.name), `${keyPrefix}${entry.name}/`, into);
    else if (entry.isFile() && !entry.name.endsWith(META_SUFFIX)) into.push(keyPrefix + entry.name);
  }
}

// Written beside the target and renamed over it: readers see the old bytes or the new, never half.
async function writeAtomically(file: string, data: Buffer): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function ignoreMissing(error: unknown): void {
  if (!isMissing(error)) throw error;
}
