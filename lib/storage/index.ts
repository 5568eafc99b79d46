// The storage driver the configuration names, and the one shape of object keys. Keys are made here
// from the owner's id and a random uuid, never from a client's file name.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { config, ConfigError, type Config } from '../config.js';
import { isUuid } from '../errors.js';
import { CosStorage } from './cos-storage.js';
import { LocalDiskStorage } from './local-disk-storage.js';
import type { ObjectStorage } from './object-storage.js';
import { meteredStorage } from './storage-metrics.js';

export type ImageVariant = 'thumb' | 'web';

const EXTENSION = /^[a-z0-9]{1,8}$/;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const IMAGE_KEY = new RegExp(`^images/(${UUID})/(${UUID})(?:\\.(thumb|web))?\\.([a-z0-9]{1,8})$`);

/** `images/{userId}/{uuid}.{ext}` for a new original. */
export function imageKey(userId: string, extension: string): string {
  if (!isUuid(userId)) throw new TypeError(`imageKey: user id must be a uuid, got ${JSON.stringify(userId)}`);
  return `images/${userId.toLowerCase()}/${randomUUID()}.${checkedExtension(extension)}`;
}

/** Beside its original: `images/{userId}/{uuid}.thumb.webp`, `images/{userId}/{uuid}.web.jpg`. */
export function variantKey(key: string, variant: ImageVariant, extension: string): string {
  const match = IMAGE_KEY.exec(key);
  if (!match || match[3] !== undefined) throw new TypeError(`variantKey: not an original image key: ${JSON.stringify(key)}`);
  return `images/${match[1]}/${match[2]}.${variant}.${checkedExtension(extension)}`;
}

/** An original or variant key as imageKey/variantKey make them, and nothing else. */
export function isImageKey(key: string): boolean {
  return IMAGE_KEY.test(key);
}

function checkedExtension(extension: string): string {
  const normalized = extension.replace(/^\./, '').toLowerCase();
  if (!EXTENSION.test(normalized)) throw new TypeError(`Invalid file extension: ${JSON.stringify(extension)}`);
  return normalized;
}

/** The driver STORAGE_DRIVER names, built from its settings; a ConfigError lists what is missing. */
export function createObjectStorage(cfg: Config = config()): ObjectStorage {
  if (cfg.STORAGE_DRIVER === 'local') {
    if (!cfg.MEDIA_SIGNING_KEY) {
      throw new ConfigError(['MEDIA_SIGNING_KEY: required with STORAGE_DRIVER=local (it signs the storage URLs)']);
    }
    return meteredStorage(new LocalDiskStorage({
      root: path.resolve(cfg.LOCAL_STORAGE_DIR),
      // The router serves /storage/*; without a public URL, it is the router on this machine.
      publicUrl: cfg.PUBLIC_URL ?? `http://127.0.0.1:${cfg.PORT}`,
      signingKey: cfg.MEDIA_SIGNING_KEY,
    }));
  }

  const required = ['COS_BUCKET', 'COS_REGION', 'COS_SECRET_ID', 'COS_SECRET_KEY'] as const;
  const problems = required.filter((name) => !cfg[name]).map((name) => `${name}: required with STORAGE_DRIVER=cos`);
  if (cfg.COS_BUCKET && !/^[a-z0-9-]+-\d+$/.test(cfg.COS_BUCKET)) problems.push('COS_BUCKET: must be name-appid, e.g. slides-1250000000');
  if (problems.length) throw new ConfigError(problems);
  return meteredStorage(new CosStorage({
    bucket: cfg.COS_BUCKET!,
    region: cfg.COS_REGION!,
    secretId: cfg.COS_SECRET_ID!,
    secretKey: cfg.COS_SECRET_KEY!,
    ...(cfg.COS_SESSION_TOKEN ? { sessionToken: cfg.COS_SESSION_TOKEN } : {}),
    ...(cfg.COS_DOMAIN ? { domain: cfg.COS_DOMAIN } : {}),
    protocol: cfg.COS_PROTOCOL,
    ...(cfg.COS_CDN_DOMAIN ? { cdnDomain: cfg.COS_CDN_DOMAIN } : {}),
  }));
}

export { StorageError, type ObjectInfo, type ObjectStorage, type StoredObject } from './object-storage.js';
