// The image library over GraphQL with Tencent COS as storage: the real COS SDK against a local
// COS-compatible endpoint that checks every request's signature (test/fake-cos.ts). Upload with a
// signed PUT straight to storage, confirm, processing followed over a subscription, signed access,
// a storage outage mid-upload, processing retried after a transient failure, and the federation
// fields (User.images, Deck.libraryImages).
import sharp from 'sharp';
import { CosStorage } from '../lib/storage/cos-storage.js';
import { type ObjectStorage, StorageError } from '../lib/storage/object-storage.js';
import { type FakeCos, startFakeCos } from './fake-cos.js';
import { gql, type Stack, signUp, startStack, wsClient } from './stack.js';

const BUCKET = 'pptist-test-1250000000';
const CREDENTIALS = { secretId: 'AKIDtestmedia0000000000', secretKey: 'test-secret-key-for-media' };

let fake: FakeCos;
let stack: Stack;
let failNextWorkerRead = 0;
/** Holds the worker's next write of a variant this long after it lands (a slow worker between writes). */
let holdNextVariantMs = 0;

beforeAll(async () => {
  fake = await startFakeCos(CREDENTIALS);
  const cos = () => new CosStorage({ bucket: BUCKET, region: 'ap-guangzhou', ...CREDENTIALS, domain: fake.domain, protocol: 'http:' });
  const workerCos = cos();
  // The worker's storage can be told to fail its next reads, as a storage blip would.
  const workerStorage: ObjectStorage = {
    kind: 'cos',
    put: async (key, body, type) => {
      await workerCos.put(key, body, type);
      const hold = /\.(thumb|web)\./.test(key) ? holdNextVariantMs : 0;
      holdNextVariantMs = 0;
      if (hold) await new Promise((r) => setTimeout(r, hold));
    },
    get: (key) => (failNextWorkerRead-- > 0 ? Promise.reject(new StorageError('blip')) : workerCos.get(key)),
    head: (key) => workerCos.head(key),
    delete: (key) => workerCos.delete(key),
    list: (prefix) => workerCos.list(prefix),
    signedGetUrl: (key, ttl) => workerCos.signedGetUrl(key, ttl),
    signedPutUrl: (key, type, ttl) => workerCos.signedPutUrl(key, type, ttl),
  };
  stack = await startStack({ media: { storage: cos(), workerStorage, cleanupEveryMs: 700 } });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await fake?.close();
});

const graphql = () => `${stack.routerUrl}/graphql`;
const png = (width = 640, height = 480) => sharp({ create: { width, height, channels: 3, background: '#3366cc' } }).png().toBuffer();
const objects = () => [...fake.bucket(BUCKET).keys()];

async function requestUpload(token: string, contentType = 'image/png', filename = 'photo.png') {
  const result = await gql(
    graphql(),
    'mutation($f: String!, $t: String!) { requestImageUpload(filename: $f, contentType: $t, description: "a blue photo") { upload { imageId key uploadUrl contentType } error { code } } }',
    { f: filename, t: contentType },
    token,
  );
  return result.data!.requestImageUpload.upload as { imageId: string; key: string; uploadUrl: string; contentType: string };
}

const confirm = (token: string, imageId: string) =>
  gql(graphql(), 'mutation($id: ID!) { confirmImageUpload(imageId: $id) { image { id status width height } error { code } } }', { id: imageId }, token);

async function statuses(token: string, imageId: string): Promise<string[]> {
  const client = wsClient(stack.routerUrl, { authorization: `Bearer ${token}` });
  const seen: string[] = [];
  try {
    for await (const result of client.iterate<{ imageStatus: { status: string } }>({ query: 'subscription($id: ID!) { imageStatus(imageId: $id) { status } }', variables: { id: imageId } })) {
      seen.push(result.data!.imageStatus.status);
    }
  } finally {
    await client.dispose();
  }
  return seen;
}

it('uploads straight to COS with a signed PUT, checks the bytes on confirm, processes the image and serves signed URLs', async () => {
  const user = await signUp(stack.routerUrl);
  const upload = await requestUpload(user.token);
  expect(upload.key).toMatch(new RegExp(`^images/${user.userId}/[0-9a-f-]{36}\\.png$`));
  const bytes = await png();
  const put = await fetch(upload.uploadUrl, { method: 'PUT', headers: { 'content-type': upload.contentType }, body: new Uint8Array(bytes) });
  expect(put.status).toBe(200);

  const confirmed = await confirm(user.token, upload.imageId);
  expect(confirmed.data!.confirmImageUpload).toMatchObject({ image: { status: 'PROCESSING', width: 640, height: 480 }, error: null });
  expect((await statuses(user.token, upload.imageId)).at(-1)).toBe('READY');

  const image = (await gql(graphql(), 'query($id: ID!) { image(id: $id) { status url thumbnailUrl webUrl link storageType } }', { id: upload.imageId }, user.token)).data!.image;
  expect(image.storageType).toBe('cos');
  expect(Buffer.from(await (await fetch(image.url)).arrayBuffer()).equals(bytes)).toBe(true);
  const thumbnail = await sharp(Buffer.from(await (await fetch(image.thumbnailUrl)).arrayBuffer())).metadata();
  expect([thumbnail.format, thumbnail.width, thumbnail.height]).toEqual(['webp', 320, 240]);
  expect(objects().filter((key) => key.startsWith(upload.key.replace(/\.png$/, '')))).toHaveLength(3);
  // Every request COS saw was signed and accepted.
  expect(fake.requests.filter((r) => r.status === 403)).toEqual([]);

  // The signed link in the image's `link` lets anyone see it; without it another user may not.
  const other = await signUp(stack.routerUrl);
  const sig = new URL(image.link, 'http://x').searchParams.get('sig');
  const withoutLink = await gql(graphql(), 'query($k: String!) { imageAccess(key: $k) { url } }', { k: upload.key }, other.token);
  expect(withoutLink.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const withLink = await gql(graphql(), 'query($k: String!, $s: String) { imageAccess(key: $k, signature: $s) { contentType } }', { k: upload.key, s: sig }, other.token);
  expect(withLink.data!.imageAccess.contentType).toBe('image/png');

  // Federation: the owner's images on User, and the library images a deck shows.
  const deck = await gql(
    graphql(),
    'mutation($doc: JSON) { createDeck(input: { title: "Pictures", document: $doc }) { deck { id } } }',
    {
      doc: {
        title: 'Pictures',
        width: 1000,
        height: 562.5,
        theme: { backgroundColor: '#fff', themeColors: ['#000'], fontColor: '#333', fontName: '', outline: { width: 1, color: '#000', style: 'solid' }, shadow: { h: 1, v: 1, blur: 1, color: '#000' } },
        slides: [{ id: 's1', elements: [{ type: 'image', id: 'i1', left: 0, top: 0, width: 100, height: 100, rotate: 0, fixedRatio: true, src: image.link }] }],
      },
    },
    user.token,
  );
  const deckId = deck.data!.createDeck.deck.id;
  const federated = await gql(graphql(), 'query($id: ID!) { deck(id: $id) { libraryImages { id storageKey owner { id } } } me { images { id } } }', { id: deckId }, user.token);
  expect(federated.errors).toBeUndefined();
  expect(federated.data!.deck.libraryImages).toEqual([{ id: upload.imageId, storageKey: upload.key, owner: { id: user.userId } }]);
  expect(federated.data!.me.images).toEqual([{ id: upload.imageId }]);
});

it('refuses bytes that are not what the upload declared, leaving neither row nor object', async () => {
  const user = await signUp(stack.routerUrl);
  const upload = await requestUpload(user.token, 'image/jpeg', 'photo.jpg');
  await fetch(upload.uploadUrl, { method: 'PUT', headers: { 'content-type': upload.contentType }, body: new Uint8Array(await png()) });
  const refused = await confirm(user.token, upload.imageId);
  expect(refused.data!.confirmImageUpload).toMatchObject({ image: null, error: { code: 'INVALID_IMAGE_FORMAT' } });
  expect(objects()).not.toContain(upload.key);
  const mine = await gql(graphql(), '{ myImagePage { total } }', {}, user.token);
  expect(mine.data!.myImagePage.total).toBe(0);
});

it('a storage outage mid-upload: a clean error, and the abandoned upload leaves nothing behind', async () => {
  const user = await signUp(stack.routerUrl);
  const upload = await requestUpload(user.token);
  fake.setDown(true, 'reset');
  try {
    await expect(fetch(upload.uploadUrl, { method: 'PUT', headers: { 'content-type': upload.contentType }, body: new Uint8Array(await png()) })).rejects.toThrow();
    const confirmed = await confirm(user.token, upload.imageId);
    expect(confirmed.errors?.[0]?.extensions?.code).toBe('STORAGE_ERROR');
  } finally {
    fake.setDown(false);
  }
  const deleted = await gql(graphql(), 'mutation($id: ID!) { deleteImages(ids: [$id]) { deleted } }', { id: upload.imageId }, user.token);
  expect(deleted.data!.deleteImages).toEqual([{ deleted: true }]);
  expect(objects()).not.toContain(upload.key);
  expect((await gql(graphql(), 'query($id: ID!) { image(id: $id) { id } }', { id: upload.imageId }, user.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
});

it('retries processing after a transient storage failure and still ends READY', async () => {
  const user = await signUp(stack.routerUrl);
  const upload = await requestUpload(user.token);
  await fetch(upload.uploadUrl, { method: 'PUT', headers: { 'content-type': upload.contentType }, body: new Uint8Array(await png(300, 300)) });
  failNextWorkerRead = 1;
  await confirm(user.token, upload.imageId);
  expect((await statuses(user.token, upload.imageId)).at(-1)).toBe('READY');
  expect(failNextWorkerRead).toBeLessThan(0);
});

it('the cleanup job leaves the variants of an image still being processed', async () => {
  const user = await signUp(stack.routerUrl);
  const upload = await requestUpload(user.token);
  await fetch(upload.uploadUrl, { method: 'PUT', headers: { 'content-type': upload.contentType }, body: new Uint8Array(await png()) });
  // The thumbnail lands, then the worker waits past two cleanup runs (every 700 ms here) before
  // writing the rest and marking the image READY.
  holdNextVariantMs = 1_600;
  expect((await confirm(user.token, upload.imageId)).data!.confirmImageUpload.image.status).toBe('PROCESSING');
  expect((await statuses(user.token, upload.imageId)).at(-1)).toBe('READY');
  const image = (await gql(graphql(), 'query($id: ID!) { image(id: $id) { thumbnailUrl } }', { id: upload.imageId }, user.token)).data!.image;
  const thumbnail = await sharp(Buffer.from(await (await fetch(image.thumbnailUrl)).arrayBuffer())).metadata();
  expect([thumbnail.format, thumbnail.width]).toEqual(['webp', 320]);
  expect(objects().filter((key) => key.startsWith(upload.key.replace(/\.png$/, '')))).toHaveLength(3);
});

it('the cleanup job deletes objects that no image row knows, and keeps the ones that are known', async () => {
  const user = await signUp(stack.routerUrl);
  const orphan = `images/${user.userId}/00000000-0000-4000-8000-00000000dead.png`;
  const upload = await requestUpload(user.token);
  await fetch(upload.uploadUrl, { method: 'PUT', headers: { 'content-type': upload.contentType }, body: new Uint8Array(await png(50, 50)) });
  fake.bucket(BUCKET).set(orphan, { body: Buffer.from('lost'), contentType: 'image/png', etag: '"x"', lastModified: new Date() });
  for (let i = 0; i < 100 && objects().includes(orphan); i++) await new Promise((r) => setTimeout(r, 100));
  expect(objects()).not.toContain(orphan);
  // A pending upload's object is known to its row: the cleanup leaves it for its confirm.
  expect(objects()).toContain(upload.key);
});
