import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { inspectUpload, sanitizeSvg, type UploadInspection } from './image-validation.js';

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#3366cc' } });
// Noise keeps the pixel data far larger than the header, so a cut lands in the data.
const noisy = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });

/** A real 40×20 PNG whose IHDR is rewritten to claim another size, CRC fixed so decoders read it. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solid(40, 20).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29); // IHDR's CRC covers its type and data
  return png;
}

function accepted(result: UploadInspection) {
  if (!result.ok) throw new Error(`expected acceptance, got ${result.code}: ${result.message}`);
  return result;
}

function svgOf(result: UploadInspection): string {
  return accepted(result).bytes.toString('utf8');
}

const svgUpload = (svg: string, declaredType: string | null = 'image/svg+xml') => inspectUpload({ bytes: Buffer.from(svg), declaredType, filename: 'drawing.svg' });

describe('inspectUpload: raster formats', () => {
  test.each([
    ['png', () => solid(120, 80).png().toBuffer(), 'image/png', 'png', 'a.png'],
    ['jpeg', () => solid(120, 80).jpeg().toBuffer(), 'image/jpeg', 'jpg', 'a.jpg'],
    ['gif', () => solid(120, 80).gif().toBuffer(), 'image/gif', 'gif', 'a.gif'],
    ['webp', () => solid(120, 80).webp().toBuffer(), 'image/webp', 'webp', 'a.webp'],
  ])('accepts %s with its size, type and extension', async (format, make, mimeType, extension, filename) => {
    const bytes = await make();
    const result = accepted(await inspectUpload({ bytes, declaredType: mimeType, filename }));
    expect(result).toMatchObject({ format, mimeType, extension, width: 120, height: 80 });
    expect(result.bytes).toBe(bytes);
  });

  test.each([
    ['progressive JPEG', () => noisy(300, 200).jpeg({ progressive: true }).toBuffer(), 'jpeg'],
    ['interlaced PNG', () => noisy(300, 200).png({ progressive: true }).toBuffer(), 'png'],
    ['animated GIF', () => sharp(Buffer.alloc(30 * 60 * 3, 90), { raw: { width: 30, height: 60, channels: 3, pageHeight: 20 } }).gif().toBuffer(), 'gif'],
    ['lossless WebP with alpha', () => sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } }).webp({ lossless: true }).toBuffer(), 'webp'],
  ])('accepts a %s', async (_, make, format) => {
    expect(accepted(await inspectUpload({ bytes: await make() })).format).toBe(format);
  });

  test.each([
    ['image/jpg', 'photo.JPEG'],
    ['image/pjpeg', 'photo.jpe'],
    ['IMAGE/JPEG; charset=binary', 'photo.jfif'],
    ['application/octet-stream', 'photo.jpg'],
    [null, null],
    [undefined, 'Scan 10.30.15'],
  ])('accepts a JPEG declared as %s named %s', async (declaredType, filename) => {
    const bytes = await solid(30, 20).jpeg().toBuffer();
    expect(accepted(await inspectUpload({ bytes, declaredType, filename })).format).toBe('jpeg');
  });

  it('reports the size as shown, after EXIF orientation', async () => {
    const bytes = await solid(400, 300).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(accepted(await inspectUpload({ bytes }))).toMatchObject({ width: 300, height: 400 });
  });
});

describe('inspectUpload: refusals', () => {
  it('refuses an empty file', async () => {
    expect(await inspectUpload({ bytes: Buffer.alloc(0), declaredType: 'image/png', filename: 'a.png' })).toMatchObject({ ok: false, code: 'EMPTY_FILE' });
  });

  it('refuses more bytes than the limit, by default 10 MiB', async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024 + 1);
    expect(await inspectUpload({ bytes: huge })).toMatchObject({ ok: false, code: 'IMAGE_TOO_LARGE' });
    const png = await noisy(200, 200).png().toBuffer();
    expect(await inspectUpload({ bytes: png }, { maxBytes: png.length - 1 })).toMatchObject({ ok: false, code: 'IMAGE_TOO_LARGE' });
    expect((await inspectUpload({ bytes: png }, { maxBytes: png.length })).ok).toBe(true);
  });

  it('refuses a small PNG whose header claims 100000×100000 (a decompression bomb)', async () => {
    const png = await pngClaiming(100_000, 100_000);
    expect(png.length).toBeLessThan(200);
    const header = await sharp(png, { limitInputPixels: false }).metadata();
    expect([header.width, header.height]).toEqual([100_000, 100_000]);
    const result = await inspectUpload({ bytes: png, declaredType: 'image/png', filename: 'bomb.png' });
    expect(result).toMatchObject({ ok: false, code: 'IMAGE_TOO_LARGE' });
  });

  it('refuses a complete, tiny PNG that declares far more pixels than it can hold, even within the limits', async () => {
    const png = await pngClaiming(6000, 6000);
    expect((await sharp(png).metadata()).width).toBe(6000);
    expect(await inspectUpload({ bytes: png })).toMatchObject({ ok: false, code: 'IMAGE_TOO_LARGE' });
    // A genuinely flat image of that size compresses ~1000:1 and is accepted.
    const flat = await solid(6000, 6000).png({ compressionLevel: 9 }).toBuffer();
    expect(accepted(await inspectUpload({ bytes: flat }))).toMatchObject({ width: 6000, height: 6000 });
  });

  it('refuses a side over maxDimension and a pixel count over maxPixels', async () => {
    const strip = await solid(10_001, 2).png().toBuffer();
    expect(await inspectUpload({ bytes: strip })).toMatchObject({ ok: false, code: 'IMAGE_TOO_LARGE' });
    const square = await solid(50, 50).png().toBuffer();
    expect(await inspectUpload({ bytes: square }, { maxPixels: 2499 })).toMatchObject({ ok: false, code: 'IMAGE_TOO_LARGE' });
    expect(await inspectUpload({ bytes: square }, { maxDimension: 49 })).toMatchObject({ ok: false, code: 'IMAGE_TOO_LARGE' });
  });

  test.each(['photo.jpg', 'photo.gif', 'photo.html', 'photo.svg', 'archive.png.exe'])('refuses a PNG named %s', async (filename) => {
    const bytes = await solid(20, 20).png().toBuffer();
    expect(await inspectUpload({ bytes, declaredType: 'image/png', filename })).toMatchObject({ ok: false, code: 'INVALID_IMAGE_FORMAT', field: 'filename' });
  });

  test.each(['image/jpeg', 'image/gif', 'image/svg+xml', 'text/html'])('refuses a PNG sent as %s', async (declaredType) => {
    const bytes = await solid(20, 20).png().toBuffer();
    expect(await inspectUpload({ bytes, declaredType, filename: 'a.png' })).toMatchObject({ ok: false, code: 'INVALID_IMAGE_FORMAT', field: 'contentType' });
  });

  test.each([
    ['HTML', '<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>'],
    ['XHTML', '<html xmlns="http://www.w3.org/1999/xhtml"><body><svg/></body></html>'],
    ['plain text', 'just some words'],
    ['JSON', '{"width": 10}'],
    ['binary junk', '\u0000\u0001\u0002\u0003garbage'],
  ])('refuses %s sent as image/png', async (_, text) => {
    expect(await inspectUpload({ bytes: Buffer.from(text), declaredType: 'image/png', filename: 'a.png' })).toMatchObject({ ok: false, code: 'INVALID_IMAGE_FORMAT' });
  });

  test.each([
    ['png', () => noisy(200, 200).png().toBuffer()],
    ['jpeg', () => noisy(200, 200).jpeg().toBuffer()],
    ['gif', () => noisy(200, 200).gif().toBuffer()],
    ['webp', () => noisy(200, 200).webp().toBuffer()],
  ])('refuses a %s cut short after its header as INVALID_IMAGE', async (_, make) => {
    const bytes = await make();
    const truncated = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    expect(await inspectUpload({ bytes: truncated })).toMatchObject({ ok: false, code: 'INVALID_IMAGE' });
  });

  it('accepts the header read of a truncated JPEG but still refuses it', async () => {
    const truncated = (await noisy(200, 200).jpeg().toBuffer()).subarray(0, 2000);
    expect((await sharp(truncated).metadata()).width).toBe(200);
    expect(await inspectUpload({ bytes: truncated, declaredType: 'image/jpeg' })).toMatchObject({ ok: false, code: 'INVALID_IMAGE' });
  });

  it('refuses JPEG magic followed by garbage as INVALID_IMAGE', async () => {
    const corrupt = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('not really a jpeg at all, just text')]);
    expect(await inspectUpload({ bytes: corrupt, declaredType: 'image/jpeg', filename: 'x.jpg' })).toMatchObject({ ok: false, code: 'INVALID_IMAGE' });
  });
});

describe('inspectUpload: SVG', () => {
  const clean = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150"><rect x="10" y="10" width="100" height="50" fill="#c33"/></svg>';

  it('accepts a clean SVG with its size', async () => {
    const result = accepted(await svgUpload(clean));
    expect(result).toMatchObject({ format: 'svg', mimeType: 'image/svg+xml', extension: 'svg', width: 300, height: 150 });
    expect(result.bytes.toString('utf8')).toBe(clean);
  });

  test.each([
    ['a viewBox only', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 480"/>', 640, 480],
    ['a width and a viewBox', '<svg xmlns="http://www.w3.org/2000/svg" width="320" viewBox="0,0,640,480"/>', 320, 240],
    ['percentages and a viewBox', '<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="100%" viewBox="0 0 64 32"/>', 64, 32],
    ['inches', '<svg xmlns="http://www.w3.org/2000/svg" width="2in" height="1in"/>', 192, 96],
  ])('takes the size from %s', async (_, svg, width, height) => {
    expect(accepted(await svgUpload(svg))).toMatchObject({ width, height });
  });

  it('accepts an XML declaration, a plain DOCTYPE and comments, and drops them', async () => {
    const svg = `\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Generator: Illustrator -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg version="1.1" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="10"><!-- a comment --><g><use xlink:href="#r"/></g></svg>`;
    const out = svgOf(await svgUpload(svg));
    expect(out).toBe('<svg version="1.1" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="10"><g><use xlink:href="#r"/></g></svg>');
  });

  it('adds the SVG namespace when the root lacks it', async () => {
    expect(svgOf(await svgUpload('<svg width="10" height="10"></svg>'))).toBe('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>');
  });

  test.each([
    ['<script>', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="1" height="1"/></svg>'],
    ['<script> with CDATA', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script type="text/javascript"><![CDATA[ if (1 < 2) alert(1) ]]></script></svg>'],
    ['an upper-case <SCRIPT>', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><SCRIPT>alert(1)</SCRIPT></svg>'],
    ['a prefixed <h:script>', '<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml" width="10" height="10"><h:script>alert(1)</h:script></svg>'],
    ['onload=', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><rect width="1" height="1" onclick="alert(2)" ONMOUSEOVER="alert(3)"/></svg>'],
    ['a javascript: href', '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><a xlink:href="javascript:alert(1)"><text>click</text></a><a href=" JaVaScRiPt:alert(2)">x</a></svg>'],
    ['an encoded javascript: href', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><a href="&#106;ava&#x09;script:alert(1)">x</a></svg>'],
    ['an external <use href>', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><use href="http://evil.example/sprite.svg#icon"/></svg>'],
    ['an external <image href>', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="https://evil.example/track.png" width="1" height="1"/></svg>'],
    ['an SVG data: image', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="data:image/svg+xml;base64,PHN2Zz4=" width="1" height="1"/></svg>'],
    ['a data:text/html link', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a></svg>'],
    ['<foreignObject>', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="javascript:alert(1)"></iframe></body></foreignObject></svg>'],
    ['<iframe>, <embed> and <object>', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><iframe src="https://evil.example"/><embed src="https://evil.example/x.swf"/><object data="https://evil.example/x"></object></svg>'],
    ['an animation that sets href', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>'],
    ['an external url() in a presentation attribute', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5" fill="url(http://evil.example/p.svg#g)"/></svg>'],
    ['an @import in <style>', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style>@import url(https://evil.example/x.css); rect { fill: red }</style></svg>'],
    ['an escaped url in style=', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5" style="background:\\75rl(https://evil.example/)"/></svg>'],
    ['an xml-stylesheet instruction', '<?xml-stylesheet href="https://evil.example/x.xsl" type="text/xsl"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'],
  ])('removes %s', async (_, svg) => {
    const out = svgOf(await svgUpload(svg));
    expect(out).not.toMatch(/<[\w:]*script|\son\w+=|javascript|evil\.example|foreignObject|<iframe|<embed|<object|<set|svg\+xml|text\/html|@import|\\75|<\?/i);
    // What comes out is a fixed point: sanitising it again changes nothing.
    expect(sanitizeSvg(out)).toMatchObject({ kind: 'svg', svg: out, removed: [] });
  });

  it('keeps same-document references, raster data: images, https links and safe CSS', async () => {
    const png = (await solid(2, 2).png().toBuffer()).toString('base64');
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><linearGradient id="g"/></defs>' +
      '<style>rect &gt; .a { fill: url(#g) }</style><rect width="5" height="5" fill="url(\'#g\')" style="stroke: red"/>' +
      `<image href="data:image/png;base64,${png}" width="1" height="1"/><a href="https://example.com/">link</a></svg>`;
    const out = svgOf(await svgUpload(svg));
    expect(out).toContain('fill="url(\'#g\')"');
    expect(out).toContain('<style>rect &gt; .a { fill: url(#g) }</style>');
    expect(out).toContain(`href="data:image/png;base64,${png}"`);
    expect(out).toContain('<a href="https://example.com/">');
  });

  test.each([
    ['an entity declaration', '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&xxe;</text></svg>'],
    ['a billion-laughs DOCTYPE', '<!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">&b;</svg>'],
    ['an ATTLIST default', '<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'],
    ['an undeclared entity', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&nbsp;</text></svg>'],
    ['a bare ampersand', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>a & b</text></svg>'],
    ['mismatched tags', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g></svg></g>'],
    ['an unclosed root', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g>'],
    ['an unquoted attribute', '<svg xmlns="http://www.w3.org/2000/svg" width=10 height="10"/>'],
    ['a repeated attribute', '<svg xmlns="http://www.w3.org/2000/svg" width="10" width="20" height="10"/>'],
    ['a < in an attribute', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect id="<script>"/></svg>'],
    ['a second root', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/><script>alert(1)</script>'],
    ['markup inside <style>', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style><script>alert(1)</script></style></svg>'],
    ['a non-UTF-8 encoding', '<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'],
    ['a root in another namespace', '<svg xmlns="http://www.w3.org/1999/xhtml" width="10" height="10"/>'],
  ])('refuses %s', async (_, svg) => {
    expect(await svgUpload(svg)).toMatchObject({ ok: false, code: 'INVALID_IMAGE_FORMAT' });
  });

  it('refuses an SVG without a size, and one too large to rasterise', async () => {
    expect(await svgUpload('<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>')).toMatchObject({ ok: false, code: 'INVALID_IMAGE' });
    expect(await svgUpload('<svg xmlns="http://www.w3.org/2000/svg" width="20000" height="100"/>')).toMatchObject({ ok: false, code: 'IMAGE_TOO_LARGE' });
  });

  it('counts embedded raster images against the pixel budget and refuses non-raster ones', async () => {
    const bomb = await pngClaiming(100_000, 100_000);
    const embedding = (data: Buffer, type = 'png') =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image width="10" height="10" href="data:image/${type};base64,${data.toString('base64')}"/></svg>`;
    expect(await svgUpload(embedding(bomb))).toMatchObject({ ok: false, code: 'IMAGE_TOO_LARGE' });
    expect(await svgUpload(embedding(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')))).toMatchObject({ ok: false, code: 'INVALID_IMAGE' });
    const small = await solid(40, 20).png().toBuffer();
    expect((await svgUpload(embedding(small))).ok).toBe(true);
    const many = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">${`<image href="data:image/png;base64,${small.toString('base64')}"/>`.repeat(3)}</svg>`;
    expect(await inspectUpload({ bytes: Buffer.from(many) }, { maxPixels: 40 * 20 * 2 })).toMatchObject({ ok: false, code: 'IMAGE_TOO_LARGE' });
  });

  it('refuses an SVG sent as a PNG or named .png', async () => {
    expect(await inspectUpload({ bytes: Buffer.from(clean), declaredType: 'image/png' })).toMatchObject({ ok: false, code: 'INVALID_IMAGE_FORMAT', field: 'contentType' });
    expect(await inspectUpload({ bytes: Buffer.from(clean), filename: 'x.png' })).toMatchObject({ ok: false, code: 'INVALID_IMAGE_FORMAT', field: 'filename' });
  });
});
