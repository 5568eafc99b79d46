import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { EnvelopeError, type SealedSecret, maskSecret, open, parseKeyRing, rewrap, seal } from './envelope.js';

const material = () => randomBytes(32).toString('base64');
const OLD = material();
const NEW = material();
const oldRing = parseKeyRing(`kek-1:${OLD}`, 'kek-1');
const bothRing = parseKeyRing(`kek-1:${OLD},kek-2:${NEW}`, 'kek-2');
const newOnlyRing = parseKeyRing(`kek-2:${NEW}`, 'kek-2');

const SECRET = 'sk-proj-0123456789abcdefghijklmnopqrstuvwxyz';
const CONTEXT = 'api_key:11111111-1111-1111-1111-111111111111:user:22222222-2222-2222-2222-222222222222';

/** A copy with one byte of one field flipped. */
function flip(sealed: SealedSecret, field: Exclude<keyof SealedSecret, 'kekId'>): SealedSecret {
  const changed = new Uint8Array(sealed[field]);
  changed[0] = changed[0]! ^ 0x01;
  return { ...sealed, [field]: changed };
}

function refusal(run: () => unknown): EnvelopeError['reason'] | 'opened' {
  try {
    run();
    return 'opened';
  } catch (error) {
    if (error instanceof EnvelopeError) return error.reason;
    throw error;
  }
}

describe('seal and open', () => {
  it('round-trips a secret, including non-ASCII text, and stores none of it in clear', () => {
    const sealed = seal(SECRET, oldRing, CONTEXT);
    expect(open(sealed, oldRing, CONTEXT)).toBe(SECRET);
    expect(open(seal('ключ-🔑-secret', oldRing, CONTEXT), oldRing, CONTEXT)).toBe('ключ-🔑-secret');
    expect(sealed.kekId).toBe('kek-1');
    expect([sealed.iv.length, sealed.authTag.length, sealed.wrapIv.length, sealed.wrapTag.length]).toEqual([12, 16, 12, 16]);
    expect(sealed.wrappedKey.length).toBe(32);
    const stored = Buffer.concat(Object.values(sealed).filter((v): v is Uint8Array => v instanceof Uint8Array));
    expect(stored.includes(Buffer.from(SECRET))).toBe(false);
  });

  it('uses a fresh data key and fresh IVs for every record', () => {
    const a = seal(SECRET, oldRing, CONTEXT);
    const b = seal(SECRET, oldRing, CONTEXT);
    for (const field of ['ciphertext', 'iv', 'authTag', 'wrappedKey', 'wrapIv', 'wrapTag'] as const) {
      expect(Buffer.from(a[field]).equals(Buffer.from(b[field]))).toBe(false);
    }
  });

  it.each(['ciphertext', 'iv', 'authTag', 'wrappedKey', 'wrapIv', 'wrapTag'] as const)('refuses a record whose %s was tampered with', (field) => {
    const sealed = seal(SECRET, oldRing, CONTEXT);
    expect(refusal(() => open(flip(sealed, field), oldRing, CONTEXT))).toBe('authentication-failed');
  });

  it('refuses a truncated authentication tag instead of checking fewer bytes', () => {
    const sealed = seal(SECRET, oldRing, CONTEXT);
    expect(refusal(() => open({ ...sealed, authTag: sealed.authTag.slice(0, 4) }, oldRing, CONTEXT))).toBe('authentication-failed');
    expect(refusal(() => open({ ...sealed, wrapTag: sealed.wrapTag.slice(0, 4) }, oldRing, CONTEXT))).toBe('authentication-failed');
  });

  it('refuses a record opened with another context (a blob copied to another user’s row)', () => {
    const sealed = seal(SECRET, oldRing, 'api_key:a:user:alice');
    expect(refusal(() => open(sealed, oldRing, 'api_key:a:user:mallory'))).toBe('authentication-failed');
  });

  it('refuses a record whose KEK is not configured, and one relabelled with another KEK id', () => {
    const sealed = seal(SECRET, oldRing, CONTEXT);
    expect(refusal(() => open(sealed, newOnlyRing, CONTEXT))).toBe('unknown-kek');
    expect(() => open(sealed, newOnlyRing, CONTEXT)).toThrow('key-encryption key "kek-1", which is not configured');
    // Same key bytes under a different id: the id is authenticated, so the relabelled record fails.
    const aliased = parseKeyRing(`kek-1:${OLD},alias:${OLD}`, 'kek-1');
    expect(refusal(() => open({ ...sealed, kekId: 'alias' }, aliased, CONTEXT))).toBe('authentication-failed');
  });

  it('refuses a record opened with a different key under the same id', () => {
    const sealed = seal(SECRET, oldRing, CONTEXT);
    const impostor = parseKeyRing(`kek-1:${material()}`, 'kek-1');
    expect(refusal(() => open(sealed, impostor, CONTEXT))).toBe('authentication-failed');
  });
});

describe('rewrap', () => {
  it('moves the data key to the current KEK without touching the data, so the old KEK can be retired', () => {
    const sealed = seal(SECRET, oldRing, CONTEXT);
    const moved = rewrap(sealed, bothRing);
    expect(moved.kekId).toBe('kek-2');
    expect(moved.ciphertext).toEqual(sealed.ciphertext);
    expect(moved.iv).toEqual(sealed.iv);
    expect(moved.authTag).toEqual(sealed.authTag);
    expect(Buffer.from(moved.wrappedKey).equals(Buffer.from(sealed.wrappedKey))).toBe(false);
    expect(open(moved, newOnlyRing, CONTEXT)).toBe(SECRET);
    expect(refusal(() => open(sealed, newOnlyRing, CONTEXT))).toBe('unknown-kek');
  });

  it('refuses to rewrap a record it cannot unwrap', () => {
    const sealed = seal(SECRET, oldRing, CONTEXT);
    expect(refusal(() => rewrap(sealed, newOnlyRing))).toBe('unknown-kek');
    expect(refusal(() => rewrap(flip(sealed, 'wrappedKey'), bothRing))).toBe('authentication-failed');
  });
});

describe('maskSecret', () => {
  it.each([
    ['sk-proj-0123456789abcdefghijklmnopqrstuvwxyz', 'sk-…wxyz'],
    ['sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-wxyz', 'sk-…wxyz'],
    ['AIzaSyA0123456789abcdefghijklmnopqrstuv', '…stuv'],
    ['sk-0123456789ab', '…89ab'], // too short to show the prefix as well
    ['averyveryverylongvendorname-0123456789abcdef', '…cdef'], // not a short vendor prefix
    ['abcdefgh', '…gh'],
    ['short', '****'],
    ['', '****'],
  ])('%s -> %s', (secret, hint) => {
    expect(maskSecret(secret)).toBe(hint);
  });

  it('never shows more than 4 trailing characters nor most of a short secret', () => {
    for (let length = 0; length <= 64; length++) {
      const secret = `sk-${'x'.repeat(Math.max(0, length - 3))}`.slice(0, length);
      const shown = maskSecret(secret).replace('…', '').replace('****', '');
      expect(shown.length).toBeLessThanOrEqual(Math.floor(secret.length / 2));
      expect(maskSecret(secret).split('…')[1]?.length ?? 0).toBeLessThanOrEqual(4);
    }
  });
});

describe('parseKeyRing', () => {
  it('accepts several keys and picks the current one; a single key is current by default', () => {
    expect(bothRing.currentId).toBe('kek-2');
    expect([...bothRing.keys.keys()]).toEqual(['kek-1', 'kek-2']);
    expect(parseKeyRing(`only:${OLD}`, undefined).currentId).toBe('only');
  });

  it('does not print key material when the ring is logged', () => {
    expect(inspect(bothRing, { depth: 5 })).not.toContain(OLD);
    expect(JSON.stringify(bothRing)).not.toContain(OLD);
    expect(inspect(bothRing, { depth: 5 })).not.toContain(Buffer.from(OLD, 'base64').toString('hex'));
  });

  it.each([
    ['nothing configured', undefined, undefined, 'KEY_ENCRYPTION_KEYS is not configured'],
    ['a blank value', '  ', 'a', 'KEY_ENCRYPTION_KEYS is not configured'],
    ['an entry without an id', `${OLD}`, undefined, 'entry 1 is not id:base64key'],
    ['a 16-byte key', `a:${randomBytes(16).toString('base64')}`, 'a', 'key "a" must be exactly 32 bytes'],
    ['a 33-byte key', `a:${randomBytes(33).toString('base64')}`, 'a', 'key "a" must be exactly 32 bytes'],
    ['non-canonical base64', `a:${OLD.slice(0, 10)}!!${OLD.slice(10)}`, 'a', 'key "a" must be exactly 32 bytes'],
    ['a duplicated id', `a:${OLD},a:${NEW}`, 'a', 'key id "a" appears more than once'],
    ['an unknown current id', `a:${OLD},b:${NEW}`, 'c', 'KEY_ENCRYPTION_KEY_ID "c" is not among KEY_ENCRYPTION_KEYS (a, b)'],
    ['no current id among several keys', `a:${OLD},b:${NEW}`, undefined, 'KEY_ENCRYPTION_KEY_ID must name the key'],
  ])('refuses %s', (_case, keys, currentId, message) => {
    expect(() => parseKeyRing(keys, currentId)).toThrow(message);
  });

  it('lists every problem at once and never echoes key material', () => {
    const short = randomBytes(16).toString('base64');
    let message = '';
    try {
      parseKeyRing(`a:${short},b:${OLD},b:${NEW},junk`, 'z');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('key "a" must be exactly 32 bytes');
    expect(message).toContain('key id "b" appears more than once');
    expect(message).toContain('entry 4 is not id:base64key');
    expect(message).toContain('KEY_ENCRYPTION_KEY_ID "z" is not among');
    for (const secret of [short, OLD, NEW]) expect(message).not.toContain(secret);
  });
});
