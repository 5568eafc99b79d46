// Tencent COS behind ObjectStorage, through cos-nodejs-sdk-v5. Every SDK failure becomes a
// StorageError that names the operation and COS's error code, never a credential.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import COS from 'cos-nodejs-sdk-v5';
import { StorageError, type ObjectInfo, type ObjectStorage, type StoredObject } from './object-storage.js';

export interface CosCredentials {
  secretId: string;
  secretKey: string;
  /** Present with temporary (STS) credentials. */
  sessionToken?: string;
  expiresAt: Date;
}

export interface CosStorageOptions {
  /** `name-appid`, e.g. `slides-1250000000`. */
  bucket: string;
  region: string;
  /** Fixed credentials (with `sessionToken` when they are temporary)… */
  secretId?: string;
  secretKey?: string;
  sessionToken?: string;
  /**
   * …or credentials from this function, asked again when the current ones end within 60 s, or
   * before a signed URL would outlive them (COS refuses a signature once its credentials expire).
   */
  credentials?: () => Promise<CosCredentials>;
  /** Another endpoint than `{Bucket}.cos.{Region}.myqcloud.com`, as the SDK's `Domain` template. */
  domain?: string;
  protocol?: 'http:' | 'https:';
  /** Signed download URLs use this host (e.g. `img.example.com`) instead of the bucket's. */
  cdnDomain?: string;
  /** Until a response starts (30 s by default; the SDK's own default is none at all). */
  timeoutMs?: number;
}

// Fetch new temporary credentials this long before the old ones expire, so no request or signed URL
// is made with credentials about to die (the SDK's own STS cache uses the same margin).
const REFRESH_MARGIN_SECONDS = 60;
const GET_ATTEMPTS = 3;
const DEFAULT_TIMEOUT_MS = 30_000;

interface Signer {
  cos: COS;
  expiresAt: number;
}

export class CosStorage implements ObjectStorage {
  readonly kind = 'cos' as const;
  readonly #options: CosStorageOptions;
  #signer: Signer | null = null;
  #refreshing: Promise<Signer> | null = null;

  constructor(options: CosStorageOptions) {
    if (!options.credentials && !(options.secretId && options.secretKey)) {
      throw new TypeError('CosStorage needs secretId and secretKey, or a credentials function');
    }
    this.#options = options;
    if (!options.credentials) {
      this.#signer = {
        cos: this.#client({ secretId: options.secretId!, secretKey: options.secretKey!, sessionToken: options.sessionToken }),
        expiresAt: Number.POSITIVE_INFINITY,
      };
    }
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const cos = await this.#cos();
    await this.#call('putObject', key, () =>
      cos.putObject({ ...this.#target(key), Body: body, ContentType: contentType, ContentLength: body.length }),
    );
  }

  // getObject's `Output` stream only calls back once the whole body has been piped (and pipes error
  // bodies into it too), so status and headers would arrive after the bytes. A signed URL fetched
  // here gives status and headers first and the body as a stream, which is what callers need to
  // answer 404 or stream to a client.
  async get(key: string): Promise<StoredObject | null> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= GET_ATTEMPTS; attempt++) {
      const url = await this.#signedUrl(key, { Method: 'GET', Expires: 60 }, true);
      // The timeout (as the SDK's) runs until the headers: a long download is not cut off.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      let response: Response;
      try {
        response = await fetch(url, { signal: controller.signal });
      } catch (error) {
        lastError = new StorageError(`COS getObject ${key} failed: ${describeFetchError(error)}`, { cause: error });
        continue;
      } finally {
        clearTimeout(timer);
      }
      if (!response.ok || !response.body) {
        const code = cosErrorCode(await response.text().catch(() => ''));
        if (response.status === 404 && code !== 'NoSuchBucket') return null;
        lastError = new StorageError(`COS getObject ${key} failed: ${code ?? 'error'} (${response.status})`, {
          cause: { statusCode: response.status, code },
        });
        // As in the SDK: only server errors are worth another try.
        if (response.status >= 500) continue;
        break;
      }
      return {
        body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        contentType: response.headers.get('content-type') ?? 'application/octet-stream',
        contentLength: Number(response.headers.get('content-length') ?? 0),
      };
    }
    throw lastError;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const cos = await this.#cos();
    const result = await this.#call('headObject', key, () => cos.headObject(this.#target(key)), { notFound: null });
    if (!result) return null;
    const headers = (result.headers ?? {}) as Record<string, string | undefined>;
    return {
      contentType: headers['content-type'] ?? 'application/octet-stream',
      contentLength: Number(headers['content-length'] ?? 0),
    };
  }

  async delete(key: string): Promise<void> {
    const cos = await this.#cos();
    // COS answers 204 for a missing key, and the SDK turns a 404 into success as well.
    await this.#call('deleteObject', key, () => cos.deleteObject(this.#target(key)));
  }

  async *list(prefix: string): AsyncIterable<string> {
    let marker: string | undefined;
    for (;;) {
      const cos = await this.#cos();
      const page = await this.#call(
        'getBucket',
        prefix,
        () =>
          cos.getBucket({
            Bucket: this.#options.bucket,
            Region: this.#options.region,
            Prefix: prefix,
            ...(marker === undefined ? {} : { Marker: marker }),
          }),
      );
      const contents = page.Contents ?? [];
      for (const object of contents) yield object.Key;
      if (String(page.IsTruncated) !== 'true') return;
      const next = page.NextMarker || contents[contents.length - 1]?.Key;
      if (!next || next === marker) return;
      marker = next;
    }
  }

  // On a CDN domain the host is left out of the signature: the CDN pulls from the bucket under its
  // own origin host, so a host-bound signature could not be valid at both ends.
  async signedGetUrl(key: string, ttlSeconds: number): Promise<string> {
    const cdn = this.#options.cdnDomain;
    return this.#signedUrl(key, { Method: 'GET', Expires: ttlSeconds, ...(cdn ? { Domain: cdn } : {}) }, !cdn, ttlSeconds);
  }

  /**
   * A URL for a plain `PUT` of the bytes. The signature covers the `Content-Type` and `Host`
   * headers: the client must send `Content-Type: <contentType>` exactly (and to this URL's host),
   * or COS answers 403 SignatureDoesNotMatch.
   */
  async signedPutUrl(key: string, contentType: string, ttlSeconds: number): Promise<string> {
    return this.#signedUrl(key, { Method: 'PUT', Expires: ttlSeconds, Headers: { 'Content-Type': contentType } }, true, ttlSeconds);
  }

  async #signedUrl(
    key: string,
    params: Pick<COS.GetObjectUrlParams, 'Method' | 'Expires' | 'Headers' | 'Domain'>,
    signHost: boolean,
    validForSeconds = 0,
  ): Promise<string> {
    const cos = await this.#cos(validForSeconds);
    // getObjectUrl honours ForceSignHost per call although its type does not declare it.
    const request: COS.GetObjectUrlParams & { ForceSignHost?: boolean } = {
      ...this.#target(key),
      ...params,
      Sign: true,
      ForceSignHost: signHost,
    };
    return new Promise<string>((resolve, reject) => {
      try {
        cos.getObjectUrl(request, (error, data) => {
          if (error) reject(toStorageError('getObjectUrl', key, error));
          else resolve(data.Url);
        });
      } catch (error) {
        reject(toStorageError('getObjectUrl', key, error));
      }
    });
  }

  #target(key: string) {
    return { Bucket: this.#options.bucket, Region: this.#options.region, Key: key };
  }

  #client(credentials: { secretId: string; secretKey: string; sessionToken?: string | undefined }): COS {
    return new COS({
      SecretId: credentials.secretId,
      SecretKey: credentials.secretKey,
      ...(credentials.sessionToken ? { SecurityToken: credentials.sessionToken } : {}),
      ...(this.#options.domain ? { Domain: this.#options.domain } : {}),
      ...(this.#options.protocol ? { Protocol: this.#options.protocol } : {}),
      Timeout: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      // Keys are platform-made and never start with '/'; a private endpoint is no COS region name.
      CompatibilityMode: Boolean(this.#options.domain),
    });
  }

  // Refreshable credentials get a client of their own per generation, not the SDK's getAuthorization
  // hook: that hook is not told a signed URL's Expires (every URL would live 900 s), and its STS form
  // insists on a session token and dates signatures from when the credentials were fetched.
  async #cos(validForSeconds = 0): Promise<COS> {
    const nowSeconds = Date.now() / 1000;
    const fresh = (signer: Signer | null) => signer && signer.expiresAt - nowSeconds > REFRESH_MARGIN_SECONDS + validForSeconds;
    if (fresh(this.#signer)) return this.#signer!.cos;
    const provider = this.#options.credentials;
    if (!provider) return this.#signer!.cos;
    this.#refreshing ??= (async () => {
      try {
        const next = await provider();
        const signer = { cos: this.#client(next), expiresAt: next.expiresAt.getTime() / 1000 };
        this.#signer = signer;
        return signer;
      } catch (error) {
        throw new StorageError('Could not obtain COS credentials', { cause: error });
      } finally {
        this.#refreshing = null;
      }
    })();
    return (await this.#refreshing).cos;
  }

  async #call<T, N = never>(operation: string, key: string, run: () => Promise<T>, options?: { notFound: N }): Promise<T | N> {
    try {
      return await run();
    } catch (error) {
      if (options && statusOf(error) === 404) return options.notFound;
      throw toStorageError(operation, key, error);
    }
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

// The SDK's errors carry COS's code and the HTTP status; its messages and the request never contain
// the secret key (only an HMAC of it), but the message is built from known fields anyway.
function toStorageError(operation: string, key: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const e = (error ?? {}) as { code?: unknown; statusCode?: unknown; message?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  // Answers without a body (HEAD) have only their status as the SDK's code.
  const code = typeof e.code === 'string' && e.code && e.code !== String(status) ? e.code : undefined;
  const what = status === undefined ? (code ?? (typeof e.message === 'string' ? e.message : 'error')) : `${code ?? 'HTTP'} (${status})`;
  return new StorageError(`COS ${operation} ${key} failed: ${what}`, { cause: error });
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'network error';
}

function cosErrorCode(xml: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}
