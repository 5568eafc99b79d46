import { config } from '../../lib/config.js';
import type { MediaSettings } from './image-service.js';

/** Uploads above 10 MiB are refused: slide pictures are a few MB at most, and it bounds memory per upload. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export function mediaSettings(c = config()): MediaSettings {
  if (!c.MEDIA_SIGNING_KEY) throw new Error('MEDIA_SIGNING_KEY is not configured: image links cannot be signed');
  return { downloadTtlSeconds: c.SIGNED_URL_TTL_SECONDS, uploadTtlSeconds: c.UPLOAD_URL_TTL_SECONDS, signingKey: c.MEDIA_SIGNING_KEY, maxBytes: MAX_IMAGE_BYTES };
}
