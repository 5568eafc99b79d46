// /storage/{key}: where the local-disk driver's signed URLs point (mounted at the origin root, and
// only with STORAGE_DRIVER=local). It behaves like the COS endpoints it stands in for: a GET streams
// the object, a PUT stores the body under the key, and either needs the URL's unexpired signature
// (a PUT's also covers its Content-Type). Errors answer in the StandardResponse envelope.
import express, { type Request, type Response } from 'express';
import type { Logger } from '../lib/logger.js';
import { isSafeStorageKey } from '../lib/storage/local-disk-storage.js';
import { MAX_IMAGE_BYTES } from './rest/image-routes.js';
import { failure, RestError } from './rest/standard-response.js';
import type { SignedStorage } from './signed-storage.js';

/**
 * The media subgraph refuses images above 10 MiB when the upload is confirmed; a little more is
 * accepted here so that the confirm, not a bare 413, tells a client its image was slightly too big.
 */
export const MAX_STORED_OBJECT_BYTES = MAX_IMAGE_BYTES + 64 * 1024;

function keyOf(req: Request): string {
  const segments = (req.params as { key?: string[] | string }).key;
  return Array.isArray(segments) ? segments.join('/') : String(segments ?? '');
}

function refuse(res: Response, error: RestError): void {
  res.status(error.httpStatus).json(failure(error, res.locals.requestId as string));
}

const BAD_SIGNATURE = new RestError(403, 'PERMISSION_DENIED', 'The signature is not valid or has expired');

/** The body, or null as soon as it is larger than `limit` (the rest is read and dropped). */
function bodyWithin(req: Request, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        chunks.length = 0;
        resolve(null);
      }
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createStorageRouter(storage: SignedStorage, log: Logger): express.Router {
  const local = storage.local;
  if (!local) throw new TypeError('createStorageRouter: the storage routes serve the local-disk driver only');
  const router = express.Router();

  router.get('/*key', async (req, res) => {
    const key = keyOf(req);
    const { expires, signature } = req.query;
    if (!isSafeStorageKey(key) || !storage.verify({ method: 'GET', key, expires, signature })) return refuse(res, BAD_SIGNATURE);
    try {
      const object = await local.storage.get(key);
      if (!object) return refuse(res, new RestError(404, 'RESOURCE_NOT_FOUND', 'No such object'));
      const remaining = Math.max(0, Number(expires) - Math.floor(Date.now() / 1000));
      res.status(200).set({
        'content-type': object.contentType,
        'content-length': String(object.contentLength),
        // Cacheable no longer than the URL that fetched it stays valid.
        'cache-control': `private, max-age=${remaining}`,
        'x-content-type-options': 'nosniff',
        // Opened directly, an object is shown, never run (an SVG's scripts included).
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      });
      object.body.on('error', (err) => {
        log.warn({ err, key }, 'storage read failed mid-stream');
        res.destroy();
      });
      object.body.pipe(res);
    } catch (err) {
      log.error({ err, key }, 'storage read failed');
      refuse(res, new RestError(503, 'STORAGE_ERROR', 'Storage is not available'));
    }
  });

  router.put('/*key', async (req, res) => {
    const key = keyOf(req);
    const { expires, signature } = req.query;
    const contentType = req.headers['content-type'];
    if (!isSafeStorageKey(key) || !storage.verify({ method: 'PUT', key, expires, signature, contentType })) return refuse(res, BAD_SIGNATURE);
    const tooLarge = new RestError(413, 'IMAGE_TOO_LARGE', `Objects are at most ${MAX_STORED_OBJECT_BYTES} bytes`);
    if (Number(req.headers['content-length'] ?? 0) > MAX_STORED_OBJECT_BYTES) return refuse(res, tooLarge);
    const body = await bodyWithin(req, MAX_STORED_OBJECT_BYTES).catch(() => undefined);
    if (body === undefined) return refuse(res, new RestError(400, 'INVALID_REQUEST', 'The upload was interrupted'));
    if (body === null) {
      res.set('connection', 'close');
      return refuse(res, tooLarge);
    }
    try {
      await local.storage.put(key, body, contentType!);
      res.status(200).end();
    } catch (err) {
      log.error({ err, key }, 'storage write failed');
      refuse(res, new RestError(503, 'STORAGE_ERROR', 'Storage is not available'));
    }
  });

  return router;
}
