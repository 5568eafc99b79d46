// The COS driver with the real SDK against test/fake-cos.ts, which checks every signature as COS does.
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeCos, type FakeCos, type FakeCosObject } from '../../test/fake-cos.js';
import { CosStorage, type CosStorageOptions } from './cos-storage.js';
import { StorageError } from './object-storage.js';

const BUCKET = 'slides-1250000000';
const ID = 'AKIDfakecostest0001';
const SECRET = 'fake-cos-secret-key-0001';

let fake: FakeCos;
beforeEach(async () => {
  fake = await startFakeCos({ secretId: ID, secretKey: SECRET });
});
afterEach(() => fake.close());

const storageFor = (options: Partial<CosStorageOptions> = {}) =>
  new CosStorage({ bucket: BUCKET, region: 'ap-guangzhou', secretId: ID, secretKey: SECRET, domain: fake.domain, protocol: 'http:', ...options });

async function failureOf(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

const originUrl = (url: string) => {
  const parsed = new URL(url);
  return `${fake.origin}/${BUCKET}${parsed.pathname}${parsed.search}`;
};

describe('CosStorage against a COS-compatible endpoint', () => {
  it('puts, reads, heads, lists and deletes objects with signed requests', async () => {
    const storage = storageFor();
    expect(storage.kind).toBe('cos');
    await storage.put('images/u1/a.png', Buffer.from('png bytes'), 'image/png');
    await storage.put('images/u1/b.webp', Buffer.from('webp!'), 'image/webp');
    await storage.put('images/u2/c.png', Buffer.from('other user'), 'image/png');

    expect(fake.bucket(BUCKET).get('images/u1/a.png')?.contentType).toBe('image/png');
    expect(await storage.head('images/u1/a.png')).toEqual({ contentType: 'image/png', contentLength: 9 });
    const object = await storage.get('images/u1/b.webp');
    expect(object).toMatchObject({ contentType: 'image/webp', contentLength: 5 });
    expect(await text(object!.body)).toBe('webp!');

    const listed: string[] = [];
    for await (const key of storage.list('images/u1/')) listed.push(key);
    expect(listed).toEqual(['images/u1/a.png', 'images/u1/b.webp']);

    await storage.delete('images/u1/a.png');
    await storage.delete('images/u1/a.png');
    expect(await storage.head('images/u1/a.png')).toBeNull();
    expect(await storage.get('images/u1/a.png')).toBeNull();

    // Every request was signed and accepted: SDK calls in the Authorization header, reads as a signed URL.
    const forms = new Set(fake.requests.map((r) => `${r.method} ${r.auth}`));
    expect(forms).toEqual(new Set(['PUT header', 'HEAD header', 'GET query', 'GET header', 'DELETE header']));
    expect(fake.requests.filter((r) => r.errorCode && r.errorCode !== 'NoSuchKey')).toEqual([]);
    // The bucket's host is always signed (COS's guard against replay on another bucket).
    for (const request of fake.requests) {
      const fields = request.auth === 'query' ? request.query : Object.fromEntries(new URLSearchParams(request.headers.authorization));
      expect(fields['q-header-list']?.split(';')).toContain('host');
    }
  });

  it('signs and checks keys and query values that need COS encoding', async () => {
    const storage = storageFor();
    const key = "images/u1/a b!'()*~.png";
    await storage.put(key, Buffer.from('odd'), 'image/png');
    expect(await storage.head(key)).toEqual({ contentType: 'image/png', contentLength: 3 });
    expect(await text((await storage.get(key))!.body)).toBe('odd');
    const listed: string[] = [];
    for await (const found of storage.list("images/u1/a b!'(")) listed.push(found);
    expect(listed).toEqual([key]);
    expect(fake.requests.every((r) => r.status < 300)).toBe(true);
  });

  it('lists page by page with the marker', async () => {
    const objects = fake.bucket(BUCKET);
    const seeded: FakeCosObject = { body: Buffer.from('x'), contentType: 'image/png', etag: '"x"', lastModified: new Date() };
    const keys = Array.from({ length: 2345 }, (_, i) => `images/u1/${String(i).padStart(5, '0')}.png`);
    for (const key of keys) objects.set(key, seeded);
    objects.set('images/u2/elsewhere.png', seeded);

    const listed: string[] = [];
    for await (const key of storageFor().list('images/u1/')) listed.push(key);
    expect(listed).toEqual(keys);
    const pages = fake.requests.filter((r) => r.method === 'GET' && r.key === '');
    expect(pages.map((r) => r.query.marker ?? '')).toEqual(['', 'images/u1/00999.png', 'images/u1/01999.png']);
  });

  it('refuses a wrong secret key or an unknown key id without leaking the secret', async () => {
    const wrongSecret = storageFor({ secretKey: 'not-the-secret-key' });
    const error = await failureOf(wrongSecret.put('images/u1/a.png', Buffer.from('x'), 'image/png'));
    expect(error.message).toMatch(/SignatureDoesNotMatch \(403\)/);
    expect(error.message).not.toContain('not-the-secret-key');
    expect(error.cause).toMatchObject({ statusCode: 403, code: 'SignatureDoesNotMatch' });
    expect((await failureOf(wrongSecret.get('images/u1/a.png'))).message).toMatch(/SignatureDoesNotMatch \(403\)/);
    expect(fake.bucket(BUCKET).size).toBe(0);

    const unknownId = storageFor({ secretId: 'AKIDnobody' });
    expect((await failureOf(unknownId.put('images/u1/a.png', Buffer.from('x'), 'image/png'))).message).toMatch(/InvalidAccessKeyId \(403\)/);
    // HEAD answers carry no body, so only the status is known.
    expect((await failureOf(unknownId.head('images/u1/a.png'))).message).toBe('COS headObject images/u1/a.png failed: HTTP (403)');
  });

  it('signs GET URLs that plain fetch can use until they expire', async () => {
    const storage = storageFor();
    await storage.put('images/u1/a.png', Buffer.from('png bytes'), 'image/png');
    const url = await storage.signedGetUrl('images/u1/a.png', 2);
    expect(new URL(url).pathname).toBe(`/${BUCKET}/images/u1/a.png`);
    expect(new URL(url).searchParams.get('q-header-list')).toBe('host');

    const fresh = await fetch(url);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('content-type')).toBe('image/png');
    expect(await fresh.text()).toBe('png bytes');

    const tampered = new URL(url);
    tampered.pathname = `/${BUCKET}/images/u1/b.png`;
    const wrongKey = await fetch(tampered);
    expect(wrongKey.status).toBe(403);
    expect(await wrongKey.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

    // The SDK starts a signature a second early and ends it `Expires` later: gone within 2.5 s.
    await sleep(3000);
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired/);
  });

  it('signs PUT URLs bound to the content type', async () => {
    const storage = storageFor();
    const url = await storage.signedPutUrl('images/u1/up.png', 'image/png', 60);
    expect(new URL(url).searchParams.get('q-header-list')).toBe('content-type;host');

    const wrongType = await fetch(url, { method: 'PUT', body: 'bytes', headers: { 'content-type': 'text/html' } });
    expect(wrongType.status).toBe(403);
    expect(await wrongType.text()).toContain('SignatureDoesNotMatch');
    const asGet = await fetch(url);
    expect(asGet.status).toBe(403);

    const uploaded = await fetch(url, { method: 'PUT', body: Buffer.from('uploaded png'), headers: { 'content-type': 'image/png' } });
    expect(uploaded.status).toBe(200);
    expect(await storage.head('images/u1/up.png')).toEqual({ contentType: 'image/png', contentLength: 12 });
    expect(await text((await storage.get('images/u1/up.png'))!.body)).toBe('uploaded png');
  });

  it('signs download URLs for a CDN domain without binding them to the bucket host', async () => {
    const storage = storageFor({ cdnDomain: 'img.cdn.example.test' });
    await storage.put('images/u1/a.png', Buffer.from('png bytes'), 'image/png');
    const url = new URL(await storage.signedGetUrl('images/u1/a.png', 60));
    expect(url.host).toBe('img.cdn.example.test');
    expect(url.pathname).toBe('/images/u1/a.png');
    expect(url.searchParams.get('q-header-list')).toBe('');

    // What the CDN does on a miss: the same path and query, pulled from the bucket's own host.
    const pulled = await fetch(originUrl(url.toString()));
    expect(pulled.status).toBe(200);
    expect(await pulled.text()).toBe('png bytes');
    // Uploads and other requests still go to the bucket.
    expect(new URL(await storage.signedPutUrl('images/u1/b.png', 'image/png', 60)).origin).toBe(fake.origin);
  });

  it('works with temporary credentials and refuses a wrong session token', async () => {
    fake.addCredentials({ secretId: 'AKIDtemporary', secretKey: 'temporary-secret', sessionToken: 'session-token-1' });
    const temporary = storageFor({ secretId: 'AKIDtemporary', secretKey: 'temporary-secret', sessionToken: 'session-token-1' });
    await temporary.put('images/u1/t.png', Buffer.from('temporary'), 'image/png');
    expect(fake.requests.at(-1)?.headers['x-cos-security-token']).toBe('session-token-1');
    expect(await text((await temporary.get('images/u1/t.png'))!.body)).toBe('temporary');
    const signed = new URL(await temporary.signedGetUrl('images/u1/t.png', 60));
    expect(signed.searchParams.get('x-cos-security-token')).toBe('session-token-1');
    expect((await fetch(signed)).status).toBe(200);

    const wrongToken = storageFor({ secretId: 'AKIDtemporary', secretKey: 'temporary-secret', sessionToken: 'stolen-token' });
    expect((await failureOf(wrongToken.put('images/u1/t.png', Buffer.from('x'), 'image/png'))).message).toMatch(/InvalidAccessKeyId \(403\)/);
    expect((await failureOf(wrongToken.get('images/u1/t.png'))).message).toMatch(/InvalidAccessKeyId \(403\)/);
    const noToken = storageFor({ secretId: 'AKIDtemporary', secretKey: 'temporary-secret' });
    expect((await failureOf(noToken.put('images/u1/t.png', Buffer.from('x'), 'image/png'))).message).toMatch(/InvalidAccessKeyId \(403\)/);
    expect(await text((await temporary.get('images/u1/t.png'))!.body)).toBe('temporary');
  });

  it('fetches credentials again before they expire', async () => {
    fake.addCredentials({ secretId: 'AKIDfirst', secretKey: 'first-secret', sessionToken: 'token-1' });
    fake.addCredentials({ secretId: 'AKIDsecond', secretKey: 'second-secret', sessionToken: 'token-2' });
    const issued = [
      // Inside the refresh margin: used once, then replaced.
      { secretId: 'AKIDfirst', secretKey: 'first-secret', sessionToken: 'token-1', expiresAt: new Date(Date.now() + 30_000) },
      { secretId: 'AKIDsecond', secretKey: 'second-secret', sessionToken: 'token-2', expiresAt: new Date(Date.now() + 3_600_000) },
    ];
    let calls = 0;
    const storage = new CosStorage({
      bucket: BUCKET,
      region: 'ap-guangzhou',
      domain: fake.domain,
      protocol: 'http:',
      credentials: async () => issued[Math.min(calls++, issued.length - 1)]!,
    });

    await storage.put('images/u1/1.png', Buffer.from('1'), 'image/png');
    expect(fake.requests.at(-1)?.headers.authorization).toContain('q-ak=AKIDfirst');
    fake.revokeCredentials('AKIDfirst');
    await Promise.all([storage.put('images/u1/2.png', Buffer.from('2'), 'image/png'), storage.head('images/u1/1.png')]);
    await storage.put('images/u1/3.png', Buffer.from('3'), 'image/png');
    expect(fake.requests.at(-1)?.headers.authorization).toContain('q-ak=AKIDsecond');
    expect(calls).toBe(2);

    const failing = new CosStorage({ bucket: BUCKET, region: 'ap-guangzhou', domain: fake.domain, protocol: 'http:', credentials: () => Promise.reject(new Error('sts down')) });
    expect((await failureOf(failing.put('images/u1/4.png', Buffer.from('4'), 'image/png'))).message).toBe('Could not obtain COS credentials');
  });

  it('turns an outage into StorageError, and retries a passing server error', async () => {
    const storage = storageFor();
    fake.failNext(1);
    await storage.put('images/u1/a.png', Buffer.from('after one 503'), 'image/png');
    expect(fake.bucket(BUCKET).has('images/u1/a.png')).toBe(true);

    fake.setDown(true);
    expect((await failureOf(storage.put('images/u1/b.png', Buffer.from('x'), 'image/png'))).message).toMatch(/ServiceUnavailable \(503\)/);
    expect((await failureOf(storage.get('images/u1/a.png'))).message).toMatch(/ServiceUnavailable \(503\)/);
    expect(await failureOf(storage.head('images/u1/a.png'))).toBeInstanceOf(StorageError);

    fake.setDown(true, 'reset');
    const cut = await failureOf(storage.put('images/u1/c.png', Buffer.alloc(256 * 1024, 1), 'image/png'));
    expect(cut.message).toMatch(/^COS putObject images\/u1\/c\.png failed/);
    expect(await failureOf(storage.get('images/u1/a.png'))).toBeInstanceOf(StorageError);
    const listing = (async () => {
      for await (const key of storage.list('images/')) void key;
    })();
    expect(await failureOf(listing)).toBeInstanceOf(StorageError);
    expect(fake.bucket(BUCKET).has('images/u1/b.png') || fake.bucket(BUCKET).has('images/u1/c.png')).toBe(false);

    fake.setDown(false);
    expect(await text((await storage.get('images/u1/a.png'))!.body)).toBe('after one 503');
  });

  it('gives up on an endpoint that does not answer', async () => {
    const storage = storageFor({ timeoutMs: 200 });
    await storage.put('images/u1/a.png', Buffer.from('x'), 'image/png');
    fake.setDown(true, 'hang');
    const started = Date.now();
    await failureOf(storage.put('images/u1/b.png', Buffer.from('x'), 'image/png'));
    await failureOf(storage.get('images/u1/a.png'));
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
