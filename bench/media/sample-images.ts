// The two images the media benchmark uploads, made in memory (nothing is read from disk, the same
// bytes on every run): a camera-sized JPEG whose content compresses like a photo, and the kind of
// small PNG a slide gets from a chart or a screenshot. Loads no project module but the seeded PRNG.
import sharp from 'sharp';
import { seededRandom } from '../../test/seeded-random.js';

export interface SampleImage {
  /** As the table's column header shows it. */
  label: string;
  format: 'jpeg' | 'png';
  mimeType: string;
  filename: string;
  width: number;
  height: number;
  bytes: Buffer;
}

// Random colour cells 25 px apart, smoothed by a cubic upscale, plus a little per-pixel grain: the
// mix of soft areas and fine detail that makes a 1600×1200 photo about 200 KB at quality 80.
// Pure per-pixel noise would be 1.5 MB and compress like no photo does.
const CELL_PX = 25;
const GRAIN = 2;
const JPEG_QUALITY = 80;

async function photoJpeg(width: number, height: number): Promise<Buffer> {
  const random = seededRandom(20240601);
  const cells = { width: Math.ceil(width / CELL_PX), height: Math.ceil(height / CELL_PX), channels: 3 as const };
  const coarse = Buffer.alloc(cells.width * cells.height * cells.channels);
  for (let i = 0; i < coarse.length; i++) coarse[i] = Math.floor(random() * 256);
  const pixels = await sharp(coarse, { raw: cells }).resize(width, height, { kernel: 'cubic', fit: 'fill' }).raw().toBuffer();
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, pixels[i]! + Math.round((random() - 0.5) * 2 * GRAIN)));
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: JPEG_QUALITY }).toBuffer();
}

/** A bar chart: flat fills, a gradient and anti-aliased edges, as slides' PNGs mostly are. */
function chartPng(width: number, height: number): Promise<Buffer> {
  const bars = [0.35, 0.6, 0.45, 0.8, 0.7]
    .map((share, i) => `<rect x="${50 + i * 65}" y="${260 - share * 220}" width="45" height="${share * 220}" rx="4" fill="hsl(${200 + i * 25},60%,50%)"/>`)
    .join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 400 300">` +
    '<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f7f9fc"/><stop offset="1" stop-color="#e3e9f2"/></linearGradient></defs>' +
    '<rect width="400" height="300" fill="url(#g)"/><line x1="40" y1="260" x2="380" y2="260" stroke="#445" stroke-width="2"/>' +
    `${bars}<circle cx="340" cy="60" r="28" fill="#f5a623" fill-opacity="0.8"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export async function sampleImages(): Promise<SampleImage[]> {
  const [photo, chart] = await Promise.all([photoJpeg(1600, 1200), chartPng(400, 300)]);
  const kb = (bytes: Buffer) => `${Math.round(bytes.length / 1024)} KB`;
  return [
    { label: `JPEG 1600×1200 photo, ${kb(photo)}`, format: 'jpeg', mimeType: 'image/jpeg', filename: 'photo.jpg', width: 1600, height: 1200, bytes: photo },
    { label: `PNG 400×300 chart, ${kb(chart)}`, format: 'png', mimeType: 'image/png', filename: 'chart.png', width: 400, height: 300, bytes: chart },
  ];
}
