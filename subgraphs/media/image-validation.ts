// What an upload is, decided by its bytes: the declared Content-Type and the file name may only
// agree with them. Rejections are data with the REST contract's codes; nothing here throws for bad
// input. SVG is accepted only after sanitising, because the web variant of an SVG is the SVG itself
// and a browser opening it directly would run whatever script it carries.
import sharp from 'sharp';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'svg';

export type UploadRejectionCode = 'INVALID_IMAGE_FORMAT' | 'IMAGE_TOO_LARGE' | 'EMPTY_FILE' | 'INVALID_IMAGE';

export interface AcceptedUpload {
  ok: true;
  format: ImageFormat;
  mimeType: string;
  extension: string;
  /** After EXIF orientation, i.e. as the image is shown. */
  width: number;
  height: number;
  /** The bytes to store: the upload itself, or the sanitised document for SVG. */
  bytes: Buffer;
}

export interface RejectedUpload {
  ok: false;
  code: UploadRejectionCode;
  message: string;
  field?: string;
}

export type UploadInspection = AcceptedUpload | RejectedUpload;

export interface UploadLimits {
  maxBytes: number;
  maxDimension: number;
  maxPixels: number;
}

// 40 megapixels covers a 48 MP phone's binned output and 8K frames while bounding one decode at
// ~160 MB (4 bands × 1 byte); 10 000 px per side stops 1 × 40 000 000 strips that pass the pixel count.
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxDimension: 10_000,
  maxPixels: 40_000_000,
};

export const IMAGE_FORMATS: Record<ImageFormat, { mimeType: string; extension: string; mimeAliases: readonly string[]; extensionAliases: readonly string[] }> = {
  png: { mimeType: 'image/png', extension: 'png', mimeAliases: ['image/png', 'image/x-png', 'image/apng'], extensionAliases: ['png', 'apng'] },
  jpeg: { mimeType: 'image/jpeg', extension: 'jpg', mimeAliases: ['image/jpeg', 'image/jpg', 'image/pjpeg'], extensionAliases: ['jpg', 'jpeg', 'jpe', 'jfif', 'pjpeg', 'pjp'] },
  gif: { mimeType: 'image/gif', extension: 'gif', mimeAliases: ['image/gif'], extensionAliases: ['gif'] },
  webp: { mimeType: 'image/webp', extension: 'webp', mimeAliases: ['image/webp'], extensionAliases: ['webp'] },
  svg: { mimeType: 'image/svg+xml', extension: 'svg', mimeAliases: ['image/svg+xml'], extensionAliases: ['svg'] },
};

// What clients send when they do not know the type; the bytes decide then.
const UNDECLARED_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

const reject = (code: UploadRejectionCode, message: string, field = 'file'): RejectedUpload => ({ ok: false, code, message, field });

export async function inspectUpload(
  upload: { bytes: Buffer; declaredType?: string | null; filename?: string | null },
  limits: Partial<UploadLimits> = {},
): Promise<UploadInspection> {
  const { maxBytes, maxDimension, maxPixels } = { ...DEFAULT_UPLOAD_LIMITS, ...limits };
  const { bytes } = upload;
  if (bytes.length === 0) return reject('EMPTY_FILE', 'The file is empty');
  if (bytes.length > maxBytes) return reject('IMAGE_TOO_LARGE', `The file is ${bytes.length} bytes; the limit is ${maxBytes}`);

  const raster = detectRasterFormat(bytes);
  const svg = raster ? null : sanitizeSvgBytes(bytes);
  if (svg?.kind === 'not-svg') return reject('INVALID_IMAGE_FORMAT', 'The file is not a PNG, JPEG, GIF, WebP or SVG image');
  if (svg?.kind === 'refused') return reject('INVALID_IMAGE_FORMAT', `The SVG cannot be made safe: ${svg.reason}`);
  const format: ImageFormat = raster ?? 'svg';
  const contradiction = contradictsDeclared(format, upload.declaredType, upload.filename);
  if (contradiction) return contradiction;

  let stored = bytes;
  let svgSize: { width: number; height: number } | null = null;
  if (svg) {
    if (!svg.size) return reject('INVALID_IMAGE', 'The SVG has no usable width/height or viewBox');
    const embedded = await checkEmbeddedImages(svg.embeddedImages, maxPixels);
    if (embedded) return reject(embedded.code, embedded.message);
    stored = Buffer.from(svg.svg, 'utf8');
    svgSize = svg.size;
  }

  let width: number;
  let height: number;
  try {
    const metadata = await sharp(stored, { limitInputPixels: maxPixels }).metadata();
    if (metadata.format !== format) return reject('INVALID_IMAGE', 'The image data is corrupt');
    ({ width, height } = svgSize ?? metadata.autoOrient);
  } catch (error) {
    if (isPixelLimitError(error)) {
      return reject('IMAGE_TOO_LARGE', `The image has more than ${maxPixels} pixels`);
    }
    return reject('INVALID_IMAGE', 'The image data is corrupt or unreadable');
  }
  if (width > maxDimension || height > maxDimension) {
    return reject('IMAGE_TOO_LARGE', `The image is ${width}×${height}; each side may be at most ${maxDimension} px`);
  }
  if (width * height > maxPixels) return reject('IMAGE_TOO_LARGE', `The image has more than ${maxPixels} pixels`);
  // Header reads succeed on files cut short after the header; catch those here rather than as a
  // failed job in the queue later.
  if (raster && !isStructurallyComplete(raster, bytes)) {
    return reject('INVALID_IMAGE', 'The image data is truncated or corrupt');
  }
  if (raster === 'png' && !pngHoldsEnoughData(bytes)) {
    return reject('IMAGE_TOO_LARGE', `The image declares ${width}×${height} pixels but is far too small to hold them`);
  }

  const { mimeType, extension } = IMAGE_FORMATS[format];
  return { ok: true, format, mimeType, extension, width, height, bytes: stored };
}

/** sharp's refusal under `limitInputPixels`, raised from the header alone. */
const isPixelLimitError = (error: unknown): boolean => error instanceof Error && /exceeds pixel limit/i.test(error.message);

/**
 * Embedded rasters are decoded by librsvg with no pixel limit of its own, so they share the upload's
 * budget: together at most maxPixels, and each one readable.
 */
export async function checkEmbeddedImages(images: Buffer[], maxPixels: number): Promise<{ code: UploadRejectionCode; message: string } | null> {
  let pixels = 0;
  for (const image of images) {
    if (!detectRasterFormat(image)) return { code: 'INVALID_IMAGE', message: 'An image embedded in the SVG is not a PNG, JPEG, GIF or WebP' };
    try {
      const { width, height } = await sharp(image, { limitInputPixels: maxPixels }).metadata();
      pixels += width * height;
    } catch (error) {
      if (isPixelLimitError(error)) pixels = Infinity;
      else return { code: 'INVALID_IMAGE', message: 'An image embedded in the SVG is corrupt or unreadable' };
    }
    if (pixels > maxPixels) return { code: 'IMAGE_TOO_LARGE', message: `The images embedded in the SVG have more than ${maxPixels} pixels` };
  }
  return null;
}

export function detectRasterFormat(bytes: Buffer): Exclude<ImageFormat, 'svg'> | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 6) {
    const head = bytes.toString('latin1', 0, 6);
    if (head === 'GIF87a' || head === 'GIF89a') return 'gif';
  }
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function contradictsDeclared(format: ImageFormat, declaredType?: string | null, filename?: string | null): RejectedUpload | null {
  const described = format === 'svg' ? 'an SVG' : `a ${format.toUpperCase()}`;
  const type = (declaredType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!UNDECLARED_TYPES.has(type) && !IMAGE_FORMATS[format].mimeAliases.includes(type)) {
    return reject('INVALID_IMAGE_FORMAT', `The file was sent as ${type} but is ${described} image`, 'contentType');
  }
  // Only a letter-led suffix counts as an extension, so "Scan 10.30.15" has none.
  const extension = /\.([a-z][a-z0-9]{0,9})$/.exec((filename ?? '').trim().toLowerCase())?.[1];
  if (extension && !IMAGE_FORMATS[format].extensionAliases.includes(extension)) {
    return reject('INVALID_IMAGE_FORMAT', `The file name ends in .${extension} but the file is ${described} image`, 'filename');
  }
  return null;
}

/** Whether the container runs to its end marker: cheap, no pixel decoding. */
export function isStructurallyComplete(format: Exclude<ImageFormat, 'svg'>, bytes: Buffer): boolean {
  switch (format) {
    case 'png':
      return pngIsComplete(bytes);
    case 'jpeg':
      return jpegIsComplete(bytes);
    case 'gif':
      return gifIsComplete(bytes);
    case 'webp':
      // RIFF size counts everything after the 8-byte RIFF header.
      return bytes.length >= 12 && bytes.readUInt32LE(4) + 8 <= bytes.length;
  }
}

/** Total IDAT bytes of a PNG that runs to IEND, or null when it is cut short. */
function pngImageDataLength(bytes: Buffer): number | null {
  let at = 8;
  let data = 0;
  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    at += 12 + length;
    if (at > bytes.length) return null;
    if (type === 'IDAT') data += length;
    if (type === 'IEND') return data;
  }
  return null;
}

const pngIsComplete = (bytes: Buffer): boolean => pngImageDataLength(bytes) !== null;

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Deflate cannot shrink data more than ~1032:1, so a PNG whose IDAT is smaller than its declared
 * scanlines / 1032 is a header written to make a decoder allocate, not an image.
 */
function pngHoldsEnoughData(bytes: Buffer): boolean {
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const bitsPerPixel = bytes[24]! * (PNG_CHANNELS[bytes[25]!] ?? 1);
  const scanlines = height * (1 + Math.ceil((width * bitsPerPixel) / 8));
  return (pngImageDataLength(bytes) ?? 0) >= Math.floor(scanlines / 1100);
}

function jpegIsComplete(bytes: Buffer): boolean {
  let at = 2;
  let inScan = false;
  while (at < bytes.length) {
    if (inScan) {
      // Entropy-coded data escapes 0xFF as FF 00; restart markers (D0–D7) stay inside the scan.
      const ff = bytes.indexOf(0xff, at);
      if (ff < 0 || ff + 1 >= bytes.length) return false;
      const next = bytes[ff + 1]!;
      if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) {
        at = ff + (next === 0xff ? 1 : 2);
        continue;
      }
      inScan = false;
      at = ff;
    }
    if (bytes[at] !== 0xff) return false;
    while (bytes[at] === 0xff) at++;
    if (at >= bytes.length) return false;
    const marker = bytes[at++]!;
    if (marker === 0xd9) return true;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (at + 2 > bytes.length) return false;
    const length = bytes.readUInt16BE(at);
    if (length < 2) return false;
    at += length;
    if (at > bytes.length) return false;
    if (marker === 0xda) inScan = true;
  }
  return false;
}

function gifIsComplete(bytes: Buffer): boolean {
  if (bytes.length < 13) return false;
  let at = 13;
  const screenFlags = bytes[10]!;
  if (screenFlags & 0x80) at += 3 * 2 ** ((screenFlags & 0x07) + 1);
  let images = 0;
  const skipSubBlocks = (): boolean => {
    for (;;) {
      if (at >= bytes.length) return false;
      const size = bytes[at++]!;
      if (size === 0) return true;
      at += size;
    }
  };
  for (;;) {
    // Some encoders omit the trailer; a file that ends cleanly after a whole image still displays.
    if (at === bytes.length) return images > 0;
    if (at > bytes.length) return false;
    const block = bytes[at++]!;
    if (block === 0x3b) return images > 0;
    if (block === 0x21) {
      at += 1;
      if (!skipSubBlocks()) return false;
    } else if (block === 0x2c) {
      if (at + 9 > bytes.length) return false;
      const imageFlags = bytes[at + 8]!;
      at += 9;
      if (imageFlags & 0x80) at += 3 * 2 ** ((imageFlags & 0x07) + 1);
      at += 1; // LZW minimum code size
      if (!skipSubBlocks()) return false;
      images++;
    } else {
      return false;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SVG sanitising. A small XML tokenizer, a pass that drops what can run script or fetch from the
// network, and a re-serialisation in one canonical form (double-quoted attributes, every `<`, `>`
// and `&` escaped, no comments, CDATA or DTD) that XML and HTML parsers read the same way. The
// output must then come back unchanged from a second pass, or the upload is refused.

export type SvgSanitizeResult =
  | {
      kind: 'svg';
      svg: string;
      removed: string[];
      size: { width: number; height: number } | null;
      /** Raster `data:` images kept in `<image>`/`<feImage>`; librsvg decodes them without a pixel limit. */
      embeddedImages: Buffer[];
    }
  | { kind: 'not-svg' }
  | { kind: 'refused'; reason: string };

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

// Bounds on work the rasteriser would do for us; real exports stay far below them.
const MAX_SVG_ELEMENTS = 50_000;
const MAX_SVG_DEPTH = 200;
// Every reference is decoded and every `&`, `>` and quote re-escaped, at up to ~0.5 µs apiece;
// uncapped, 10 MiB of them would hold the upload path for seconds. Checked on the upload only,
// since escaping is what the second pass meets more of.
const MAX_SVG_REFERENCES = 200_000;
const MAX_SVG_ESCAPABLES = 1_000_000;

// Elements dropped with their whole subtree: they run script, embed other documents or fetch.
const REMOVED_ELEMENTS = new Set([
  'script', 'foreignobject', 'iframe', 'embed', 'object', 'applet', 'frame', 'frameset',
  'handler', 'listener', 'audio', 'video', 'canvas', 'base', 'link', 'meta', 'form',
  'input', 'button', 'textarea', 'img',
]);
const ANIMATION_ELEMENTS = new Set(['set', 'animate', 'animatetransform', 'animatemotion', 'animatecolor']);
// Attributes that load a URL in some vocabulary (HTML mostly); none has a use in an image.
const URL_ATTRIBUTES = new Set(['src', 'srcset', 'action', 'formaction', 'data', 'poster', 'background', 'codebase', 'dynsrc', 'lowsrc']);
const RASTER_DATA_URL = /^data:image\/(?:png|jpe?g|gif|webp);base64,[a-z0-9+/]+=*$/i;

class SvgRefused extends Error {}
class NotSvg extends SvgRefused {}

function refuse(reason: string): never {
  throw new SvgRefused(reason);
}

/** Decodes UTF-8 (refusing anything else) and sanitises; `not-svg` when the root is not `<svg>`. */
export function sanitizeSvgBytes(bytes: Buffer): SvgSanitizeResult {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { kind: 'not-svg' };
  }
  return sanitizeSvg(text.replace(/^\uFEFF/, ''));
}

export function sanitizeSvg(source: string): SvgSanitizeResult {
  try {
    checkEscapeWork(source);
    const first = sanitizePass(source);
    if (first.kind !== 'svg') return first;
    const second = sanitizePass(first.svg);
    if (second.kind !== 'svg' || second.svg !== first.svg || second.removed.length > 0) {
      return { kind: 'refused', reason: 'the cleaned document does not re-parse to itself' };
    }
    return first;
  } catch (error) {
    if (error instanceof NotSvg) return { kind: 'not-svg' };
    if (error instanceof SvgRefused) {
      // Markup that merely failed to parse is only reported as SVG when it names itself so.
      return /<svg[\s>/]/i.test(source) ? { kind: 'refused', reason: error.message } : { kind: 'not-svg' };
    }
    throw error;
  }
}

interface Attribute {
  name: string;
  value: string;
}

type Token =
  | { kind: 'text'; raw: string; cdata: boolean }
  | { kind: 'comment' }
  | { kind: 'pi'; target: string; body: string }
  | { kind: 'doctype' }
  | { kind: 'start'; name: string; attributes: Attribute[]; selfClosing: boolean }
  | { kind: 'end'; name: string };

const localName = (name: string): string => name.slice(name.indexOf(':') + 1).toLowerCase();

function checkEscapeWork(source: string): void {
  let references = 0;
  let escapables = 0;
  for (let at = 0; at < source.length; at++) {
    const c = source.charCodeAt(at);
    if (c === 0x26) references++;
    if (c === 0x26 || c === 0x3e || c === 0x22 || c === 0x27) escapables++;
  }
  if (references > MAX_SVG_REFERENCES) refuse(`more than ${MAX_SVG_REFERENCES} entity or character references`);
  if (escapables > MAX_SVG_ESCAPABLES) refuse(`more than ${MAX_SVG_ESCAPABLES} characters to escape`);
}

function sanitizePass(source: string): SvgSanitizeResult {
  const out: string[] = [];
  const removed: string[] = [];
  const embeddedImages: Buffer[] = [];
  const open: string[] = [];
  let skipping = 0; // depth inside a removed element
  let style: { startTag: string; css: string } | null = null;
  let root: Attribute[] | null = null;
  let rootClosed = false;
  let elements = 0;

  const tokens = tokenizeXml(source);
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (token.kind === 'comment') continue;
    if (token.kind === 'doctype') {
      if (root) refuse('a DOCTYPE after the root element');
    } else if (token.kind === 'pi') {
      if (token.target.toLowerCase() !== 'xml') {
        removed.push(`<?${token.target}?>`);
        continue;
      }
      if (index !== 0) refuse('a misplaced XML declaration');
      const encoding = /encoding\s*=\s*["']([^"']*)["']/.exec(token.body)?.[1]?.toLowerCase();
      if (encoding && encoding !== 'utf-8' && encoding !== 'utf8' && encoding !== 'us-ascii') refuse(`the ${encoding} encoding (only UTF-8 is accepted)`);
    } else if (token.kind === 'text') {
      if (!root || rootClosed) {
        if (token.cdata || token.raw.trim() !== '') refuse('text outside the root element');
      } else if (skipping === 0) {
        if (style) style.css += token.cdata ? token.raw : decodeReferences(token.raw);
        else out.push(canonicalText(token));
      }
    } else if (token.kind === 'start') {
      if (rootClosed) refuse('more than one root element');
      if (++elements > MAX_SVG_ELEMENTS) refuse(`more than ${MAX_SVG_ELEMENTS} elements`);
      if (open.length >= MAX_SVG_DEPTH) refuse(`nesting deeper than ${MAX_SVG_DEPTH}`);
      const isRoot = !root;
      if (isRoot) {
        const xmlns = token.attributes.find((a) => a.name === 'xmlns');
        if (token.name !== 'svg' || (xmlns && xmlns.value !== SVG_NAMESPACE)) throw new NotSvg();
        root = token.attributes;
      }
      if (skipping > 0) {
        if (!token.selfClosing) {
          open.push(token.name);
          skipping++;
        }
        continue;
      }
      if (style) refuse('markup inside <style>');
      const element = localName(token.name);
      if (REMOVED_ELEMENTS.has(element) || animatesSomethingDangerous(element, token.attributes)) {
        removed.push(`<${token.name}>`);
        if (!token.selfClosing) {
          open.push(token.name);
          skipping = 1;
        }
        continue;
      }
      const attributes = token.attributes.filter((attribute) => {
        const reason = dangerousAttribute(element, attribute, isRoot);
        if (reason) removed.push(`${token.name}@${attribute.name} (${reason})`);
        else if (localName(attribute.name) === 'href' && RASTER_DATA_URL.test(compact(attribute.value))) {
          embeddedImages.push(Buffer.from(attribute.value.replace(/\s+/g, '').split(',')[1]!, 'base64'));
        }
        return !reason;
      });
      if (isRoot && !attributes.some((a) => a.name === 'xmlns')) attributes.unshift({ name: 'xmlns', value: SVG_NAMESPACE });
      const tag = `<${token.name}${attributes.map((a) => ` ${a.name}="${escapeAttribute(a.value)}"`).join('')}${token.selfClosing ? '/>' : '>'}`;
      if (element === 'style' && !token.selfClosing) style = { startTag: tag, css: '' };
      else out.push(tag);
      if (!token.selfClosing) open.push(token.name);
      else if (isRoot) rootClosed = true;
    } else {
      if (open.at(-1) !== token.name) refuse(`</${token.name}> does not close the open element`);
      open.pop();
      if (open.length === 0) rootClosed = true;
      if (skipping > 0) {
        skipping--;
      } else if (style) {
        if (cssIsDangerous(style.css)) removed.push('<style> (external reference or script in CSS)');
        else out.push(style.startTag, escapeText(style.css), `</${token.name}>`);
        style = null;
      } else {
        out.push(`</${token.name}>`);
      }
    }
  }
  if (!root) throw new NotSvg();
  if (!rootClosed) refuse('unclosed elements');
  return { kind: 'svg', svg: out.join(''), removed, size: svgSize(root), embeddedImages };
}

function animatesSomethingDangerous(element: string, attributes: Attribute[]): boolean {
  if (!ANIMATION_ELEMENTS.has(element)) return false;
  const target = localName(attributes.find((a) => localName(a.name) === 'attributename')?.value.trim() ?? '');
  return target === 'href' || target === 'base' || target.startsWith('on') || URL_ATTRIBUTES.has(target);
}

/** Why an attribute must go, or null to keep it. */
function dangerousAttribute(element: string, { name, value }: Attribute, isRoot: boolean): string | null {
  const local = localName(name);
  if (name === 'xmlns') return isRoot || value === SVG_NAMESPACE ? null : 'switches namespace';
  if (name.startsWith('xmlns:')) return null;
  if (local.startsWith('on')) return 'event handler';
  if (name === 'xml:base') return 'changes the base URL';
  if (URL_ATTRIBUTES.has(local)) return 'loads a URL';
  if (local === 'href') return hrefIsAllowed(element, value) ? null : 'script, data or external reference';
  if (local === 'style') return cssIsDangerous(value) ? 'external reference or script in CSS' : null;
  return valueIsDangerous(value) ? 'external reference or script' : null;
}

const compact = (value: string): string => value.replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();

function hrefIsAllowed(element: string, value: string): boolean {
  const url = compact(value);
  if (url.startsWith('#')) return true;
  // A link navigates only when clicked in a directly opened SVG; it loads nothing by itself.
  if (element === 'a') return /^(?:https?:\/\/|mailto:)/.test(url);
  if (element === 'image' || element === 'feimage') return RASTER_DATA_URL.test(url);
  return false;
}

function valueIsDangerous(value: string): boolean {
  if (!value.includes(':') && !value.includes('(')) return false; // path data, numbers, colours
  const v = compact(value);
  // Presentation attributes (fill, filter, mask, cursor…) take url(); only same-document ones stay.
  return /(?:java|vb|live)script:/.test(v) || /url\((?!['"]?#)/.test(v);
}

function cssIsDangerous(css: string): boolean {
  const v = compact(css);
  // Escapes can spell anything (`\75 rl(`), so any backslash refuses the whole block.
  return (
    v.includes('\\') ||
    /@import|@font-face|expression\(|behavior|-moz-binding|image-set\(|(?<![a-z-])image\(|cross-fade\(|element\(|src\(/.test(v) ||
    valueIsDangerous(v)
  );
}

// Text already in the canonical form (no `>`, no escapes but &amp;, &lt; and &gt;) is kept as
// written: decoding and re-escaping megabytes of entities costs seconds.
const NON_CANONICAL_TEXT = />|&(?!amp;|lt;|gt;)/;
function canonicalText(token: { raw: string; cdata: boolean }): string {
  if (!token.cdata && !NON_CANONICAL_TEXT.test(token.raw)) return token.raw;
  return escapeText(token.cdata ? token.raw : decodeReferences(token.raw));
}

// Re-escaping `>` keeps `]]>` and HTML-parser tricks out of text; `"` is the only quote we emit.
const escapeText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (value: string): string =>
  escapeText(value).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');

const NAME = /[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?/y;
const WHITESPACE = /[ \t\r\n]*/y;
// XML 1.0 forbids these characters anywhere, even as character references.
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function tokenizeXml(source: string): Token[] {
  if (FORBIDDEN_CHARACTERS.test(source)) refuse('control characters');
  const tokens: Token[] = [];
  let at = 0;
  const readName = (): string => {
    NAME.lastIndex = at;
    const match = NAME.exec(source);
    if (!match) refuse(`a malformed name at offset ${at}`);
    at = NAME.lastIndex;
    return match[0];
  };
  const skipWhitespace = (): boolean => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(source);
    const skipped = WHITESPACE.lastIndex > at;
    at = WHITESPACE.lastIndex;
    return skipped;
  };
  const until = (terminator: string, what: string): string => {
    const end = source.indexOf(terminator, at);
    if (end < 0) refuse(`an unterminated ${what}`);
    const body = source.slice(at, end);
    at = end + terminator.length;
    return body;
  };

  while (at < source.length) {
    if (source[at] !== '<') {
      const end = source.indexOf('<', at);
      const raw = source.slice(at, end < 0 ? source.length : end);
      at = end < 0 ? source.length : end;
      if (raw.includes(']]>')) refuse('a stray ]]>');
      if (raw.includes('&') && BAD_AMPERSAND.test(raw)) refuse('an undeclared entity or a bare &');
      tokens.push({ kind: 'text', raw, cdata: false });
    } else if (source.startsWith('<!--', at)) {
      at += 4;
      const body = until('-->', 'comment');
      if (body.includes('--') || body.endsWith('-')) refuse('a malformed comment');
      tokens.push({ kind: 'comment' });
    } else if (source.startsWith('<![CDATA[', at)) {
      at += 9;
      tokens.push({ kind: 'text', raw: until(']]>', 'CDATA section'), cdata: true });
    } else if (source.startsWith('<!DOCTYPE', at)) {
      at += 9;
      const body = until('>', 'DOCTYPE');
      // An internal subset can declare entities (billion laughs, external files) or default
      // attributes (an onload on every element); neither is worth supporting.
      if (body.includes('[')) refuse(/<!ENTITY/i.test(source) ? 'a DOCTYPE declaring entities' : 'a DOCTYPE with an internal subset');
      tokens.push({ kind: 'doctype' });
    } else if (source.startsWith('<!', at)) {
      refuse(/^<!ENTITY/i.test(source.slice(at)) ? 'an entity declaration' : 'a markup declaration');
    } else if (source.startsWith('<?', at)) {
      at += 2;
      const target = readName();
      const body = until('?>', 'processing instruction');
      tokens.push({ kind: 'pi', target, body });
    } else if (source.startsWith('</', at)) {
      at += 2;
      const name = readName();
      skipWhitespace();
      if (source[at] !== '>') refuse(`a malformed end tag </${name}`);
      at++;
      tokens.push({ kind: 'end', name });
    } else {
      at++;
      const name = readName();
      const attributes: Attribute[] = [];
      const seen = new Set<string>();
      let selfClosing = false;
      for (;;) {
        const spaced = skipWhitespace();
        if (source.startsWith('/>', at)) {
          selfClosing = true;
          at += 2;
          break;
        }
        if (source[at] === '>') {
          at++;
          break;
        }
        if (!spaced) refuse(`a malformed <${name}> tag`);
        const attributeName = readName();
        skipWhitespace();
        if (source[at] !== '=') refuse(`attribute ${attributeName} without a value`);
        at++;
        skipWhitespace();
        const quote = source[at];
        if (quote !== '"' && quote !== "'") refuse(`an unquoted value for ${attributeName}`);
        at++;
        const raw = until(quote, 'attribute value');
        if (raw.includes('<')) refuse(`a < inside ${attributeName}`);
        if (seen.has(attributeName)) refuse(`a repeated ${attributeName} attribute`);
        seen.add(attributeName);
        // XML attribute-value normalisation: literal whitespace becomes a space, references do not.
        attributes.push({ name: attributeName, value: decodeReferences(raw.replace(/[\t\n\r]/g, ' ')) });
      }
      tokens.push({ kind: 'start', name, attributes, selfClosing });
    }
  }
  return tokens;
}

const BAD_AMPERSAND = /&(?!(?:#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);)/;
const CHARACTER_REFERENCE = /&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}));/g;

/** Only the predefined entities and character references exist without a DTD; anything else refuses. */
function decodeReferences(raw: string): string {
  if (!raw.includes('&')) return raw;
  if (BAD_AMPERSAND.test(raw)) refuse('an undeclared entity or a bare &');
  // Literal replacements run natively (a callback per match is ~10× slower on entity-heavy text);
  // &amp; goes last so that `&amp;lt;` stays `&lt;`.
  const decoded = raw.includes('&#')
    ? raw.replace(CHARACTER_REFERENCE, (_, hex: string | undefined, decimal: string | undefined) => {
        const code = hex ? parseInt(hex, 16) : parseInt(decimal!, 10);
        const allowed = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
        if (!allowed) refuse('a reference to a forbidden character');
        // An escaped ampersand must survive the &amp; pass below.
        return code === 0x26 ? '&amp;' : String.fromCodePoint(code);
      })
    : raw;
  return decoded.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

// CSS pixels per unit (96 px to the inch), as browsers size an SVG without a surrounding layout.
const UNIT_PX: Record<string, number> = { '': 1, px: 1, pt: 96 / 72, pc: 16, mm: 96 / 25.4, cm: 96 / 2.54, in: 96 };

function parseLength(value: string | undefined): number | null {
  const match = /^\s*(\d*\.?\d+(?:e[+-]?\d+)?)\s*(px|pt|pc|mm|cm|in)?\s*$/i.exec(value ?? '');
  if (!match) return null; // percentages and font-relative units have no intrinsic size
  const px = Number(match[1]) * UNIT_PX[(match[2] ?? '').toLowerCase()]!;
  return Number.isFinite(px) && px > 0 ? px : null;
}

function svgSize(root: Attribute[]): { width: number; height: number } | null {
  const attribute = (name: string) => root.find((a) => a.name === name)?.value;
  let width = parseLength(attribute('width'));
  let height = parseLength(attribute('height'));
  const box = (attribute('viewBox') ?? '').trim().split(/[\s,]+/).map(Number);
  const [, , boxWidth, boxHeight] = box;
  const hasBox = box.length === 4 && box.every(Number.isFinite) && boxWidth! > 0 && boxHeight! > 0;
  if (hasBox) {
    if (width === null && height === null) [width, height] = [boxWidth!, boxHeight!];
    else if (height === null) height = (width! * boxHeight!) / boxWidth!;
    else if (width === null) width = (height * boxWidth!) / boxHeight!;
  }
  if (width === null || height === null) return null;
  return { width: Math.max(1, Math.round(width)), height: Math.max(1, Math.round(height)) };
}
