// The image library over REST (REST-COMPAT.md §1 "Images", "Tags"), img-access, the local storage
// driver's /storage/* route and PPTist's /tools/img_search, as the old client and PPTist use them:
// the whole platform with the compatibility exception on, images made in memory with sharp.
import { readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createPrisma } from '../lib/db.js';
import { LocalDiskStorage } from '../lib/storage/local-disk-storage.js';
import { gql, type Stack, signUp, startStack } from './stack.js';

let stack: Stack;
const prisma = createPrisma();
const STORAGE_DIR = path.resolve(process.env.LOCAL_STORAGE_DIR!);
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const unique = () => `${process.pid}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

beforeAll(async () => {
  stack = await startStack({ legacyAnonymousAccess: true });
});
afterAll(async () => {
  await stack?.close();
  await prisma.$disconnect();
});

type Body = Record<string, any>;
type Upload = { bytes: Buffer; name: string; type: string };

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } });
const png = (width = 64, height = 48) => solid(width, height).png().toBuffer();
const jpeg = (width = 64, height = 48) => solid(width, height).jpeg().toBuffer();
const webp = (width = 64, height = 48) => solid(width, height).webp().toBuffer();

async function api(method: string, route: string, options: { token?: string; body?: unknown; form?: FormData } = {}) {
  const response = await fetch(`${stack.routerUrl}${route}`, {
    method,
    headers: { ...(options.token && { authorization: `Bearer ${options.token}` }), ...(options.body !== undefined && { 'content-type': 'application/json' }) },
    body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  return { status: response.status, body: (await response.json()) as Body, headers: response.headers };
}

function form(field: string, files: Upload[], fields: Record<string, string> = {}): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  for (const file of files) data.append(field, new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  return data;
}

const upload = (file: Upload, token?: string, description?: string) =>
  api('POST', '/api/v1/images/upload', { token, form: form('file', [file], description ? { description } : {}) });

async function uploaded(file: Upload, token?: string, description?: string): Promise<Body> {
  const response = await upload(file, token, description);
  expect([response.status, response.body.error_code]).toEqual([201, undefined]);
  return response.body.data;
}

/** GET /images/{id} until processing has finished. */
async function settled(id: string, token?: string): Promise<Body> {
  for (let i = 0; i < 80; i++) {
    const { body } = await api('GET', `/api/v1/images/${id}`, { token });
    if (body.data?.storage_status === 'ready' || body.data?.storage_status === 'failed') return body.data;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`image ${id} never finished processing`);
}

async function filesOf(userId: string): Promise<string[]> {
  return readdir(path.join(STORAGE_DIR, 'images', userId)).catch(() => []);
}

const rowsOf = (userId: string) => prisma.image.count({ where: { ownerId: userId } });

/** A PNG whose header claims width × height (the pixels are one IDAT of nothing). */
function pngClaiming(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk('IEND', Buffer.alloc(0))]);
}

const followed = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers });
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
};

describe('POST /api/v1/images/upload', () => {
  it.each([
    ['PNG', png, 'photo.png', 'image/png', 'png'],
    ['JPEG', jpeg, 'photo.jpg', 'image/jpeg', 'jpg'],
    ['WebP', webp, 'photo.webp', 'image/webp', 'webp'],
  ])('stores a %s for the anonymous workspace account and processes it', async (_label, make, name, type, extension) => {
    const bytes = await make(64, 48);
    const { status, body } = await upload({ bytes, name, type });
    expect(status).toBe(201);
    expect(body.status).toBe('success');
    const data = body.data;
    expect(data).toMatchObject({ success: true, image_id: expect.stringMatching(new RegExp(`^${UUID}$`)) });
    expect(data.cos_key).toMatch(new RegExp(`^images/${UUID}/${UUID}\\.${extension}$`));
    expect(data.image_url).toBe(`${stack.routerUrl}/api/v1/img-access/${data.cos_key}?sig=${new URL(data.image_url).searchParams.get('sig')}`);

    const image = await settled(data.image_id);
    expect(data.cos_key.startsWith(`images/${image.user_id}/`)).toBe(true);
    expect(image).toMatchObject({
      id: data.image_id,
      original_filename: name,
      url: data.cos_key,
      cos_key: data.cos_key,
      image_url: data.image_url,
      mime_type: type,
      width: 64,
      height: 48,
      file_size: bytes.length,
      source_type: 'uploaded',
      storage_status: 'ready',
      is_public: false,
      tags: [],
    });
    const stem = path.basename(data.cos_key).replace(/\.[a-z]+$/, '');
    const thumbnails = (await filesOf(image.user_id)).filter((file) => file.startsWith(`${stem}.thumb.`) && !file.endsWith('.meta.json'));
    expect(thumbnails).toHaveLength(1);
    const thumbnail = await sharp(path.join(STORAGE_DIR, 'images', image.user_id, thumbnails[0]!)).metadata();
    expect(thumbnail.width).toBeGreaterThan(0);
  });

  it('takes the type from the file name when the browser sends application/octet-stream, and keeps the description', async () => {
    const owner = await signUp(stack.routerUrl);
    const data = await uploaded({ bytes: await png(), name: 'plain.png', type: 'application/octet-stream' }, owner.token, 'a red barn');
    const { body } = await api('GET', `/api/v1/images/${data.image_id}`, { token: owner.token });
    expect(body.data).toMatchObject({ mime_type: 'image/png', description: 'a red barn', user_id: owner.userId });
  });

  describe('refuses bad files with the contract’s codes and leaves nothing behind', () => {
    let owner: Awaited<ReturnType<typeof signUp>>;
    beforeAll(async () => {
      owner = await signUp(stack.routerUrl);
    });

    it.each([
      ['an empty file', async () => ({ bytes: Buffer.alloc(0), name: 'empty.png', type: 'image/png' }), 400, 'INVALID_IMAGE_FORMAT', 'EMPTY_FILE'],
      ['HTML named .png', async () => ({ bytes: Buffer.from('<!doctype html><html><script>alert(1)</script></html>'), name: 'page.png', type: 'image/png' }), 400, 'INVALID_IMAGE_FORMAT', 'INVALID_IMAGE_FORMAT'],
      ['HTML sent as text/html', async () => ({ bytes: Buffer.from('<html></html>'), name: 'page.html', type: 'text/html' }), 400, 'INVALID_IMAGE_FORMAT', 'INVALID_IMAGE_FORMAT'],
      ['a PNG sent as image/jpeg', async () => ({ bytes: await png(), name: 'photo.jpg', type: 'image/jpeg' }), 400, 'INVALID_IMAGE_FORMAT', 'INVALID_IMAGE_FORMAT'],
      ['a PNG claiming 100000×100000', async () => ({ bytes: pngClaiming(100_000, 100_000), name: 'huge.png', type: 'image/png' }), 413, 'IMAGE_TOO_LARGE', 'IMAGE_TOO_LARGE'],
      ['an 11 MiB file', async () => ({ bytes: Buffer.concat([await png(), Buffer.alloc(11 * 1024 * 1024, 7)]), name: 'big.png', type: 'image/png' }), 413, 'IMAGE_TOO_LARGE', 'IMAGE_TOO_LARGE'],
    ])('%s', async (_label, make, status, code, reason) => {
      const response = await upload(await make(), owner.token);
      expect([response.status, response.body.status, response.body.error_code, response.body.error_details?.code]).toEqual([status, 'error', code, reason]);
      expect(response.body.message).toEqual(expect.any(String));
      const list = await api('GET', '/api/v1/images', { token: owner.token });
      expect(list.body.data.total).toBe(0);
      expect(await rowsOf(owner.userId)).toBe(0);
      expect(await filesOf(owner.userId)).toEqual([]);
    });
  });

  it('answers 503 STORAGE_ERROR when storage fails, and leaves no upload behind', async () => {
    const owner = await signUp(stack.routerUrl);
    // A file where the user's folder should be: every write under it fails.
    await mkdir(path.join(STORAGE_DIR, 'images'), { recursive: true });
    const blocker = path.join(STORAGE_DIR, 'images', owner.userId);
    await writeFile(blocker, 'not a folder');
    try {
      const response = await upload({ bytes: await png(), name: 'a.png', type: 'image/png' }, owner.token);
      expect([response.status, response.body.error_code]).toEqual([503, 'STORAGE_ERROR']);
      expect(await rowsOf(owner.userId)).toBe(0);
    } finally {
      await rm(blocker, { force: true });
    }
  });

  it('answers 400 without a file', async () => {
    const owner = await signUp(stack.routerUrl);
    const response = await api('POST', '/api/v1/images/upload', { token: owner.token, form: form('other', [{ bytes: await png(), name: 'a.png', type: 'image/png' }]) });
    expect([response.status, response.body.error_code, response.body.error_details]).toEqual([400, 'INVALID_REQUEST', { field: 'file' }]);
  });
});

describe('POST /api/v1/images/upload/batch', () => {
  it('stores the good files and reports each bad one', async () => {
    const owner = await signUp(stack.routerUrl);
    const files = [
      { bytes: await png(), name: 'good.png', type: 'image/png' },
      { bytes: Buffer.alloc(0), name: 'empty.png', type: 'image/png' },
      { bytes: Buffer.from('<html></html>'), name: 'fake.png', type: 'image/png' },
      { bytes: await jpeg(), name: 'good.jpg', type: 'image/jpeg' },
    ];
    const { status, body } = await api('POST', '/api/v1/images/upload/batch', { token: owner.token, form: form('files', files) });
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ total_files: 4, successful_uploads: 2, failed_uploads: 2 });
    expect(body.data.results).toEqual([
      expect.objectContaining({ filename: 'good.png', success: true, image_id: expect.stringMatching(new RegExp(UUID)) }),
      expect.objectContaining({ filename: 'empty.png', success: false, error: expect.any(String) }),
      expect.objectContaining({ filename: 'fake.png', success: false, error: expect.any(String) }),
      expect.objectContaining({ filename: 'good.jpg', success: true, image_id: expect.stringMatching(new RegExp(UUID)) }),
    ]);
    expect(body.data.results[1].image_id).toBeUndefined();
    expect(await rowsOf(owner.userId)).toBe(2);
  });
});

describe('presigned uploads', () => {
  it('PUT to upload_url, then access_url serves the image (token caller)', async () => {
    const owner = await signUp(stack.routerUrl);
    const { status, body } = await api('POST', '/api/v1/images/upload/presigned', { token: owner.token, body: { filename: 'direct.png', content_type: 'image/png' } });
    expect(status).toBe(200);
    const data = body.data;
    expect(data.upload_url.startsWith(`${stack.routerUrl}/storage/images/${owner.userId}/`)).toBe(true);
    expect(data.cos_key).toMatch(new RegExp(`^images/${owner.userId}/${UUID}\\.png$`));
    expect(data.access_url.startsWith(`${stack.routerUrl}/api/v1/img-access/${data.cos_key}`)).toBe(true);
    expect(data.expires_in).toBeGreaterThan(0);
    const bytes = await png(30, 20);
    const put = await fetch(data.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(bytes) });
    expect(put.status).toBe(200);
    const served = await followed(data.access_url, { authorization: `Bearer ${owner.token}` });
    expect([served.status, served.type]).toEqual([200, 'image/png']);
    expect(served.bytes.equals(bytes)).toBe(true);
    const list = await api('GET', '/api/v1/images', { token: owner.token });
    expect(list.body.data.items.map((item: Body) => item.cos_key)).toEqual([data.cos_key]);
  });

  it('works for the anonymous old client too', async () => {
    const { body } = await api('POST', '/api/v1/images/upload/presigned', { body: { filename: 'anon.webp', content_type: 'image/webp' } });
    const bytes = await webp();
    expect((await fetch(body.data.upload_url, { method: 'PUT', headers: { 'content-type': 'image/webp' }, body: new Uint8Array(bytes) })).status).toBe(200);
    const served = await followed(body.data.access_url);
    expect([served.status, served.type, served.bytes.equals(bytes)]).toEqual([200, 'image/webp', true]);
  });

  it('refuses a PUT with another Content-Type (403) or over the size limit (413)', async () => {
    const owner = await signUp(stack.routerUrl);
    const { body } = await api('POST', '/api/v1/images/upload/presigned', { token: owner.token, body: { filename: 'x.png', content_type: 'image/png' } });
    const wrongType = await fetch(body.data.upload_url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: '<html></html>' });
    expect(wrongType.status).toBe(403);
    const tooBig = await fetch(body.data.upload_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: new Uint8Array(11 * 1024 * 1024) });
    expect(tooBig.status).toBe(413);
    expect(await filesOf(owner.userId)).toEqual([]);
  });

  it('answers 400 for an unsupported type', async () => {
    const owner = await signUp(stack.routerUrl);
    const { status, body } = await api('POST', '/api/v1/images/upload/presigned', { token: owner.token, body: { filename: 'x.exe', content_type: 'application/x-msdownload' } });
    expect([status, body.error_code]).toEqual([400, 'INVALID_IMAGE_FORMAT']);
  });
});

describe('reading images', () => {
  let owner: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let image: Body;
  let bytes: Buffer;

  beforeAll(async () => {
    owner = await signUp(stack.routerUrl);
    other = await signUp(stack.routerUrl);
    bytes = await png(80, 40);
    image = await uploaded({ bytes, name: 'read.png', type: 'image/png' }, owner.token);
    await settled(image.image_id, owner.token);
  });

  it('GET /images/{id}/url gives the stable link', async () => {
    const { status, body } = await api('GET', `/api/v1/images/${image.image_id}/url`, { token: owner.token });
    expect(status).toBe(200);
    expect(body.data).toEqual({ url: image.image_url, image_id: image.image_id, storage_type: 'local' });
  });

  it('GET /images/{id} is 404 IMAGE_NOT_FOUND for a missing image and 403 for someone else’s', async () => {
    const missing = await api('GET', '/api/v1/images/00000000-0000-4000-8000-000000000000', { token: owner.token });
    expect([missing.status, missing.body.error_code]).toEqual([404, 'IMAGE_NOT_FOUND']);
    const foreign = await api('GET', `/api/v1/images/${image.image_id}`, { token: other.token });
    expect([foreign.status, foreign.body.error_code]).toEqual([403, 'PERMISSION_DENIED']);
  });

  it('img-access redirects to a signed storage URL on the router’s own origin', async () => {
    const response = await fetch(`${stack.routerUrl}/api/v1/img-access/${image.cos_key}`, { headers: { authorization: `Bearer ${owner.token}` }, redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = response.headers.get('location')!;
    expect(location.startsWith(`${stack.routerUrl}/storage/${image.cos_key}?expires=`)).toBe(true);
    const served = await followed(location);
    expect([served.status, served.type, served.bytes.equals(bytes)]).toEqual([200, 'image/png', true]);
  });

  it('img-access proxies the bytes with ?mode=proxy', async () => {
    const response = await fetch(`${stack.routerUrl}/api/v1/img-access/${image.cos_key}?mode=proxy`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('another user needs the stable link’s sig', async () => {
    const bare = await fetch(`${stack.routerUrl}/api/v1/img-access/${image.cos_key}`, { headers: { authorization: `Bearer ${other.token}` }, redirect: 'manual' });
    expect(bare.status).toBe(403);
    await bare.body?.cancel();
    const linked = await followed(image.image_url, { authorization: `Bearer ${other.token}` });
    expect([linked.status, linked.bytes.equals(bytes)]).toEqual([200, true]);
    const anonymous = await followed(`${image.image_url}&mode=proxy`);
    expect([anonymous.status, anonymous.type]).toEqual([200, 'image/png']);
  });

  it('unwraps a key that is itself an img-access URL', async () => {
    const sig = new URL(image.image_url).searchParams.get('sig');
    const wrapped = `${stack.routerUrl}/api/v1/img-access/http:/localhost:8000/api/v1/img-access/${image.cos_key}?sig=${sig}&mode=proxy`;
    const served = await followed(wrapped);
    expect([served.status, served.bytes.equals(bytes)]).toEqual([200, true]);
  });

  it('reports status and refreshes', async () => {
    const sig = new URL(image.image_url).searchParams.get('sig');
    const status = await api('GET', `/api/v1/img-access/status/${image.cos_key}?sig=${sig}`);
    expect(status.body.data).toMatchObject({ exists: true, status: 'ready', key: image.cos_key, image_id: image.image_id, content_type: 'image/png' });
    const gone = await api('GET', `/api/v1/img-access/status/images/${owner.userId}/00000000-0000-4000-8000-000000000000.png`, { token: owner.token });
    expect([gone.status, gone.body.data]).toEqual([200, { exists: false, status: 'not_found', key: `images/${owner.userId}/00000000-0000-4000-8000-000000000000.png` }]);
    const refreshed = await api('POST', `/api/v1/img-access/refresh/${image.cos_key}?sig=${sig}`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.data.url.startsWith(`${stack.routerUrl}/storage/`)).toBe(true);
  });

  it('a public image is anyone’s', async () => {
    const publicImage = await uploaded({ bytes: await png(10, 10), name: 'public.png', type: 'image/png' }, owner.token);
    const made = await gql(`${stack.routerUrl}/graphql`, 'mutation($id: ID!) { updateImage(id: $id, isPublic: true) { image { isPublic } error { code } } }', { id: publicImage.image_id }, owner.token);
    expect(made.data?.updateImage.image.isPublic).toBe(true);
    const served = await followed(`${stack.routerUrl}/api/v1/img-access/${publicImage.cos_key}`, { authorization: `Bearer ${other.token}` });
    expect([served.status, served.type]).toEqual([200, 'image/png']);
    const read = await api('GET', `/api/v1/images/${publicImage.image_id}`, { token: other.token });
    expect(read.body.data).toMatchObject({ id: publicImage.image_id, is_public: true });
  });

  it('the storage route refuses tampered and expired signatures', async () => {
    const response = await fetch(`${stack.routerUrl}/api/v1/img-access/${image.cos_key}`, { headers: { authorization: `Bearer ${owner.token}` }, redirect: 'manual' });
    const signed = new URL(response.headers.get('location')!);
    const signature = signed.searchParams.get('signature')!;
    const tampered = new URL(signed);
    tampered.searchParams.set('signature', `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`);
    expect((await followed(tampered.href)).status).toBe(403);
    const otherKey = new URL(signed);
    otherKey.pathname = otherKey.pathname.replace(/\.png$/, '.thumb.webp');
    expect((await followed(otherKey.href)).status).toBe(403);
    const later = new URL(signed);
    later.searchParams.set('expires', String(Number(signed.searchParams.get('expires')) + 3600));
    expect((await followed(later.href)).status).toBe(403);
    // Correctly signed, but already expired.
    const storage = new LocalDiskStorage({ root: STORAGE_DIR, publicUrl: stack.routerUrl, signingKey: process.env.MEDIA_SIGNING_KEY! });
    expect((await followed(await storage.signedGetUrl(image.cos_key, -5))).status).toBe(403);
    expect((await followed(await storage.signedGetUrl(image.cos_key, 60))).status).toBe(200);
  });

  it('passes full URLs through, and never proxies internal addresses', async () => {
    const external = await fetch(`${stack.routerUrl}/api/v1/img-access/https:/example.com/pictures/a.png?w=200&h=100`, { redirect: 'manual' });
    expect([external.status, external.headers.get('location')]).toEqual([302, 'https://example.com/pictures/a.png?w=200&h=100']);
    const port = new URL(stack.routerUrl).port;
    for (const internal of [`http:/127.0.0.1:${port}/health`, `http:/localhost:${port}/health`, 'http:/169.254.169.254/latest/meta-data', `http:/[::1]:${port}/health`]) {
      const proxied = await api('GET', `/api/v1/img-access/${internal}?mode=proxy`);
      expect([internal, proxied.status, proxied.body.error_code]).toEqual([internal, 403, 'PERMISSION_DENIED']);
    }
  });
});

describe('deleting images', () => {
  it('DELETE /images/{id} and /images/batch/delete are idempotent and remove the files', async () => {
    const owner = await signUp(stack.routerUrl);
    const first = await uploaded({ bytes: await png(), name: 'one.png', type: 'image/png' }, owner.token);
    const second = await uploaded({ bytes: await jpeg(), name: 'two.jpg', type: 'image/jpeg' }, owner.token);
    await settled(first.image_id, owner.token);
    await settled(second.image_id, owner.token);
    expect((await filesOf(owner.userId)).length).toBeGreaterThan(2);

    const deleted = await api('DELETE', `/api/v1/images/${first.image_id}`, { token: owner.token });
    expect([deleted.status, deleted.body.data]).toEqual([200, { id: first.image_id, deleted: true }]);
    const again = await api('DELETE', `/api/v1/images/${first.image_id}`, { token: owner.token });
    expect([again.status, again.body.data]).toEqual([200, { id: first.image_id, deleted: false }]);
    const read = await api('GET', `/api/v1/images/${first.image_id}`, { token: owner.token });
    expect([read.status, read.body.error_code]).toEqual([404, 'IMAGE_NOT_FOUND']);

    const batch = await api('DELETE', '/api/v1/images/batch/delete', { token: owner.token, body: [second.image_id, first.image_id] });
    expect([batch.status, batch.body.data]).toEqual([200, { results: [{ id: second.image_id, deleted: true }, { id: first.image_id, deleted: false }] }]);
    const batchAgain = await api('DELETE', '/api/v1/images/batch/delete', { token: owner.token, body: { image_ids: [second.image_id] } });
    expect([batchAgain.status, batchAgain.body.data]).toEqual([200, { results: [{ id: second.image_id, deleted: false }] }]);
    expect(await filesOf(owner.userId)).toEqual([]);
    expect((await api('GET', '/api/v1/images', { token: owner.token })).body.data.total).toBe(0);
  });

  it('another user cannot delete my image, alone or in a batch', async () => {
    const owner = await signUp(stack.routerUrl);
    const other = await signUp(stack.routerUrl);
    const image = await uploaded({ bytes: await png(), name: 'mine.png', type: 'image/png' }, owner.token);
    const theirs = await uploaded({ bytes: await png(), name: 'theirs.png', type: 'image/png' }, other.token);
    const response = await api('DELETE', `/api/v1/images/${image.image_id}`, { token: other.token });
    expect([response.status, response.body.error_code]).toEqual([403, 'PERMISSION_DENIED']);
    const batch = await api('DELETE', '/api/v1/images/batch/delete', { token: other.token, body: [image.image_id, theirs.image_id] });
    expect([batch.status, batch.body.data.results]).toEqual([
      200,
      [
        { id: image.image_id, deleted: false, error: expect.any(String), error_code: 'PERMISSION_DENIED' },
        { id: theirs.image_id, deleted: true },
      ],
    ]);
    expect((await api('GET', `/api/v1/images/${image.image_id}`, { token: owner.token })).status).toBe(200);
  });

  it('answers 400 for a batch without ids', async () => {
    const response = await api('DELETE', '/api/v1/images/batch/delete', { body: { nothing: true } });
    expect([response.status, response.body.error_code]).toEqual([400, 'INVALID_REQUEST']);
  });
});

describe('tags', () => {
  let owner: Awaited<ReturnType<typeof signUp>>;
  let first: Body;
  let second: Body;
  const batchTag = `batch-${unique()}`;

  beforeAll(async () => {
    owner = await signUp(stack.routerUrl);
    first = await uploaded({ bytes: await png(), name: 'first.png', type: 'image/png' }, owner.token);
    second = await uploaded({ bytes: await png(), name: 'second.png', type: 'image/png' }, owner.token);
  });

  it('adds, replaces and removes an image’s tags', async () => {
    const route = `/api/v1/images/${first.image_id}/tags`;
    const added = await api('POST', route, { token: owner.token, body: { tags: ['风景', 'blue'] } });
    expect([added.status, added.body.data]).toEqual([200, { image_id: first.image_id, tags: ['风景', 'blue'], total: 2 }]);
    expect((await api('PUT', route, { token: owner.token, body: { tags: ['sunset'] } })).body.data.tags).toEqual(['sunset']);
    expect((await api('POST', route, { token: owner.token, body: { tags: ['sea'] } })).body.data.tags).toEqual(['sunset', 'sea']);
    expect((await api('DELETE', `${route}/sunset`, { token: owner.token })).body.data).toEqual({ image_id: first.image_id, tags: ['sea'], total: 1 });
    expect((await api('DELETE', route, { token: owner.token, body: { tags: ['sea'] } })).body.data.tags).toEqual([]);
    expect((await api('GET', route, { token: owner.token })).body.data).toEqual({ image_id: first.image_id, tags: [], total: 0 });
    const bad = await api('POST', route, { token: owner.token, body: { tags: ['a,b'] } });
    expect([bad.status, bad.body.error_code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('POST /images/batch-tags reports each image, and the tag library counts them', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const { status, body } = await api('POST', '/api/v1/images/batch-tags', { token: owner.token, body: { image_ids: [first.image_id, second.image_id, missing], tags: [batchTag], operation: 'add' } });
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ success_count: 2, failed_count: 1 });
    expect(body.data.results).toEqual([
      { image_id: first.image_id, success: true, tags: [batchTag] },
      { image_id: second.image_id, success: true, tags: [batchTag] },
      { image_id: missing, success: false },
    ]);
    expect(body.data.errors).toEqual([{ image_id: missing, error: expect.any(String), error_code: 'IMAGE_NOT_FOUND' }]);

    const filtered = await api('GET', `/api/v1/images?tags[]=${batchTag}`, { token: owner.token });
    expect(filtered.body.data.total).toBe(2);
    expect((await api('GET', `/api/v1/images?tags=${batchTag}&tags=nothing-${unique()}`, { token: owner.token })).body.data.total).toBe(0);

    for (const prefix of ['/api/v1/tags', '/api/v1/tag-library']) {
      const library = await api('GET', `${prefix}?query=${batchTag}&page=1&limit=10`, { token: owner.token });
      expect(library.status).toBe(200);
      expect(library.body.data).toMatchObject({ total: 1, page: 1, limit: 10, total_pages: 1 });
      expect(library.body.data.items).toEqual([{ id: expect.any(String), name: batchTag, description: null, usage_count: 2, created_at: expect.any(String), updated_at: expect.any(String) }]);
      const search = await api('GET', `${prefix}/search?query=${batchTag}&limit=5`, { token: owner.token });
      expect(search.body.data).toMatchObject({ total: 1, query: batchTag, limit: 5, tags: [expect.objectContaining({ name: batchTag, usage_count: 2 })] });
      const popular = await api('GET', `${prefix}/popular?limit=3`, { token: owner.token });
      expect(popular.body.data).toMatchObject({ limit: 3, total: popular.body.data.tags.length });
      expect(popular.body.data.tags.length).toBeLessThanOrEqual(3);
    }

    const removed = await api('POST', '/api/v1/images/batch-tags', { token: owner.token, body: { image_ids: [first.image_id], tags: [batchTag], operation: 'remove' } });
    expect(removed.body.data).toMatchObject({ success_count: 1, failed_count: 0, errors: [] });
    const counted = await api('GET', `/api/v1/tags?query=${batchTag}`, { token: owner.token });
    expect(counted.body.data.items[0].usage_count).toBe(1);
  });

  it('creates tags and lets only administrators delete them (CJK names percent-encoded)', async () => {
    const name = `山水-${unique()}`;
    const created = await api('POST', '/api/v1/tag-library', { token: owner.token, body: { name, description: 'landscapes' } });
    expect([created.status, created.body.data.tag]).toEqual([201, expect.objectContaining({ name, description: 'landscapes', usage_count: 0 })]);
    const refused = await api('DELETE', `/api/v1/tags/${encodeURIComponent(name)}`, { token: owner.token });
    expect([refused.status, refused.body.error_code]).toEqual([403, 'PERMISSION_DENIED']);
    // The workspace account is an administrator.
    const deleted = await api('DELETE', `/api/v1/tags/${encodeURIComponent(name)}`);
    expect([deleted.status, deleted.body.data]).toEqual([200, { name, deleted: true }]);
    const again = await api('DELETE', `/api/v1/tag-library/${encodeURIComponent(name)}`);
    expect(again.status).toBe(404);
  });
});

describe('listing and searching', () => {
  it('GET /images pages and sorts, and refuses unknown sorts', async () => {
    const owner = await signUp(stack.routerUrl);
    for (const name of ['b.png', 'a.png', 'c.png']) await uploaded({ bytes: await png(), name, type: 'image/png' }, owner.token);
    const { body } = await api('GET', '/api/v1/images?page=1&limit=2&sort_by=filename&sort_order=asc', { token: owner.token });
    expect(body.data).toMatchObject({ total: 3, page: 1, limit: 2, pages: 2, total_pages: 2 });
    expect(body.data.items.map((item: Body) => item.original_filename)).toEqual(['a.png', 'b.png']);
    expect((await api('GET', '/api/v1/images?source_type=generated', { token: owner.token })).body.data.total).toBe(0);
    const bad = await api('GET', '/api/v1/images?sort_by=colour', { token: owner.token });
    expect([bad.status, bad.body.error_code]).toEqual([400, 'INVALID_REQUEST']);
    expect((await api('GET', '/api/v1/images?limit=101', { token: owner.token })).status).toBe(400);
  });

  it('POST /images/search finds images by a word of their description', async () => {
    const owner = await signUp(stack.routerUrl);
    const word = `lighthouse${unique()}`;
    const image = await uploaded({ bytes: await png(), name: 'coast.png', type: 'image/png' }, owner.token, `a ${word} at dusk`);
    await uploaded({ bytes: await png(), name: 'other.png', type: 'image/png' }, owner.token, 'a meadow');
    const { status, body } = await api('POST', '/api/v1/images/search', { token: owner.token, body: { prompt: word } });
    expect(status).toBe(200);
    expect(body.data.total).toBe(1);
    expect(body.data.results[0]).toEqual({
      id: image.image_id,
      prompt: `a ${word} at dusk`,
      description: `a ${word} at dusk`,
      width: 64,
      height: 48,
      file_size: expect.any(Number),
      mime_type: 'image/png',
      tags: [],
      created_at: expect.any(String),
      updated_at: expect.any(String),
      cos_key: image.cos_key,
      url: image.image_url,
    });
    for (const body of [{ prompt: '' }, { prompt: 'x'.repeat(501) }, { prompt: word, match_threshold: 20 }, { prompt: word, limit: 0 }]) {
      const refused = await api('POST', '/api/v1/images/search', { token: owner.token, body });
      expect([refused.status, refused.body.error_code]).toEqual([400, 'INVALID_REQUEST']);
    }
  });
});

describe('POST /tools/img_search (PPTist)', () => {
  const tools = async (body: unknown, raw?: string) => {
    const response = await fetch(`${stack.routerUrl}/tools/img_search`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://pptist.example' }, body: raw ?? JSON.stringify(body) });
    return { status: response.status, cors: response.headers.get('access-control-allow-origin'), body: (await response.json()) as Body };
  };

  it('answers {data: [{id, width, height, src}], total} with loadable srcs, filtered by orientation', async () => {
    const word = `harbour${unique()}`;
    const wide = await uploaded({ bytes: await png(120, 60), name: 'wide.png', type: 'image/png' }, undefined, `${word} wide`);
    const tall = await uploaded({ bytes: await png(60, 120), name: 'tall.png', type: 'image/png' }, undefined, `${word} tall`);
    const all = await tools({ query: word, per_page: 50, page: 1, orientation: 'all' });
    expect([all.status, all.cors]).toEqual([200, '*']);
    expect(all.body.total).toBe(2);
    expect(all.body.data).toEqual(expect.arrayContaining([{ id: wide.image_id, width: 120, height: 60, src: wide.image_url }, { id: tall.image_id, width: 60, height: 120, src: tall.image_url }]));
    const loaded = await followed(all.body.data[0].src);
    expect([loaded.status, loaded.type]).toEqual([200, 'image/png']);
    const portrait = await tools({ query: word, per_page: 50, page: 1, orientation: 'portrait' });
    expect(portrait.body).toEqual({ data: [{ id: tall.image_id, width: 60, height: 120, src: tall.image_url }], total: 1 });
    const secondPage = await tools({ query: word, per_page: 1, page: 2 });
    expect(secondPage.body.data).toHaveLength(1);
    expect(secondPage.body.total).toBe(2);
    const recent = await tools({ query: '', per_page: 5, page: 1 });
    expect(recent.body.data.length).toBeGreaterThan(0);
    expect(recent.body.total).toBeGreaterThanOrEqual(2);
  });

  it('answers {data: [], total: 0} for what it cannot serve', async () => {
    expect((await tools(undefined, '{"query":')).body).toEqual({ data: [], total: 0 });
    expect((await tools({ query: `nothing${unique()}`, per_page: 50, page: 1 })).body).toEqual({ data: [], total: 0 });
  });
});
