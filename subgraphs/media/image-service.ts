// The image library: uploads (a signed PUT straight to storage, then a confirm that checks the
// bytes), processing, signed access, tags, search and deletes. GraphQL, the REST facade and the
// processing worker all come through here.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import type { Viewer } from '../../lib/auth/tokens.js';
import { badInput, coded, ErrorCode, forbidden, isUuid, notFound, unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { userErrorFromZod } from '../../lib/graphql/user-error.js';
import { type ImageJobData, withTrace } from '../../lib/queues.js';
import type { Redis } from '../../lib/redis.js';
import { imageKey } from '../../lib/storage/index.js';
import { type ObjectStorage, StorageError } from '../../lib/storage/object-storage.js';
import type { ImageEvents } from './image-events.js';
import type { ImageFilter, ImageStore, ImageWithTags } from './image-store.js';
import { inspectUpload } from './image-validation.js';

export interface MediaSettings {
  downloadTtlSeconds: number;
  uploadTtlSeconds: number;
  /** Signs stable image links (`?sig=`) that let anyone holding one see that image, like a share link. */
  signingKey: string;
  maxBytes: number;
}

export type ImageResult = { ok: true; image: ImageWithTags } | { ok: false; error: UserErrorShape };
export type UploadTicket = { imageId: string; key: string; uploadUrl: string; method: 'PUT'; contentType: string; expiresAt: Date };
export type UploadResult = { ok: true; upload: UploadTicket } | { ok: false; error: UserErrorShape };

/** What an upload may declare; the bytes are checked against it on confirm. */
const UPLOAD_TYPES: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/pjpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
};
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const GeneratedFields = z.object({
  prompt: z.string().trim().min(1, 'A generated image needs its prompt').max(4000, 'The prompt is at most 4000 characters'),
  model: z.string().trim().min(1, 'A generated image names its model').max(200, 'The model name is at most 200 characters'),
});
export type GeneratedImage = z.input<typeof GeneratedFields>;

function parseGenerated(input: GeneratedImage): { ok: true; prompt: string; model: string } | { ok: false; error: UserErrorShape } {
  const parsed = GeneratedFields.safeParse(input);
  if (parsed.success) return { ok: true, ...parsed.data };
  const error = userErrorFromZod(parsed.error);
  return { ok: false, error: { ...error, field: `generated.${error.field}` } };
}
const SORTABLE = { created_at: 'createdAt', file_size: 'fileSize', filename: 'originalFilename', original_filename: 'originalFilename' } as const;
const TAG_NAME = /^[^\s,][^,]{0,49}$/u;
// Signed URLs are reused until a minute before they expire, so a client never gets one that dies in its hands.
const URL_REUSE_MARGIN_SECONDS = 60;

export function canReadImage(viewer: Viewer | null, image: { ownerId: string; isPublic: boolean }): boolean {
  return image.isPublic || (viewer !== null && (viewer.userId === image.ownerId || viewer.role === 'ADMIN'));
}

function canChange(viewer: Viewer, image: { ownerId: string }): boolean {
  return viewer.userId === image.ownerId || viewer.role === 'ADMIN';
}

function signedIn(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export function normaliseTags(tags: readonly string[]): { ok: true; tags: string[] } | { ok: false; error: UserErrorShape } {
  const cleaned = [...new Set(tags.map((tag) => tag.trim()).filter(Boolean))];
  if (cleaned.length > 50) return { ok: false, error: { code: 'BAD_USER_INPUT', message: 'At most 50 tags', field: 'tags' } };
  const bad = cleaned.find((tag) => !TAG_NAME.test(tag));
  if (bad !== undefined) return { ok: false, error: { code: 'BAD_USER_INPUT', message: 'A tag is 1 to 50 characters, without commas', field: 'tags' } };
  return { ok: true, tags: cleaned };
}

export class ImageService {
  constructor(
    private readonly store: ImageStore,
    private readonly storage: ObjectStorage,
    private readonly queue: Queue<ImageJobData>,
    private readonly redis: Redis,
    private readonly events: ImageEvents,
    private readonly settings: MediaSettings,
  ) {}

  get storageKind() {
    return this.storage.kind;
  }

  // ------------------------------------------------------------------------------------ upload

  /**
   * Step 1: a row waiting for its bytes and a short-lived URL to PUT them to. Only a service (the
   * AI agent, acting for the owner) may mark the image as generated: a person could otherwise pass
   * off an upload as the model's work.
   */
  async requestUpload(viewer: Viewer | null, input: { filename: string; contentType: string; description?: string | null; generated?: GeneratedImage | null }): Promise<UploadResult> {
    const owner = signedIn(viewer);
    if (input.generated && !owner.service) throw forbidden('Only the AI agent marks images as generated');
    const generated = input.generated ? parseGenerated(input.generated) : null;
    if (generated && !generated.ok) return generated;
    const contentType = input.contentType.toLowerCase().trim();
    const extension = UPLOAD_TYPES[contentType];
    if (!extension) return { ok: false, error: { code: 'INVALID_IMAGE_FORMAT', message: 'PNG, JPEG, GIF, WebP or SVG only', field: 'contentType' } };
    const filename = input.filename.trim().slice(0, 255) || `upload.${extension}`;
    const key = imageKey(owner.userId, extension);
    const image = await this.store.create({
      ownerId: owner.userId,
      storageKey: key,
      originalFilename: filename,
      mimeType: contentType,
      fileSize: 0,
      status: 'PENDING',
      description: input.description?.slice(0, 2000) ?? null,
      ...(generated && { sourceType: 'generated', prompt: generated.prompt, generationModel: generated.model }),
    });
    try {
      const uploadUrl = await this.storage.signedPutUrl(key, contentType, this.settings.uploadTtlSeconds);
      return { ok: true, upload: { imageId: image.id, key, uploadUrl, method: 'PUT', contentType, expiresAt: new Date(Date.now() + this.settings.uploadTtlSeconds * 1000) } };
    } catch (error) {
      await this.store.delete(image.id);
      throw storageFailure(error);
    }
  }

  /**
   * Step 1½ for services only: the bytes of a pending upload, sent inline. The AI agent cannot
   * always reach the signed upload URL (with the local-disk driver it names the router's
   * /storage route, which another machine may not reach); the media subgraph can always write
   * its own storage. Confirm still checks the bytes, exactly as after a signed PUT.
   */
  async putBytes(viewer: Viewer | null, imageId: string, base64: string): Promise<ImageResult> {
    const owner = signedIn(viewer);
    if (!owner.service) throw forbidden('Upload the bytes to the signed upload URL');
    const image = isUuid(imageId) ? await this.store.findById(imageId) : null;
    if (!image || image.ownerId !== owner.userId || image.status !== 'PENDING') return { ok: false, error: { code: 'NOT_FOUND', message: `Upload ${imageId} not found`, field: 'imageId' } };
    // base64 is 4 characters per 3 bytes: refuse an oversized body before decoding it.
    if (base64.length > Math.ceil(this.settings.maxBytes / 3) * 4) return { ok: false, error: { code: 'IMAGE_TOO_LARGE', message: `At most ${this.settings.maxBytes} bytes`, field: 'base64' } };
    if (!BASE64.test(base64)) return { ok: false, error: { code: 'INVALID_IMAGE', message: 'The bytes must be base64', field: 'base64' } };
    try {
      await this.storage.put(image.storageKey, Buffer.from(base64, 'base64'), image.mimeType);
    } catch (error) {
      throw storageFailure(error);
    }
    return { ok: true, image };
  }

  /**
   * Step 2: the bytes are in storage; check them (magic bytes, size, dimensions, SVG sanitised)
   * and start processing. A refused upload leaves neither row nor object behind.
   */
  async confirmUpload(viewer: Viewer | null, imageId: string): Promise<ImageResult> {
    const owner = signedIn(viewer);
    const image = isUuid(imageId) ? await this.store.findById(imageId) : null;
    if (!image || image.ownerId !== owner.userId) return { ok: false, error: { code: 'NOT_FOUND', message: `Upload ${imageId} not found`, field: 'imageId' } };
    return this.confirm(image);
  }

  /** Checks a pending upload's bytes and starts processing; refused ones are removed, object and row. */
  private async confirm(image: ImageWithTags): Promise<ImageResult> {
    if (image.status !== 'PENDING') return { ok: true, image };
    const bytes = await this.readObject(image.storageKey);
    if (!bytes) {
      await this.store.delete(image.id);
      return { ok: false, error: { code: 'IMAGE_UPLOAD_FAILED', message: 'Nothing was uploaded to the upload URL', field: 'imageId' } };
    }
    const inspected = await inspectUpload({ bytes, declaredType: image.mimeType, filename: image.originalFilename }, { maxBytes: this.settings.maxBytes });
    if (!inspected.ok) {
      await this.discard(image);
      return { ok: false, error: { code: inspected.code, message: inspected.message, field: inspected.field ?? 'file' } };
    }
    try {
      // A sanitised SVG replaces what was uploaded: the original never becomes reachable.
      if (inspected.bytes !== bytes) await this.storage.put(image.storageKey, inspected.bytes, inspected.mimeType);
    } catch (error) {
      await this.discard(image);
      throw storageFailure(error);
    }
    const stored = await this.store.update(image.id, { status: 'PROCESSING', mimeType: inspected.mimeType, fileSize: inspected.bytes.length, width: inspected.width, height: inspected.height });
    await this.queue.add('process', withTrace({ imageId: image.id }), { jobId: image.id });
    await this.events.publish(stored);
    return { ok: true, image: stored };
  }

  /**
   * Housekeeping (the worker runs it on a schedule): uploads never confirmed are confirmed if their
   * bytes arrived (the old client's presigned flow has no confirm step) or removed; objects under
   * images/ that no image row knows are deleted.
   */
  async cleanup(now = new Date()): Promise<{ confirmed: number; removedUploads: number; removedObjects: number }> {
    const summary = { confirmed: 0, removedUploads: 0, removedObjects: 0 };
    const cutoff = new Date(now.getTime() - (this.settings.uploadTtlSeconds + 60) * 1000);
    for (const stale of await this.store.stalePending(cutoff, 500)) {
      const image = await this.store.findById(stale.id);
      if (!image) continue;
      const result = await this.confirm(image).catch(() => null);
      if (result?.ok) summary.confirmed++;
      else summary.removedUploads++;
    }
    for await (const key of this.storage.list('images/')) {
      if (await this.store.keyExists(key)) continue;
      await this.storage.delete(key);
      summary.removedObjects++;
    }
    return summary;
  }

  private async readObject(key: string): Promise<Buffer | null> {
    try {
      const object = await this.storage.get(key);
      if (!object) return null;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of object.body) {
        size += (chunk as Buffer).length;
        // One byte over the cap is enough to refuse: do not read a huge object into memory.
        if (size > this.settings.maxBytes + 1) {
          object.body.destroy();
          break;
        }
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks);
    } catch (error) {
      throw storageFailure(error);
    }
  }

  /** Removes an image's objects and row (refused uploads, deletes). */
  private async discard(image: { id: string; storageKey: string; thumbnailKey: string | null; webKey: string | null }): Promise<void> {
    for (const key of [image.storageKey, image.thumbnailKey, image.webKey]) {
      if (key) await this.storage.delete(key).catch(() => undefined);
    }
    await this.store.delete(image.id);
  }

  // ------------------------------------------------------------------------------------ access

  /** A short-lived signed URL for the image (or one of its variants), reused from Redis while fresh. */
  async signedUrl(key: string): Promise<string> {
    const cacheKey = `pptist:signed-url:${key}`;
    const cached = await this.redis.get(cacheKey);
    if (cached) return cached;
    const ttl = this.settings.downloadTtlSeconds;
    const url = await this.storage.signedGetUrl(key, ttl).catch((error: unknown) => {
      throw storageFailure(error);
    });
    await this.redis.set(cacheKey, url, 'EX', Math.max(1, ttl - URL_REUSE_MARGIN_SECONDS));
    return url;
  }

  /** The stable link clients put into slides: `/api/v1/img-access/{key}?sig=…` (it never expires; the redirect it leads to does). */
  imageLink(key: string): string {
    return `/api/v1/img-access/${key}?sig=${this.linkSignature(key)}`;
  }

  private linkSignature(key: string): string {
    return createHmac('sha256', this.settings.signingKey).update(`img-access\n${key}`).digest('base64url').slice(0, 32);
  }

  /**
   * Who may follow a key: the owner (or an admin), anyone for a public image, anyone holding the
   * image's signed link. Variant keys (thumbnails, web versions) follow their image.
   */
  async access(viewer: Viewer | null, key: string, signature?: string | null): Promise<{ url: string; contentType: string; image: ImageWithTags }> {
    let image = await this.store.findByAnyKey(key);
    // The old client's presigned upload has no confirm step: the first access confirms it.
    if (image?.status === 'PENDING') {
      const confirmed = await this.confirm(image);
      image = confirmed.ok ? confirmed.image : null;
    }
    if (!image) throw notFound('Image', key);
    const holdsLink = Boolean(signature) && safeEqual(signature!, this.linkSignature(image.storageKey));
    if (!holdsLink && !canReadImage(viewer, image)) throw viewer ? forbidden('This image is not yours') : unauthenticated('Sign in, or use the image’s link');
    const contentType = key === image.storageKey ? image.mimeType : key.endsWith('.svg') ? 'image/svg+xml' : 'image/webp';
    return { url: await this.signedUrl(key), contentType, image };
  }

  // ------------------------------------------------------------------------------------ library

  async readable(viewer: Viewer | null, id: string): Promise<ImageWithTags> {
    const image = isUuid(id) ? await this.store.findById(id) : null;
    if (!image || image.status === 'PENDING') throw notFound('Image', id);
    if (!canReadImage(viewer, image)) throw viewer ? forbidden('This image is not yours') : unauthenticated();
    return image;
  }

  private async changeable(viewer: Viewer | null, id: string, options: { pending?: boolean } = {}): Promise<ImageWithTags | null> {
    const who = signedIn(viewer);
    const image = isUuid(id) ? await this.store.findById(id) : null;
    if (!image || (image.status === 'PENDING' && !options.pending)) return null;
    // Like reading one by id: someone else's image is refused by name (ids are unguessable uuids).
    if (!canChange(who, image)) throw forbidden('This image is not yours');
    return image;
  }

  async page(viewer: Viewer | null, input: { page: number; limit: number; sortBy?: string | null; sortOrder?: string | null; sourceType?: string | null; tags?: string[] | null; query?: string | null }) {
    const who = signedIn(viewer);
    if (!Number.isInteger(input.page) || input.page < 1) throw badInput('page starts at 1', 'page');
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > 100) throw badInput('limit must be 1 to 100', 'limit');
    const sortBy = SORTABLE[(input.sortBy ?? 'created_at') as keyof typeof SORTABLE];
    if (!sortBy) throw badInput(`sort_by must be one of ${Object.keys(SORTABLE).join(', ')}`, 'sortBy');
    const order = (input.sortOrder ?? 'desc').toLowerCase();
    if (order !== 'asc' && order !== 'desc') throw badInput('sort_order must be asc or desc', 'sortOrder');
    if (input.sourceType && input.sourceType !== 'uploaded' && input.sourceType !== 'generated') throw badInput('source_type is uploaded or generated', 'sourceType');
    const filter: ImageFilter = { ownerId: who.userId, sourceType: input.sourceType, tags: input.tags ?? [], query: input.query };
    const [items, total] = await this.store.page(filter, { skip: (input.page - 1) * input.limit, take: input.limit, sortBy, descending: order === 'desc' });
    return { items, total };
  }

  myImages(viewer: Viewer | null, first: number): Promise<ImageWithTags[]> {
    const who = signedIn(viewer);
    if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be 1 to 100', 'first');
    return this.store.listByOwner(who.userId, first);
  }

  /** A user's images as the caller may see them: all for themselves (and admins), public ones for others. */
  imagesOf(viewer: Viewer | null, ownerId: string, first: number): Promise<ImageWithTags[]> {
    if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be 1 to 100', 'first');
    const all = viewer !== null && (viewer.userId === ownerId || viewer.role === 'ADMIN');
    return this.store.listByOwner(ownerId, first, !all);
  }

  /**
   * Text search over description, prompt, file name and tags (my images, and public ones when
   * asked). `threshold` (50–100) is the share of the query's words an image must match.
   */
  async search(viewer: Viewer | null, input: { query: string; limit: number; threshold?: number; includePublic?: boolean }): Promise<ImageWithTags[]> {
    const who = signedIn(viewer);
    const words = input.query.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 10);
    if (words.length === 0 || input.query.length > 500) throw badInput('A search is 1 to 500 characters', 'query');
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > 100) throw badInput('limit must be 1 to 100', 'limit');
    const threshold = input.threshold ?? 70;
    if (!Number.isInteger(threshold) || threshold < 50 || threshold > 100) throw badInput('match_threshold is 50 to 100', 'threshold');
    // Candidates match any word; each is then scored by the share of words it matches.
    const candidates = await Promise.all(words.map((word) => this.store.page({ ownerId: who.userId, query: word, includePublic: input.includePublic }, { skip: 0, take: 200, sortBy: 'createdAt', descending: true })));
    const byId = new Map<string, { image: ImageWithTags; hits: number }>();
    for (const [images] of candidates) {
      for (const image of images) {
        const entry = byId.get(image.id) ?? { image, hits: 0 };
        entry.hits++;
        byId.set(image.id, entry);
      }
    }
    return [...byId.values()]
      .filter((entry) => (entry.hits / words.length) * 100 >= threshold)
      .sort((a, b) => b.hits - a.hits || b.image.createdAt.getTime() - a.image.createdAt.getTime())
      .slice(0, input.limit)
      .map((entry) => entry.image);
  }

  async update(viewer: Viewer | null, id: string, input: { description?: string | null; isPublic?: boolean | null }): Promise<ImageResult> {
    const image = await this.changeable(viewer, id);
    if (!image) return { ok: false, error: { code: 'NOT_FOUND', message: `Image ${id} not found`, field: 'id' } };
    if (input.description && input.description.length > 2000) return { ok: false, error: { code: 'BAD_USER_INPUT', message: 'A description is at most 2000 characters', field: 'description' } };
    return {
      ok: true,
      image: await this.store.update(image.id, {
        ...(input.description !== undefined && { description: input.description }),
        ...(input.isPublic !== undefined && input.isPublic !== null && { isPublic: input.isPublic }),
      }),
    };
  }

  async changeTags(viewer: Viewer | null, id: string, tags: string[], operation: 'add' | 'remove' | 'replace'): Promise<ImageResult> {
    const image = await this.changeable(viewer, id);
    if (!image) return { ok: false, error: { code: 'NOT_FOUND', message: `Image ${id} not found`, field: 'id' } };
    const parsed = normaliseTags(tags);
    if (!parsed.ok) return parsed;
    return { ok: true, image: await this.store.changeTags(image.id, parsed.tags, operation) };
  }

  /** Deletes the image's objects and row. Idempotent: a missing image is `deleted: false`, not an error. */
  async delete(viewer: Viewer | null, id: string): Promise<{ id: string; deleted: boolean }> {
    // Pending uploads too: a client whose PUT failed abandons its upload this way.
    const image = await this.changeable(viewer, id, { pending: true });
    if (!image) return { id, deleted: false };
    await this.discard(image);
    await this.redis.del(`pptist:signed-url:${image.storageKey}`);
    return { id, deleted: true };
  }

  // ---------------------------------------------------------------------------------------- tags

  async tagLibrary(viewer: Viewer | null, input: { query?: string | null; page: number; limit: number; sortBy?: string | null; sortOrder?: string | null }) {
    signedIn(viewer);
    if (!Number.isInteger(input.page) || input.page < 1) throw badInput('page starts at 1', 'page');
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > 100) throw badInput('limit must be 1 to 100', 'limit');
    const orderBy = ({ name: 'name', usage: 'usage', usage_count: 'usage', created_at: 'createdAt' } as const)[(input.sortBy ?? 'usage') as 'name'];
    if (!orderBy) throw badInput('sort_by is name, usage_count or created_at', 'sortBy');
    const order = (input.sortOrder ?? (orderBy === 'name' ? 'asc' : 'desc')).toLowerCase();
    if (order !== 'asc' && order !== 'desc') throw badInput('sort_order must be asc or desc', 'sortOrder');
    const [items, total] = await this.store.tags({ query: input.query?.trim() || null, skip: (input.page - 1) * input.limit, take: input.limit, orderBy, descending: order === 'desc' });
    return { items, total };
  }

  async createTag(viewer: Viewer | null, name: string, description: string | null) {
    signedIn(viewer);
    const parsed = normaliseTags([name]);
    if (!parsed.ok || parsed.tags.length !== 1) throw badInput('A tag is 1 to 50 characters, without commas', 'name');
    const tag = await this.store.createTag(parsed.tags[0]!, description?.slice(0, 500) ?? null);
    const [[withCount]] = await this.store.tags({ query: tag.name, skip: 0, take: 1, orderBy: 'name', descending: false });
    return withCount ?? { ...tag, usageCount: 0 };
  }

  /** The library is shared by everyone, so only admins remove a tag (from every image). */
  async deleteTag(viewer: Viewer | null, name: string): Promise<boolean> {
    const who = signedIn(viewer);
    if (who.role !== 'ADMIN') throw forbidden('Only administrators delete tags from the library');
    return this.store.deleteTag(name.trim());
  }

  // ---------------------------------------------------------------------------------- processing

  /** Current state, then changes, until the image is ready or failed. */
  async followStatus(viewer: Viewer | null, id: string) {
    const who = signedIn(viewer);
    const image = isUuid(id) ? await this.store.findById(id) : null;
    if (!image || !canChange(who, image)) throw notFound('Image', id);
    return this.events.follow(image.id, () => this.store.findById(image.id));
  }
}

/** A storage failure as the API reports it: coded STORAGE_ERROR (REST 503), the cause kept for the logs. */
function storageFailure(error: unknown): Error {
  const cause = error instanceof StorageError ? error : new StorageError('Storage is not available', { cause: error });
  return coded(ErrorCode.STORAGE_ERROR, 'Image storage is not available right now; try again shortly', {}, cause);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
