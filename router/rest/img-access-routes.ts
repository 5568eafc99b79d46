// /api/v1/img-access/{key} (REST-COMPAT.md §1 "Images"): where every image src in a slide points.
// {key} is an unencoded path: a storage key (an original or a variant), a full URL (a template
// picture, `https:/…` with one slash collapsed on the way, carrying its own query) or another
// img-access URL (unwrapped). <img> tags send no token, so access comes from the stable link's
// `sig`, a public image, or the workspace account under the compatibility exception; the graph's
// imageAccess decides. `?mode=redirect` (default) answers 302 to a short-lived signed URL,
// `?mode=proxy` streams the bytes.
import type { Readable } from 'node:stream';
import type express from 'express';
import type { Request, Response } from 'express';
import { isUuid } from '../../lib/errors.js';
import { externalImageUrl, MAX_EXTERNAL_IMAGE_BYTES, openExternalImage } from './external-image.js';
import type { Caller, Handler } from './handler.js';
import { type MediaRouteDeps, mediaRunner, STORAGE_UNAVAILABLE } from './image-routes.js';
import type { GraphImage } from './representations.js';
import { RestError } from './standard-response.js';

type Mode = 'redirect' | 'proxy';
type StoredTarget = { kind: 'stored'; key: string; sig: string | undefined; upload: string | undefined; mode: Mode };
type Target = StoredTarget | { kind: 'external'; url: string; mode: Mode };
type GraphAccess = { url: string; contentType: string; image: GraphImage };
type ImagePayload = { image: GraphImage | null; error: { code: string; message: string } | null };

const ACCESS_PATH = '/img-access/';
const MAX_UNWRAP = 3;
// A redirect is cached briefly: the signed URL it names is handed out with at least a minute left.
const REDIRECT_CACHE = 'private, max-age=30';
const PROXY_CACHE = 'private, max-age=300';
const EXTERNAL_REDIRECT_CACHE = 'public, max-age=300';

function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The target of an img-access request, read from the raw URL: `req.params` would have split the
 * key's own query from its path. Only `mode=redirect|proxy` is ours; a full URL keeps the rest of
 * the query byte for byte (a signed third-party URL must not be re-encoded).
 */
function targetOf(req: Request, marker: string): Target {
  const raw = req.originalUrl;
  const rest = raw.slice(raw.indexOf(marker) + marker.length);
  const split = rest.indexOf('?');
  const params = split < 0 ? [] : rest.slice(split + 1).split('&').filter(Boolean);
  const mode = params.find((param) => param === 'mode=redirect' || param === 'mode=proxy');
  const search = params.filter((param) => param !== mode).join('&');
  return resolveTarget(decodePath(split < 0 ? rest : rest.slice(0, split)), search, mode === 'mode=proxy' ? 'proxy' : 'redirect', 0);
}

function resolveTarget(path: string, search: string, mode: Mode, depth: number): Target {
  // A key percent-encoded whole brings its query inside the path.
  const inner = path.indexOf('?');
  if (inner >= 0) {
    search = [path.slice(inner + 1), search].filter(Boolean).join('&');
    path = path.slice(0, inner);
  }
  const full = /^(https?):\/+(.+)$/i.exec(path);
  if (full) {
    const url = URL.parse(`${full[1]!.toLowerCase()}://${full[2]}${search ? `?${search}` : ''}`);
    if (!url) throw new RestError(400, 'INVALID_REQUEST', 'Not a valid image URL');
    const nested = url.pathname.indexOf(ACCESS_PATH);
    if (nested >= 0 && depth < MAX_UNWRAP) return resolveTarget(decodePath(url.pathname.slice(nested + ACCESS_PATH.length)), url.search.slice(1), mode, depth + 1);
    return { kind: 'external', url: url.href, mode };
  }
  const relative = /^\/*(?:api\/v1\/)?img-access\/(.+)$/.exec(path);
  if (relative && depth < MAX_UNWRAP) return resolveTarget(relative[1]!, search, mode, depth + 1);
  const key = path.replace(/^\/+/, '');
  if (!key) throw new RestError(400, 'INVALID_REQUEST', 'Name the image: /img-access/{key}');
  const query = new URLSearchParams(search);
  return { kind: 'stored', key, sig: query.get('sig') || undefined, upload: query.get('upload') || undefined, mode };
}

/** Streams image bytes: shown, never run (an SVG's scripts included), and cut off past `limit`. */
function sendImage(res: Response, body: Readable, contentType: string, contentLength: number | undefined, limit?: number): { sent: true } {
  res.status(200).set({
    'content-type': contentType,
    'cache-control': PROXY_CACHE,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  });
  if (contentLength) res.setHeader('content-length', String(contentLength));
  let size = 0;
  body.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (limit !== undefined && size > limit) body.destroy(new Error('image larger than the proxy limit'));
  });
  body.on('error', () => res.destroy());
  res.on('close', () => body.destroy());
  body.pipe(res);
  return { sent: true };
}

export function mountImageAccessRoutes(router: express.Router, route: (handler: Handler) => express.RequestHandler, deps: MediaRouteDeps): void {
  const { legacy, storage } = deps;
  const run = mediaRunner(deps.gateway);

  /** The graph's verdict on a stored key, trying each identity the request may act as. */
  const access = async (target: StoredTarget, caller: Caller): Promise<GraphAccess> => {
    const attempt = async (acting: Caller) =>
      (await run<{ access: GraphAccess }>('ImageAccess', { key: target.key, signature: target.sig ?? null }, acting, STORAGE_UNAVAILABLE)).access;
    // With a sig the link itself grants access: no need to act as (and be limited as) the workspace.
    const acting = target.sig ? caller : await legacy.resolveOrAnonymous(caller);
    try {
      return await attempt(acting);
    } catch (error) {
      if (!(error instanceof RestError)) throw error;
      if (error.httpStatus === 401 && acting === caller) {
        // A stale or mistyped sig: the workspace account still sees its own images.
        const workspace = await legacy.resolveOrAnonymous(caller);
        if (workspace !== caller) return attempt(workspace);
      }
      if (error.errorCode === 'IMAGE_NOT_FOUND' && target.upload && isUuid(target.upload)) {
        // A presigned upload's access_url: its first visit confirms the upload (as its uploader).
        const uploader = await legacy.resolveOrAnonymous(caller);
        const { result } = await run<{ result: ImagePayload }>('ConfirmImageUpload', { imageId: target.upload }, uploader, STORAGE_UNAVAILABLE);
        if (result.image?.storageKey === target.key) return attempt(uploader);
        if (result.error && result.error.code !== 'NOT_FOUND') throw new RestError(404, 'IMAGE_NOT_FOUND', result.error.message, { code: result.error.code });
      }
      throw error;
    }
  };

  router.get(
    `${ACCESS_PATH}status/*key`,
    route(async (req, caller) => {
      const target = targetOf(req, `${ACCESS_PATH}status/`);
      if (target.kind === 'external') return { data: { exists: true, status: 'external', url: target.url } };
      try {
        const { contentType, image } = await access(target, caller);
        const data = { exists: true, status: image.status.toLowerCase(), key: target.key, image_id: image.id, content_type: contentType, storage_type: image.storageType, is_public: image.isPublic };
        return { data };
      } catch (error) {
        if (error instanceof RestError && error.errorCode === 'IMAGE_NOT_FOUND') return { data: { exists: false, status: 'not_found', key: target.key } };
        throw error;
      }
    }),
  );

  // The client calls this after an image failed to load, then loads it again: a fresh signed URL.
  router.post(
    `${ACCESS_PATH}refresh/*key`,
    route(async (req, caller) => {
      const target = targetOf(req, `${ACCESS_PATH}refresh/`);
      if (target.kind === 'external') return { data: { key: target.url, url: externalImageUrl(target.url), refreshed: false } };
      const granted = await access(target, caller);
      return { data: { key: target.key, url: storage.forClient(granted.url, req), content_type: granted.contentType, refreshed: true } };
    }),
  );

  router.get(
    `${ACCESS_PATH}*key`,
    route(async (req, caller, res) => {
      const target = targetOf(req, ACCESS_PATH);
      if (target.kind === 'external') {
        if (target.mode === 'redirect') {
          res.set('cache-control', EXTERNAL_REDIRECT_CACHE).redirect(302, externalImageUrl(target.url));
          return { sent: true };
        }
        const image = await openExternalImage(target.url);
        return sendImage(res, image.body, image.contentType, image.contentLength, MAX_EXTERNAL_IMAGE_BYTES);
      }
      const granted = await access(target, caller);
      if (target.mode === 'redirect') {
        res.set('cache-control', REDIRECT_CACHE).redirect(302, storage.forClient(granted.url, req));
        return { sent: true };
      }
      const object = await storage.open(granted.url).catch((err: unknown) => {
        deps.log.error({ err, key: target.key, requestId: caller.requestId }, 'image could not be read from storage');
        throw new RestError(STORAGE_UNAVAILABLE.status, STORAGE_UNAVAILABLE.code, STORAGE_UNAVAILABLE.message);
      });
      if (!object) throw new RestError(404, 'IMAGE_NOT_FOUND', `Image ${target.key} not found`);
      return sendImage(res, object.body, granted.contentType, object.contentLength);
    }),
  );
}
