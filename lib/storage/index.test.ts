import { ConfigError, parseConfig } from '../config.js';
import { CosStorage } from './cos-storage.js';
import { createObjectStorage, imageKey, isImageKey, variantKey } from './index.js';
import { LocalDiskStorage } from './local-disk-storage.js';

const USER = '3f2b8c4e-1d2a-4b5c-9e8f-0a1b2c3d4e5f';
const env = {
  DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----',
};

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('image keys', () => {
  it('makes a random key per upload in the owner folder', () => {
    const key = imageKey(USER, 'PNG');
    expect(key).toMatch(new RegExp(`^images/${USER}/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.png$`));
    expect(imageKey(USER, 'png')).not.toBe(key);
    expect(imageKey(USER.toUpperCase(), '.jpg')).toMatch(new RegExp(`^images/${USER}/.+\\.jpg$`));
    expect(isImageKey(key)).toBe(true);
  });

  it('refuses owner ids and extensions that are not safe path parts', () => {
    for (const user of ['', '..', 'u1', `${USER}/x`, '../3f2b8c4e-1d2a-4b5c-9e8f-0a1b2c3d4e5f']) {
      expect(() => imageKey(user, 'png')).toThrow(TypeError);
    }
    for (const extension of ['', 'p/ng', '..', 'png\0', 'toolongext', 'pn g']) {
      expect(() => imageKey(USER, extension)).toThrow(TypeError);
    }
  });

  it('puts variants beside their original', () => {
    const key = imageKey(USER, 'png');
    const base = key.slice(0, -'.png'.length);
    expect(variantKey(key, 'thumb', 'webp')).toBe(`${base}.thumb.webp`);
    expect(variantKey(key, 'web', 'JPG')).toBe(`${base}.web.jpg`);
    expect(isImageKey(variantKey(key, 'thumb', 'webp'))).toBe(true);
    expect(() => variantKey(variantKey(key, 'thumb', 'webp'), 'web', 'webp')).toThrow(TypeError);
    expect(() => variantKey('images/u1/a.png', 'thumb', 'webp')).toThrow(TypeError);
    expect(() => variantKey(key, 'thumb', 'we/bp')).toThrow(TypeError);
  });

  it.each([
    '',
    'images/u1/a.png',
    `images/${USER}/not-a-uuid.png`,
    `images/${USER}/3f2b8c4e-1d2a-4b5c-9e8f-0a1b2c3d4e5f`,
    `images/${USER}/3f2b8c4e-1d2a-4b5c-9e8f-0a1b2c3d4e5f.small.png`,
    `images/${USER}/3f2b8c4e-1d2a-4b5c-9e8f-0a1b2c3d4e5f.png/../x.png`,
    `/images/${USER}/3f2b8c4e-1d2a-4b5c-9e8f-0a1b2c3d4e5f.png`,
    `avatars/${USER}/3f2b8c4e-1d2a-4b5c-9e8f-0a1b2c3d4e5f.png`,
    `images/${USER}/3f2b8c4e-1d2a-4b5c-9e8f-0a1b2c3d4e5f.PNG`,
  ])('does not take %j for an image key', (key) => {
    expect(isImageKey(key)).toBe(false);
  });
});

describe('createObjectStorage', () => {
  it('builds the local driver by default', () => {
    const storage = createObjectStorage(parseConfig({ ...env, MEDIA_SIGNING_KEY: 'a-local-signing-key', LOCAL_STORAGE_DIR: 'tmp/storage' }));
    expect(storage).toBeInstanceOf(LocalDiskStorage);
    expect(storage.kind).toBe('local');
  });

  it('signs local URLs for PUBLIC_URL, or the router on this machine', async () => {
    const withUrl = createObjectStorage(parseConfig({ ...env, MEDIA_SIGNING_KEY: 'a-local-signing-key', PUBLIC_URL: 'https://slides.example.test' }));
    expect(await withUrl.signedGetUrl('images/u1/a.png', 60)).toMatch(/^https:\/\/slides\.example\.test\/storage\/images\/u1\/a\.png\?expires=\d+&signature=[0-9a-f]{64}$/);
    const withoutUrl = createObjectStorage(parseConfig({ ...env, MEDIA_SIGNING_KEY: 'a-local-signing-key', PORT: '4100' }));
    expect(await withoutUrl.signedGetUrl('images/u1/a.png', 60)).toMatch(/^http:\/\/127\.0\.0\.1:4100\/storage\/images\/u1\/a\.png\?/);
  });

  it('needs MEDIA_SIGNING_KEY for local storage', () => {
    expect(problemsOf(() => createObjectStorage(parseConfig(env)))).toEqual([
      'MEDIA_SIGNING_KEY: required with STORAGE_DRIVER=local (it signs the storage URLs)',
    ]);
  });

  it('lists every missing COS setting at once', () => {
    expect(problemsOf(() => createObjectStorage(parseConfig({ ...env, STORAGE_DRIVER: 'cos' })))).toEqual([
      'COS_BUCKET: required with STORAGE_DRIVER=cos',
      'COS_REGION: required with STORAGE_DRIVER=cos',
      'COS_SECRET_ID: required with STORAGE_DRIVER=cos',
      'COS_SECRET_KEY: required with STORAGE_DRIVER=cos',
    ]);
    const problems = problemsOf(() =>
      createObjectStorage(parseConfig({ ...env, STORAGE_DRIVER: 'cos', COS_BUCKET: 'slides', COS_REGION: 'ap-guangzhou', COS_SECRET_KEY: 'shh' })),
    );
    expect(problems).toEqual(['COS_SECRET_ID: required with STORAGE_DRIVER=cos', 'COS_BUCKET: must be name-appid, e.g. slides-1250000000']);
    expect(problems.join('\n')).not.toContain('shh');
  });

  it('builds the COS driver from complete settings', async () => {
    const storage = createObjectStorage(
      parseConfig({
        ...env,
        STORAGE_DRIVER: 'cos',
        COS_BUCKET: 'slides-1250000000',
        COS_REGION: 'ap-guangzhou',
        COS_SECRET_ID: 'AKIDexample',
        COS_SECRET_KEY: 'example-secret',
        COS_CDN_DOMAIN: 'img.example.test',
      }),
    );
    expect(storage).toBeInstanceOf(CosStorage);
    expect(storage.kind).toBe('cos');
    // Signing needs no network: the URL is on the CDN host, over https by default.
    expect(new URL(await storage.signedGetUrl('images/u1/a.png', 60)).origin).toBe('https://img.example.test');
    expect(new URL(await storage.signedPutUrl('images/u1/a.png', 'image/png', 60)).origin).toBe(
      'https://slides-1250000000.cos.ap-guangzhou.myqcloud.com',
    );
  });
});
