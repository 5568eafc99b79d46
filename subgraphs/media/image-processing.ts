// Turns an accepted upload into what the editor shows: a 320 px thumbnail for pickers and a
// 1920 px web variant for slides. Both are re-encoded from pixels, so EXIF (GPS, camera serials),
// XMP and ICC never reach them; orientation is applied first so nothing depends on the tag.
import sharp, { type Sharp } from 'sharp';
import { checkEmbeddedImages, DEFAULT_UPLOAD_LIMITS, type ImageFormat, IMAGE_FORMATS, sanitizeSvgBytes } from './image-validation.js';

export interface ImageVariant {
  bytes: Buffer;
  mimeType: string;
  extension: string;
  width: number;
  height: number;
}

export interface ProcessedImage {
  /** The original's size as shown, i.e. after EXIF orientation. */
  width: number;
  height: number;
  thumbnail: ImageVariant & { mimeType: 'image/webp'; extension: 'webp' };
  web: ImageVariant;
}

/** `transient` tells the queue whether another attempt can succeed. */
export class ImageProcessingError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImageProcessingError';
  }
}

export const THUMBNAIL_SIZE = 320;
export const WEB_SIZE = 1920;
const WEB_QUALITY = 82;
const THUMBNAIL_QUALITY = 78;

export async function processImage(bytes: Buffer, format: ImageFormat, options: { maxPixels?: number } = {}): Promise<ProcessedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_UPLOAD_LIMITS.maxPixels;
  try {
    return format === 'svg' ? await processSvg(bytes, maxPixels) : await processRaster(bytes, maxPixels);
  } catch (error) {
    throw toProcessingError(error);
  }
}

async function processRaster(bytes: Buffer, maxPixels: number): Promise<ProcessedImage> {
  // failOn 'error' rather than the default 'warning': cameras write JPEGs with harmless warnings
  // ("extraneous bytes before marker") that should not cost anyone their photo.
  const input = { limitInputPixels: maxPixels, failOn: 'error' } as const;
  const metadata = await sharp(bytes, input).metadata();
  const { width, height } = metadata.autoOrient;
  // Animated GIF/WebP: the thumbnail is the first frame; the web variant stays animated, as WebP.
  // We never pass the original GIF through even when small: re-encoding is what drops its comment
  // and XMP extensions (which can carry GPS), and animated WebP is smaller anyway. All frames are
  // decoded together, so an animation over the pixel budget is flattened to its first frame; so is
  // one whose EXIF orientation turns it by 90° (libvips cannot rotate multi-page images).
  const pages = metadata.pages ?? 1;
  const quarterTurn = (metadata.orientation ?? 1) >= 5;
  const animated = pages > 1 && !quarterTurn && metadata.width * (metadata.pageHeight ?? metadata.height) * pages <= maxPixels;

  const thumbnail = await webp(sharp(bytes, input).rotate(), THUMBNAIL_SIZE, THUMBNAIL_QUALITY);
  const web = await webp(sharp(bytes, { ...input, animated }).rotate(), WEB_SIZE, WEB_QUALITY);
  return { width, height, thumbnail, web };
}

async function processSvg(bytes: Buffer, maxPixels: number): Promise<ProcessedImage> {
  // Sanitised again: the bytes come back from storage, and the rules may have grown since upload.
  const svg = sanitizeSvgBytes(bytes);
  if (svg.kind !== 'svg') throw new ImageProcessingError(svg.kind === 'refused' ? `The SVG cannot be made safe: ${svg.reason}` : 'The file is not an SVG', false);
  if (!svg.size) throw new ImageProcessingError('The SVG has no usable width/height or viewBox', false);
  const embedded = await checkEmbeddedImages(svg.embeddedImages, maxPixels);
  if (embedded) throw new ImageProcessingError(embedded.message, false);
  const clean = Buffer.from(svg.svg, 'utf8');
  // librsvg renders straight at the target size (sharp scales the density), so a large canvas
  // costs no more than its thumbnail.
  const thumbnail = await webp(sharp(clean, { limitInputPixels: maxPixels, failOn: 'error' }), THUMBNAIL_SIZE, THUMBNAIL_QUALITY);
  return {
    ...svg.size,
    thumbnail,
    // Vector stays vector: the web variant is the sanitised document, sized by its own attributes.
    web: { bytes: clean, mimeType: IMAGE_FORMATS.svg.mimeType, extension: IMAGE_FORMATS.svg.extension, ...svg.size },
  };
}

async function webp(pipeline: Sharp, box: number, quality: number): Promise<ImageVariant & { mimeType: 'image/webp'; extension: 'webp' }> {
  const { data, info } = await pipeline
    .resize(box, box, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality })
    .toBuffer({ resolveWithObject: true });
  // For an animation `info.height` is the whole strip of frames; one frame is what is shown.
  return { bytes: data, mimeType: 'image/webp', extension: 'webp', width: info.width, height: info.pageHeight ?? info.height };
}

// libvips fails the same way every time for the same bytes, except when the machine is short of
// memory, threads or file descriptors: only those are worth another attempt.
const TRANSIENT_CODES = new Set(['ENOMEM', 'EAGAIN', 'EMFILE', 'ENFILE', 'EBUSY', 'ETIMEDOUT']);
const TRANSIENT_MESSAGE = /out of memory|cannot allocate|allocation failed|ENOMEM|EAGAIN|EMFILE|ENFILE|resource temporarily unavailable|too many open files/i;

export function toProcessingError(error: unknown): ImageProcessingError {
  if (error instanceof ImageProcessingError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const transient = (typeof code === 'string' && TRANSIENT_CODES.has(code)) || TRANSIENT_MESSAGE.test(message);
  return new ImageProcessingError(transient ? `Image processing ran out of resources: ${message}` : `The image cannot be processed: ${message}`, transient, { cause: error });
}
