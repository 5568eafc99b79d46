import sharp from 'sharp';
import { ImageProcessingError, processImage, toProcessingError } from './image-processing.js';

const solid = (width: number, height: number, background = '#3366cc') => sharp({ create: { width, height, channels: 3, background } });

// Frames stacked vertically, as libvips holds an animation.
async function animatedGif(width: number, height: number, colours: string[]): Promise<Buffer> {
  const frames = await Promise.all(colours.map((colour) => solid(width, height, colour).raw().toBuffer()));
  return sharp(Buffer.concat(frames), { raw: { width, height: height * colours.length, channels: 3, pageHeight: height } }).gif({ loop: 0 }).toBuffer();
}

// The GPS IFD pointer tag (0x8825), as written little-endian by libexif.
const GPS_POINTER = Buffer.from([0x25, 0x88]);

describe('processImage: raster', () => {
  it('fits the thumbnail in 320×320 and the web variant in 1920×1920, keeping the aspect ratio', async () => {
    const bytes = await solid(4000, 1000).jpeg().toBuffer();
    const result = await processImage(bytes, 'jpeg');
    expect([result.width, result.height]).toEqual([4000, 1000]);
    expect(result.thumbnail).toMatchObject({ mimeType: 'image/webp', extension: 'webp', width: 320, height: 80 });
    expect(result.web).toMatchObject({ mimeType: 'image/webp', extension: 'webp', width: 1920, height: 480 });
    const thumb = await sharp(result.thumbnail.bytes).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 320, 80]);
    const web = await sharp(result.web.bytes).metadata();
    expect([web.format, web.width, web.height]).toEqual(['webp', 1920, 480]);
  });

  it('fits a portrait image by its height', async () => {
    const result = await processImage(await solid(600, 2400).png().toBuffer(), 'png');
    expect(result.thumbnail).toMatchObject({ width: 80, height: 320 });
    expect(result.web).toMatchObject({ width: 480, height: 1920 });
  });

  it('never enlarges a small image', async () => {
    const result = await processImage(await solid(100, 50).webp().toBuffer(), 'webp');
    expect(result.thumbnail).toMatchObject({ width: 100, height: 50 });
    expect(result.web).toMatchObject({ width: 100, height: 50 });
  });

  it('applies EXIF orientation 6: a 400×300 capture comes out 300×400', async () => {
    const bytes = await solid(400, 300).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(6);
    const result = await processImage(bytes, 'jpeg');
    expect([result.width, result.height]).toEqual([300, 400]);
    expect(result.thumbnail).toMatchObject({ width: 240, height: 320 });
    const web = await sharp(result.web.bytes).metadata();
    expect([web.width, web.height, web.orientation]).toEqual([300, 400, undefined]);
  });

  it('strips EXIF (GPS included), XMP and ICC from both variants', async () => {
    const bytes = await solid(640, 480)
      .jpeg()
      .withMetadata({ orientation: 1 })
      .withExif({ IFD0: { Make: 'Acme', Model: 'Phone 9' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
      .toBuffer();
    const original = await sharp(bytes).metadata();
    expect(original.exif?.includes(GPS_POINTER)).toBe(true);
    const result = await processImage(bytes, 'jpeg');
    for (const variant of [result.thumbnail, result.web]) {
      const metadata = await sharp(variant.bytes).metadata();
      expect(metadata.exif).toBeUndefined();
      expect(metadata.xmp).toBeUndefined();
      expect(metadata.icc).toBeUndefined();
      expect(variant.bytes.includes(Buffer.from('Acme'))).toBe(false);
    }
  });

  it('takes the first frame of an animated GIF for the thumbnail and keeps the web variant animated', async () => {
    const gif = await animatedGif(100, 80, ['red', 'green', 'blue', 'yellow']);
    expect((await sharp(gif).metadata()).pages).toBe(4);
    const result = await processImage(gif, 'gif');
    expect([result.width, result.height]).toEqual([100, 80]);
    expect(result.thumbnail).toMatchObject({ width: 100, height: 80 });
    expect((await sharp(result.thumbnail.bytes).metadata()).pages ?? 1).toBe(1);
    const { data: firstPixel } = await sharp(result.thumbnail.bytes).extract({ left: 50, top: 40, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
    expect(firstPixel[0]).toBeGreaterThan(200); // red, the first frame
    expect(firstPixel[1]).toBeLessThan(60);
    expect(result.web).toMatchObject({ mimeType: 'image/webp', width: 100, height: 80 });
    const web = await sharp(result.web.bytes).metadata();
    expect([web.format, web.pages, web.width, web.height]).toEqual(['webp', 4, 100, 80]);
  });

  it('resizes every frame of a large animation', async () => {
    const result = await processImage(await animatedGif(2400, 100, ['red', 'blue']), 'gif');
    expect(result.web).toMatchObject({ width: 1920, height: 80 });
    expect((await sharp(result.web.bytes).metadata()).pages).toBe(2);
    expect(result.thumbnail).toMatchObject({ width: 320, height: 13 });
  });

  it('flattens an animation whose frames together exceed the pixel budget to its first frame', async () => {
    const gif = await animatedGif(100, 80, ['red', 'green', 'blue', 'yellow']);
    const result = await processImage(gif, 'gif', { maxPixels: 100 * 80 * 2 });
    expect(result.web).toMatchObject({ width: 100, height: 80 });
    expect((await sharp(result.web.bytes).metadata()).pages ?? 1).toBe(1);
  });

  it('flattens an animation with a quarter-turn EXIF orientation, which libvips cannot rotate per frame', async () => {
    const frames = await Promise.all(['red', 'blue'].map((colour) => solid(100, 80, colour).raw().toBuffer()));
    const webp = await sharp(Buffer.concat(frames), { raw: { width: 100, height: 160, channels: 3, pageHeight: 80 } }).webp().withMetadata({ orientation: 6 }).toBuffer();
    const result = await processImage(webp, 'webp');
    expect([result.width, result.height]).toEqual([80, 100]);
    expect(result.web).toMatchObject({ width: 80, height: 100 });
    expect((await sharp(result.web.bytes).metadata()).pages ?? 1).toBe(1);
  });
});

describe('processImage: SVG', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="400"><rect width="800" height="400" fill="#c33"/><circle cx="400" cy="200" r="100" fill="#fff"/></svg>';

  it('rasterises the thumbnail and keeps the sanitised SVG as the web variant', async () => {
    const result = await processImage(Buffer.from(svg), 'svg');
    expect([result.width, result.height]).toEqual([800, 400]);
    expect(result.thumbnail).toMatchObject({ mimeType: 'image/webp', extension: 'webp', width: 320, height: 160 });
    const thumb = await sharp(result.thumbnail.bytes).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 320, 160]);
    expect(result.web).toMatchObject({ mimeType: 'image/svg+xml', extension: 'svg', width: 800, height: 400 });
    expect(result.web.bytes.toString('utf8')).toBe(svg);
  });

  it('sanitises again what it is given', async () => {
    const dirty = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="alert(1)"><script>alert(2)</script><rect width="40" height="40"/></svg>';
    const result = await processImage(Buffer.from(dirty), 'svg');
    const web = result.web.bytes.toString('utf8');
    expect(web).not.toMatch(/script|onload|alert/);
    expect(web).toContain('<rect width="40" height="40"/>');
  });

  it('renders a large canvas straight at thumbnail size', async () => {
    const big = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8000 4000"><rect width="8000" height="4000" fill="#393"/></svg>';
    const started = performance.now();
    const result = await processImage(Buffer.from(big), 'svg');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.thumbnail).toMatchObject({ width: 320, height: 160 });
    expect([result.width, result.height]).toEqual([8000, 4000]);
  });

  it('refuses, permanently, an SVG that cannot be made safe', async () => {
    const entity = '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">&x;</svg>';
    await expect(processImage(Buffer.from(entity), 'svg')).rejects.toMatchObject({ name: 'ImageProcessingError', transient: false });
  });
});

describe('processing errors', () => {
  it('fails permanently on corrupt input', async () => {
    const corrupt = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]);
    const failure = await processImage(corrupt, 'jpeg').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ImageProcessingError);
    expect(failure).toMatchObject({ transient: false });
  });

  it('fails permanently on an image over the pixel budget', async () => {
    const bytes = await solid(100, 100).png().toBuffer();
    await expect(processImage(bytes, 'png', { maxPixels: 9999 })).rejects.toMatchObject({ transient: false });
  });

  test.each([
    [new Error('vips_tracked_malloc: out of memory --- size == 1024MB'), true],
    [Object.assign(new Error('spawn failed'), { code: 'EAGAIN' }), true],
    [Object.assign(new Error('open failed'), { code: 'EMFILE' }), true],
    [new RangeError('Array buffer allocation failed'), true],
    [new Error('Input buffer has corrupt header: VipsJpeg: premature end of JPEG image'), false],
    [new Error('Input buffer contains unsupported image format'), false],
    [new Error('Input image exceeds pixel limit'), false],
  ])('classifies %s as transient=%s', (error, transient) => {
    const classified = toProcessingError(error);
    expect(classified).toBeInstanceOf(ImageProcessingError);
    expect(classified.transient).toBe(transient);
    expect(classified.cause).toBe(error);
  });

  it('passes an ImageProcessingError through unchanged', () => {
    const original = new ImageProcessingError('The stored image is missing', false);
    expect(toProcessingError(original)).toBe(original);
  });
});
