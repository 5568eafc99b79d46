import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { isSafeStorageKey, LocalDiskStorage, verifyLocalSignature } from './local-disk-storage.js';
import { StorageError } from './object-storage.js';

const SIGNING_KEY = 'local-signing-key-for-tests';
const PUBLIC_URL = 'https://slides.example.test/';

let root: string;
let storage: LocalDiskStorage;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'local-storage-'));
  storage = new LocalDiskStorage({ root, publicUrl: PUBLIC_URL, signingKey: SIGNING_KEY });
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function all(keys: AsyncIterable<string>): Promise<string[]> {
  const found: string[] = [];
  for await (const key of keys) found.push(key);
  return found;
}

/** The parts of a signed URL the router hands to verifyLocalSignature. */
function parts(url: string) {
  const parsed = new URL(url);
  expect(`${parsed.origin}/storage/`).toBe('https://slides.example.test/storage/');
  return {
    key: parsed.pathname.slice('/storage/'.length),
    expires: parsed.searchParams.get('expires')!,
    signature: parsed.searchParams.get('signature')!,
  };
}

describe('LocalDiskStorage', () => {
  it('stores, reads, heads, overwrites and deletes files under its root', async () => {
    expect(storage.kind).toBe('local');
    await storage.put('images/u1/a.png', Buffer.from('png bytes'), 'image/png');
    expect(await readdir(path.join(root, 'images', 'u1'))).toEqual(['a.png', 'a.png.meta.json']);

    expect(await storage.head('images/u1/a.png')).toEqual({ contentType: 'image/png', contentLength: 9 });
    const object = await storage.get('images/u1/a.png');
    expect(object).toMatchObject({ contentType: 'image/png', contentLength: 9 });
    expect(await text(object!.body)).toBe('png bytes');

    // The type put() was given wins over the extension.
    await storage.put('images/u1/a.png', Buffer.from('now a webp'), 'image/webp');
    expect(await storage.head('images/u1/a.png')).toEqual({ contentType: 'image/webp', contentLength: 10 });
    expect(await text((await storage.get('images/u1/a.png'))!.body)).toBe('now a webp');

    await storage.delete('images/u1/a.png');
    await storage.delete('images/u1/a.png');
    expect(await storage.head('images/u1/a.png')).toBeNull();
    expect(await storage.get('images/u1/a.png')).toBeNull();
    expect(await readdir(path.join(root, 'images', 'u1'))).toEqual([]);
  });

  it('falls back to the extension for files without a sidecar', async () => {
    await mkdir(path.join(root, 'images', 'u1'), { recursive: true });
    await writeFile(path.join(root, 'images', 'u1', 'old.jpg'), 'jpeg');
    await writeFile(path.join(root, 'images', 'u1', 'old.bin'), 'bytes');
    expect(await storage.head('images/u1/old.jpg')).toEqual({ contentType: 'image/jpeg', contentLength: 4 });
    expect(await storage.head('images/u1/old.bin')).toEqual({ contentType: 'application/octet-stream', contentLength: 5 });
    expect(await storage.head('images/u1')).toBeNull();
  });

  it.each([
    '',
    '/etc/passwd',
    '../outside.png',
    'images/../../outside.png',
    'images/u1/..',
    'images\\u1\\a.png',
    'images/u1/a\0.png',
    'images//a.png',
    'images/u1/',
    'images/u1/.hidden',
    'images/u1/a.png.meta.json',
    'images/u1/a b.png',
  ])('refuses the key %j', async (key) => {
    expect(isSafeStorageKey(key)).toBe(false);
    await expect(storage.put(key, Buffer.from('x'), 'image/png')).rejects.toBeInstanceOf(StorageError);
    await expect(storage.get(key)).rejects.toBeInstanceOf(StorageError);
    await expect(storage.head(key)).rejects.toBeInstanceOf(StorageError);
    await expect(storage.delete(key)).rejects.toBeInstanceOf(StorageError);
    await expect(storage.signedGetUrl(key, 60)).rejects.toBeInstanceOf(StorageError);
    expect(await readdir(root)).toEqual([]);
  });

  it('lists keys under a prefix in COS order, without sidecars or temporary files', async () => {
    for (const key of ['images/u1/b.png', 'images/u1/a.png', 'images/u1/a.thumb.webp', 'images/u10/c.png', 'images/u2/d.png']) {
      await storage.put(key, Buffer.from(key), 'image/png');
    }
    await writeFile(path.join(root, 'images', 'u1', '.b.png.1234.tmp'), 'half');
    expect(await all(storage.list('images/u1/'))).toEqual(['images/u1/a.png', 'images/u1/a.thumb.webp', 'images/u1/b.png']);
    expect(await all(storage.list('images/u1'))).toEqual([
      'images/u1/a.png',
      'images/u1/a.thumb.webp',
      'images/u1/b.png',
      'images/u10/c.png',
    ]);
    expect(await all(storage.list('images/u1/a.'))).toEqual(['images/u1/a.png', 'images/u1/a.thumb.webp']);
    expect(await all(storage.list(''))).toHaveLength(5);
    expect(await all(storage.list('images/nobody/'))).toEqual([]);
    await expect(all(storage.list('../'))).rejects.toBeInstanceOf(StorageError);
    await expect(all(storage.list('/images/'))).rejects.toBeInstanceOf(StorageError);
  });

  it('signs GET URLs that verify until they expire', async () => {
    const now = Date.now();
    const url = await storage.signedGetUrl('images/u1/a.png', 60);
    const { key, expires, signature } = parts(url);
    expect(key).toBe('images/u1/a.png');
    expect(Number(expires)).toBe(Math.floor(now / 1000) + 60);
    expect(signature).toMatch(/^[0-9a-f]{64}$/);

    expect(verifyLocalSignature({ method: 'GET', key, expires, signature }, SIGNING_KEY)).toBe(true);
    expect(verifyLocalSignature({ method: 'get', key, expires: Number(expires), signature }, SIGNING_KEY)).toBe(true);
    expect(verifyLocalSignature({ method: 'HEAD', key, expires, signature }, SIGNING_KEY)).toBe(true);
    // The last valid second, then one past it.
    expect(verifyLocalSignature({ method: 'GET', key, expires, signature }, SIGNING_KEY, Number(expires) * 1000 + 999)).toBe(true);
    expect(verifyLocalSignature({ method: 'GET', key, expires, signature }, SIGNING_KEY, (Number(expires) + 1) * 1000)).toBe(false);
  });

  it('rejects tampered signatures, keys, expiry, methods and signing keys', async () => {
    const { key, expires, signature } = parts(await storage.signedGetUrl('images/u1/a.png', 60));
    const flipped = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
    expect(verifyLocalSignature({ method: 'GET', key, expires, signature: flipped }, SIGNING_KEY)).toBe(false);
    expect(verifyLocalSignature({ method: 'GET', key: 'images/u1/b.png', expires, signature }, SIGNING_KEY)).toBe(false);
    expect(verifyLocalSignature({ method: 'GET', key, expires: Number(expires) + 3600, signature }, SIGNING_KEY)).toBe(false);
    expect(verifyLocalSignature({ method: 'PUT', key, expires, signature, contentType: 'image/png' }, SIGNING_KEY)).toBe(false);
    expect(verifyLocalSignature({ method: 'DELETE', key, expires, signature }, SIGNING_KEY)).toBe(false);
    expect(verifyLocalSignature({ method: 'GET', key, expires, signature }, 'another-signing-key')).toBe(false);
    for (const malformed of ['', signature.slice(2), signature.toUpperCase(), `${signature}00`, 'z'.repeat(64)]) {
      expect(verifyLocalSignature({ method: 'GET', key, expires, signature: malformed }, SIGNING_KEY)).toBe(false);
    }
    for (const badExpiry of ['', '-1', '1e12', `${expires}.5`, ' 1']) {
      expect(verifyLocalSignature({ method: 'GET', key, expires: badExpiry, signature }, SIGNING_KEY)).toBe(false);
    }
    expect(verifyLocalSignature({ method: 'GET', key: '../images/u1/a.png', expires, signature }, SIGNING_KEY)).toBe(false);
  });

  it('signs PUT URLs bound to the content type', async () => {
    const { key, expires, signature } = parts(await storage.signedPutUrl('images/u1/up.png', 'image/png', 300));
    const check = (contentType: string | undefined, method = 'PUT') => verifyLocalSignature({ method, key, expires, signature, contentType }, SIGNING_KEY);
    expect(check('image/png')).toBe(true);
    expect(check('image/jpeg')).toBe(false);
    expect(check('image/png; charset=utf-8')).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(check(undefined, 'GET')).toBe(false);
    expect(verifyLocalSignature({ method: 'PUT', key, expires, signature, contentType: 'image/png' }, SIGNING_KEY, (Number(expires) + 1) * 1000)).toBe(false);
    await expect(storage.signedPutUrl('images/u1/up.png', '', 300)).rejects.toBeInstanceOf(StorageError);
  });

  it('leaves no temporary file behind when a write fails', async () => {
    await mkdir(path.join(root, 'images', 'u1', 'taken.png'), { recursive: true });
    await expect(storage.put('images/u1/taken.png', Buffer.from('x'), 'image/png')).rejects.toBeInstanceOf(StorageError);
    expect((await readdir(path.join(root, 'images', 'u1'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
