// Signed storage URLs as the router follows them and hands them out. With the local-disk driver the
// URLs name this router's own /storage/* route (storage-routes.ts), so the router reads and writes
// those objects on disk itself, checking the same signature the route checks, and gives clients
// those URLs on the origin they called: without PUBLIC_URL the driver only knows a loopback default.
// COS URLs are fetched like any other URL.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Request } from 'express';
import type { Config } from '../lib/config.js';
import { createObjectStorage, type ObjectStorage, StorageError, type StoredObject } from '../lib/storage/index.js';
import { verifyLocalSignature } from '../lib/storage/local-disk-storage.js';

const STORAGE_PATH = '/storage/';
// A hung connection to COS must not hold an upload or a proxied image forever.
const FETCH_TIMEOUT_MS = 30_000;

export interface SignedObjectRequest {
  method: 'GET' | 'PUT';
  key: string;
  expires: unknown;
  signature: unknown;
  contentType?: string | undefined;
}

export class SignedStorage {
  /** The local-disk driver and its signing key; null with COS (or without a signing key). */
  readonly local: { storage: ObjectStorage; signingKey: string } | null;
  readonly #publicUrl: string | undefined;
  readonly #trustProxy: boolean;

  constructor(config: Config, storage?: ObjectStorage) {
    const signingKey = config.MEDIA_SIGNING_KEY;
    this.local =
      config.STORAGE_DRIVER === 'local' && signingKey ? { storage: storage ?? createObjectStorage(config), signingKey } : null;
    this.#publicUrl = config.PUBLIC_URL?.replace(/\/+$/, '');
    this.#trustProxy = config.TRUST_PROXY;
  }

  /** The router's public origin for this request: PUBLIC_URL, or the origin the client called. */
  publicBase(req: Request): string {
    return this.#publicUrl ?? requestOrigin(req, this.#trustProxy);
  }

  /** A URL as a client should see it: absolute, and on the router's public origin when it names the router. */
  forClient(url: string, req: Request): string {
    if (url.startsWith('/')) return this.publicBase(req) + url;
    const local = this.#localPath(url);
    return local && !this.#publicUrl ? this.publicBase(req) + local.pathname + local.search : url;
  }

  /** Whether a /storage/{key} request carries a valid, unexpired signature (for PUT, over its Content-Type). */
  verify(request: SignedObjectRequest): boolean {
    if (!this.local || typeof request.expires !== 'string' || typeof request.signature !== 'string') return false;
    return verifyLocalSignature(
      { method: request.method, key: request.key, expires: request.expires, signature: request.signature, contentType: request.contentType },
      this.local.signingKey,
    );
  }

  /** PUTs bytes to a signed upload URL: on disk through the storage route's check, or over HTTP to COS. */
  async put(url: string, bytes: Buffer, contentType: string): Promise<void> {
    const local = this.#localRequest(url, 'PUT', contentType);
    if (local) {
      if (!this.verify(local)) throw new StorageError('The upload URL is not valid (expired or tampered with)');
      await this.local!.storage.put(local.key, bytes, contentType);
      return;
    }
    let response: Response;
    try {
      response = await fetch(url, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': contentType }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (error) {
      throw new StorageError('Storage did not answer the upload', { cause: error });
    }
    await response.body?.cancel();
    if (!response.ok) throw new StorageError(`Storage refused the upload (${response.status})`);
  }

  /** Opens the object behind a signed download URL; null when it is gone. */
  async open(url: string): Promise<StoredObject | null> {
    const local = this.#localRequest(url, 'GET');
    if (local) {
      if (!this.verify(local)) throw new StorageError('The download URL is not valid (expired or tampered with)');
      return this.local!.storage.get(local.key);
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (error) {
      throw new StorageError('Storage did not answer', { cause: error });
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new StorageError(`Storage answered ${response.status}`);
    }
    return {
      body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      contentLength: Number(response.headers.get('content-length') ?? 0),
    };
  }

  #localPath(url: string): URL | null {
    if (!this.local) return null;
    try {
      const parsed = new URL(url, 'http://router.internal');
      return parsed.pathname.startsWith(STORAGE_PATH) ? parsed : null;
    } catch {
      return null;
    }
  }

  #localRequest(url: string, method: 'GET' | 'PUT', contentType?: string): SignedObjectRequest | null {
    const parsed = this.#localPath(url);
    if (!parsed) return null;
    const key = decodeURIComponent(parsed.pathname.slice(STORAGE_PATH.length));
    return { method, key, expires: parsed.searchParams.get('expires') ?? undefined, signature: parsed.searchParams.get('signature') ?? undefined, contentType };
  }
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** The origin the client called; forwarded headers count only behind a trusted proxy. */
export function requestOrigin(req: Request, trustProxy: boolean): string {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  const forwardedProto = trustProxy ? first(req.headers['x-forwarded-proto']) : undefined;
  const forwardedHost = trustProxy ? first(req.headers['x-forwarded-host']) : undefined;
  const protocol = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  const host = [forwardedHost, req.headers.host].find((candidate) => candidate && HOST.test(candidate)) ?? 'localhost';
  return `${protocol}://${host}`;
}
