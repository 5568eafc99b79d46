// /api/v1/images (REST-COMPAT.md §1 "Images"): the image library in the predecessor's shapes. All
// legacy routes: the old client calls them without a token, so anonymous calls act as the workspace
// account (LegacyAccess). An upload is the graph's two steps with the bytes in between:
// requestImageUpload hands out a signed PUT URL, the router puts the bytes there (with the local
// driver, on disk itself), and confirmImageUpload checks them; a refused upload leaves nothing behind.
import type express from 'express';
import type { Request } from 'express';
import { z } from 'zod';
import type { Logger } from '../../lib/logger.js';
import type { Gateway } from '../gateway.js';
import type { SignedStorage } from '../signed-storage.js';
import { runOperation } from './graphql-client.js';
import { type Caller, type Handler, pageParams, parseBody, queryText } from './handler.js';
import type { LegacyAccess } from './legacy-access.js';
import { readMultipart, type UploadedFile } from './multipart.js';
import type { OperationName } from './operations.js';
import { type GraphImage, restImage, restList } from './representations.js';
import { RestError } from './standard-response.js';

export interface MediaRouteDeps {
  gateway: Gateway;
  legacy: LegacyAccess;
  storage: SignedStorage;
  log: Logger;
}

type UserErrorShape = { code: string; message: string; field?: string | null };
type UploadTicket = { imageId: string; key: string; uploadUrl: string; method: string; contentType: string; expiresAt: string };
type UploadPayload = { upload: UploadTicket | null; error: UserErrorShape | null };
type ImagePayload = { image: GraphImage | null; error: UserErrorShape | null };
type Unexpected = { status: number; code: string; message: string };

/**
 * The media subgraph's limit on an image (media-settings.ts), mirrored here because the router does
 * not import subgraph code: an oversized file is refused before anything is stored.
 */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
// Batch files are held in memory until each is stored: ten at the image limit is 100 MiB at most.
const MAX_BATCH_FILES = 10;
const MAX_IDS = 100;
export const STORAGE_UNAVAILABLE: Unexpected = { status: 503, code: 'STORAGE_ERROR', message: 'Image storage is not available' };
const SEARCH_FAILED: Unexpected = { status: 500, code: 'SEARCH_FAILED', message: 'The image search failed' };

/** The graph's upload refusals as the contract's codes (the graph's own code stays in error_details). */
const UPLOAD_REFUSALS: Record<string, [status: number, code: string]> = {
  INVALID_IMAGE_FORMAT: [400, 'INVALID_IMAGE_FORMAT'],
  INVALID_IMAGE: [400, 'INVALID_IMAGE_FORMAT'],
  EMPTY_FILE: [400, 'INVALID_IMAGE_FORMAT'],
  IMAGE_TOO_LARGE: [413, 'IMAGE_TOO_LARGE'],
  IMAGE_UPLOAD_FAILED: [400, 'IMAGE_UPLOAD_FAILED'],
  NOT_FOUND: [404, 'IMAGE_NOT_FOUND'],
};

function refusal(error: UserErrorShape | null): RestError {
  const { code, message, field } = error ?? { code: 'IMAGE_UPLOAD_FAILED', message: 'The upload failed' };
  const [status, errorCode] = UPLOAD_REFUSALS[code] ?? [400, 'INVALID_REQUEST'];
  return new RestError(status, errorCode, message, { code, ...(field && { field }) });
}

/** The graph's errors in the image routes' words: a missing image is IMAGE_NOT_FOUND; `unexpected` renames internal failures. */
export function imageError(error: unknown, unexpected?: Unexpected): unknown {
  if (!(error instanceof RestError)) return error;
  if (error.errorCode === 'RESOURCE_NOT_FOUND') return new RestError(404, 'IMAGE_NOT_FOUND', error.message, error.details);
  if (unexpected && error.errorCode === 'INTERNAL_ERROR') return new RestError(unexpected.status, unexpected.code, unexpected.message);
  return error;
}

export function mediaRunner(gateway: Gateway) {
  return <T>(name: OperationName, variables: Record<string, unknown>, acting: Caller, unexpected?: Unexpected) =>
    runOperation<T>(gateway, name, variables, acting).catch((error: unknown) => {
      throw imageError(error, unexpected);
    });
}

// Browsers and scripts often send application/octet-stream: the name's extension then says what the
// file claims to be (the bytes are checked against the claim when the upload is confirmed).
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream']);
const TYPE_BY_EXTENSION: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml' };

function declaredType(file: UploadedFile): string {
  const type = file.mimeType.split(';')[0]!.trim().toLowerCase();
  if (!GENERIC_TYPES.has(type)) return type;
  const extension = /\.([a-z0-9]+)$/i.exec(file.filename)?.[1]?.toLowerCase();
  return (extension && TYPE_BY_EXTENSION[extension]) || type || 'application/octet-stream';
}

/** `tags=a&tags=b`, `tags[]=a&tags[]=b` and `tags=a,b` (tag names never contain commas). */
function tagsOf(query: Request['query']): string[] {
  const values = [query.tags, query['tags[]']].flat().filter((value): value is string => typeof value === 'string');
  return values.flatMap((value) => value.split(',')).map((tag) => tag.trim()).filter(Boolean);
}

const tagList = z
  .union([z.array(z.string({ error: 'tags must be strings' })), z.string()], { error: 'tags must be a list of names' })
  .transform((tags) => (typeof tags === 'string' ? tags.split(',') : tags).map((tag) => tag.trim()).filter(Boolean));
const TagsBody = z.object({ tags: tagList });
const BatchTagsBody = z.object({
  image_ids: z.array(z.string(), { error: 'image_ids must be a list of ids' }).min(1, 'image_ids is empty').max(MAX_IDS, `At most ${MAX_IDS} images at once`),
  tags: tagList,
  operation: z.enum(['add', 'remove', 'replace', 'ADD', 'REMOVE', 'REPLACE'], { error: 'operation is add, remove or replace' }).default('add'),
});
const count = (field: string, min: number, max: number, fallback: number) =>
  z.preprocess(
    (value) => (value === undefined || value === null || value === '' ? fallback : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: `${field} must be a whole number` }).int(`${field} must be a whole number`).min(min, `${field} is ${min} to ${max}`).max(max, `${field} is ${min} to ${max}`),
  );
const SearchBody = z.object({
  prompt: z.string({ error: 'prompt is required' }).trim().min(1, 'prompt is 1 to 500 characters').max(500, 'prompt is 1 to 500 characters'),
  limit: count('limit', 1, 100, 20),
  match_threshold: count('match_threshold', 50, 100, 70),
});
const PresignedBody = z.object({
  filename: z.string({ error: 'filename is required' }).trim().min(1, 'filename is required').max(255, 'filename is at most 255 characters'),
  content_type: z.string({ error: 'content_type is required' }).trim().min(1, 'content_type is required'),
});

/** Ids from a JSON array body, or from `{image_ids}` / `{ids}`. */
function idsOf(body: unknown): string[] {
  const ids: unknown = Array.isArray(body) ? body : (body as { image_ids?: unknown; ids?: unknown } | null)?.image_ids ?? (body as { ids?: unknown } | null)?.ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
    throw new RestError(400, 'INVALID_REQUEST', 'Send the image ids as a JSON array (or {"image_ids": [...]})', { field: 'image_ids' });
  }
  if (ids.length > MAX_IDS) throw new RestError(400, 'INVALID_REQUEST', `At most ${MAX_IDS} images at once`, { field: 'image_ids' });
  return ids as string[];
}

export function mountImageRoutes(router: express.Router, route: (handler: Handler) => express.RequestHandler, deps: MediaRouteDeps): void {
  const { legacy, storage, log } = deps;
  const run = mediaRunner(deps.gateway);

  const readImage = async (id: string, acting: Caller) => {
    const { image } = await run<{ image: GraphImage | null }>('ImageById', { id }, acting);
    if (!image) throw new RestError(404, 'IMAGE_NOT_FOUND', `Image ${id} not found`);
    return image;
  };

  const changeTags = async (id: string, tags: string[], operation: string, acting: Caller) => {
    const { result } = await run<{ result: ImagePayload }>('ChangeImageTags', { id, tags, operation: operation.toUpperCase() }, acting);
    if (!result.image) {
      const error = result.error ?? { code: 'UNKNOWN', message: 'Nothing changed' };
      if (error.code === 'NOT_FOUND') throw new RestError(404, 'IMAGE_NOT_FOUND', error.message);
      throw new RestError(400, 'INVALID_REQUEST', error.message, { code: error.code, ...(error.field && { field: error.field }) });
    }
    return result.image;
  };
  /** Idempotent: an image that is already gone is `deleted: false`. */
  const deleteImage = async (id: string, acting: Caller) => {
    const { results } = await run<{ results: { id: string; deleted: boolean }[] }>('DeleteImages', { ids: [id] }, acting);
    return results[0] ?? { id, deleted: false };
  };
  const tagsData = (image: GraphImage) => ({ image_id: image.id, tags: image.tags, total: image.tags.length });

  /** Stores one file as an image: request, put, confirm. Throws the contract's refusal. */
  const upload = async (file: UploadedFile, description: string | undefined, acting: Caller): Promise<GraphImage> => {
    if (file.tooLarge) throw new RestError(413, 'IMAGE_TOO_LARGE', `Images are at most ${MAX_IMAGE_BYTES} bytes`, { code: 'IMAGE_TOO_LARGE', field: 'file' });
    const variables = { filename: file.filename, contentType: declaredType(file), description: description || null };
    const { result } = await run<{ result: UploadPayload }>('RequestImageUpload', variables, acting, STORAGE_UNAVAILABLE);
    if (!result.upload) throw refusal(result.error);
    const { imageId, uploadUrl, contentType } = result.upload;
    try {
      await storage.put(uploadUrl, file.bytes, contentType);
    } catch (err) {
      log.error({ err, imageId, requestId: acting.requestId }, 'image upload could not be stored');
      // The pending upload is abandoned, so a failed upload leaves nothing behind.
      await deleteImage(imageId, acting).catch(() => undefined);
      throw new RestError(STORAGE_UNAVAILABLE.status, STORAGE_UNAVAILABLE.code, STORAGE_UNAVAILABLE.message);
    }
    const { result: confirmed } = await run<{ result: ImagePayload }>('ConfirmImageUpload', { imageId }, acting, STORAGE_UNAVAILABLE);
    if (!confirmed.image) throw refusal(confirmed.error);
    return confirmed.image;
  };

  router.get(
    '/images',
    route(async (req, caller) => {
      const acting = await legacy.resolve(caller);
      const { page, limit } = pageParams(req.query);
      const tags = tagsOf(req.query);
      const variables = {
        page,
        limit,
        sortBy: queryText(req.query.sort_by) ?? null,
        sortOrder: queryText(req.query.sort_order) ?? null,
        sourceType: queryText(req.query.source_type) ?? null,
        tags: tags.length > 0 ? tags : null,
        query: queryText(req.query.query) ?? null,
      };
      const { page: found } = await run<{ page: { total: number; items: GraphImage[] } }>('ImagePage', variables, acting);
      const base = storage.publicBase(req);
      return { data: restList(found.items.map((image) => restImage(image, base)), found.total, page, limit) };
    }),
  );

  router.post(
    '/images/upload',
    route(async (req, caller) => {
      const acting = await legacy.resolve(caller);
      const { files, fields } = await readMultipart(req, { fileFields: ['file'], maxFiles: 1, maxFileBytes: MAX_IMAGE_BYTES });
      const file = files[0];
      if (!file) throw new RestError(400, 'INVALID_REQUEST', 'No file in the field "file"', { field: 'file' });
      const image = await upload(file, fields.description, acting);
      return {
        status: 201,
        message: 'Image uploaded',
        data: { success: true, image_id: image.id, image_url: storage.forClient(image.link, req), cos_key: image.storageKey, image: restImage(image, storage.publicBase(req)) },
      };
    }),
  );

  router.post(
    '/images/upload/presigned',
    route(async (req, caller) => {
      const acting = await legacy.resolve(caller);
      const body = parseBody(PresignedBody, req);
      const { result } = await run<{ result: UploadPayload }>('RequestImageUpload', { filename: body.filename, contentType: body.content_type }, acting, STORAGE_UNAVAILABLE);
      if (!result.upload) throw refusal(result.error);
      const ticket = result.upload;
      // No sig yet (the image has no link until it is confirmed): `upload` lets the first visit to
      // access_url confirm the upload (img-access-routes.ts).
      const accessUrl = storage.forClient(`/api/v1/img-access/${ticket.key}?upload=${ticket.imageId}`, req);
      return {
        data: {
          upload_url: storage.forClient(ticket.uploadUrl, req),
          cos_key: ticket.key,
          access_url: accessUrl,
          expires_in: Math.max(0, Math.round((Date.parse(ticket.expiresAt) - Date.now()) / 1000)),
          image_id: ticket.imageId,
          method: ticket.method,
          content_type: ticket.contentType,
        },
      };
    }),
  );

  router.post(
    '/images/upload/batch',
    route(async (req, caller) => {
      const acting = await legacy.resolve(caller);
      const { files, tooManyFiles } = await readMultipart(req, { fileFields: ['files', 'files[]', 'file'], maxFiles: MAX_BATCH_FILES, maxFileBytes: MAX_IMAGE_BYTES });
      if (tooManyFiles) throw new RestError(400, 'INVALID_REQUEST', `At most ${MAX_BATCH_FILES} files at once`, { field: 'files' });
      if (files.length === 0) throw new RestError(400, 'INVALID_REQUEST', 'No files in the field "files"', { field: 'files' });
      const results = [];
      for (const file of files) {
        try {
          const image = await upload(file, undefined, acting);
          results.push({ filename: file.filename, success: true, image_id: image.id, image_url: storage.forClient(image.link, req), cos_key: image.storageKey });
        } catch (error) {
          if (!(error instanceof RestError)) throw error;
          results.push({ filename: file.filename, success: false, error: error.message, error_code: error.errorCode });
        }
      }
      const successful = results.filter((result) => result.success).length;
      return {
        message: `${successful} of ${files.length} files uploaded`,
        data: { total_files: files.length, successful_uploads: successful, failed_uploads: files.length - successful, results },
      };
    }),
  );

  router.post(
    '/images/search',
    route(async (req, caller) => {
      const acting = await legacy.resolve(caller);
      const body = parseBody(SearchBody, req);
      const { images } = await run<{ images: GraphImage[] }>('SearchImages', { query: body.prompt, limit: body.limit, threshold: body.match_threshold, includePublic: false }, acting, SEARCH_FAILED);
      const base = storage.publicBase(req);
      const results = images.map((image) => ({
        id: image.id,
        // Uploaded images have no prompt; their description says what they show.
        prompt: image.prompt ?? image.description,
        description: image.description,
        width: image.width,
        height: image.height,
        file_size: image.fileSize,
        mime_type: image.mimeType,
        tags: image.tags,
        created_at: image.createdAt,
        updated_at: image.updatedAt,
        cos_key: image.storageKey,
        url: `${base}${image.link}`,
      }));
      return { data: { results, total: results.length } };
    }),
  );

  router.post(
    '/images/batch-tags',
    route(async (req, caller) => {
      const acting = await legacy.resolve(caller);
      const body = parseBody(BatchTagsBody, req);
      const results: { image_id: string; success: boolean; tags?: string[] }[] = [];
      const errors: { image_id: string; error: string; error_code: string }[] = [];
      for (const id of body.image_ids) {
        try {
          const image = await changeTags(id, body.tags, body.operation, acting);
          results.push({ image_id: id, success: true, tags: image.tags });
        } catch (error) {
          if (!(error instanceof RestError) || error.httpStatus >= 500) throw error;
          results.push({ image_id: id, success: false });
          errors.push({ image_id: id, error: error.message, error_code: error.errorCode });
        }
      }
      return { data: { success_count: results.length - errors.length, failed_count: errors.length, results, errors } };
    }),
  );

  // One image at a time: someone else's image is refused by name, and that must not fail the rest.
  router.delete(
    '/images/batch/delete',
    route(async (req, caller) => {
      const acting = await legacy.resolve(caller);
      const results = [];
      for (const id of idsOf(req.body)) {
        try {
          results.push(await deleteImage(id, acting));
        } catch (error) {
          if (!(error instanceof RestError) || error.httpStatus >= 500) throw error;
          results.push({ id, deleted: false, error: error.message, error_code: error.errorCode });
        }
      }
      return { data: { results } };
    }),
  );

  router.get(
    '/images/:id',
    route(async (req, caller) => {
      const image = await readImage(String(req.params.id), await legacy.resolve(caller));
      return { data: restImage(image, storage.publicBase(req)) };
    }),
  );

  router.get(
    '/images/:id/url',
    route(async (req, caller) => {
      const image = await readImage(String(req.params.id), await legacy.resolve(caller));
      // The stable link, not a short-lived storage URL: the client puts it into slides.
      return { data: { url: storage.forClient(image.link, req), image_id: image.id, storage_type: image.storageType } };
    }),
  );

  router.delete(
    '/images/:id',
    route(async (req, caller) => {
      const result = await deleteImage(String(req.params.id), await legacy.resolve(caller));
      return { data: result, message: result.deleted ? 'Image deleted' : 'Image was already gone' };
    }),
  );

  router.get(
    '/images/:id/tags',
    route(async (req, caller) => ({ data: tagsData(await readImage(String(req.params.id), await legacy.resolve(caller))) })),
  );

  const tagChange = (operation: 'add' | 'replace' | 'remove'): Handler =>
    async (req, caller) => {
      const acting = await legacy.resolve(caller);
      const { tags } = parseBody(TagsBody, req);
      return { data: tagsData(await changeTags(String(req.params.id), tags, operation, acting)) };
    };
  router.post('/images/:id/tags', route(tagChange('add')));
  router.put('/images/:id/tags', route(tagChange('replace')));
  router.delete('/images/:id/tags', route(tagChange('remove')));

  router.delete(
    '/images/:id/tags/:tag',
    route(async (req, caller) => {
      const acting = await legacy.resolve(caller);
      return { data: tagsData(await changeTags(String(req.params.id), [String(req.params.tag)], 'remove', acting)) };
    }),
  );
}
