import { createHmac } from 'node:crypto';
import { SignJWT, exportPKCS8, generateKeyPair, importPKCS8 } from 'jose';
import { bearerToken, InvalidTokenError, signAccessToken, verifyAccessToken } from './tokens.js';

const viewer = { userId: '6f1c1c3e-0000-4000-8000-000000000001', role: 'USER' as const, sessionId: 's-1' };

async function forge(claims: Record<string, unknown>, options: { audience?: string; issuer?: string; expiresAt?: number; notBefore?: number; privateKey?: string; kid?: string } = {}) {
  const key = await importPKCS8(options.privateKey ?? process.env.JWT_PRIVATE_KEY!, 'EdDSA');
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', ...(options.kid && { kid: options.kid }) })
    .setSubject(viewer.userId)
    .setIssuer(options.issuer ?? 'ai-pptist')
    .setAudience(options.audience ?? 'ai-pptist-api')
    .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 60);
  if (options.notBefore) jwt.setNotBefore(options.notBefore);
  return jwt.sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The classic key-confusion attack: HS256 "signed" with the public key as the HMAC secret. */
function hs256WithPublicKey(): string {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: viewer.userId, role: 'ADMIN', sid: 's', iss: 'ai-pptist', aud: 'ai-pptist-api', exp: now + 60 })}`;
  const signature = createHmac('sha256', process.env.JWT_PUBLIC_KEY!).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

async function tamperedRole(): Promise<string> {
  const [header, payload, signature] = (await signAccessToken(viewer)).token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  return `${header}.${b64({ ...claims, role: 'ADMIN' })}.${signature}`;
}

async function otherKey(): Promise<string> {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return forge({ role: 'USER', sid: 's' }, { privateKey: await exportPKCS8(pair.privateKey), kid: 'unknown-key' });
}

async function reason(token: string) {
  try {
    await verifyAccessToken(token);
    return 'accepted';
  } catch (error) {
    return error instanceof InvalidTokenError ? error.reason : 'other';
  }
}

describe('access tokens', () => {
  it('round-trips sub, role and sid, with a jti and a 15-minute expiry', async () => {
    const { token, expiresAt } = await signAccessToken(viewer);
    expect(await verifyAccessToken(token)).toEqual(viewer);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(typeof payload.jti).toBe('string');
    expect(Math.round((expiresAt.getTime() - Date.now()) / 60_000)).toBe(15);
  });

  it.each([
    ['an expired token', () => forge({ role: 'USER', sid: 's' }, { expiresAt: Math.floor(Date.now() / 1000) - 10 }), 'expired'],
    ['a wrong audience', () => forge({ role: 'USER', sid: 's' }, { audience: 'someone-else' }), 'invalid'],
    ['a wrong issuer', () => forge({ role: 'USER', sid: 's' }, { issuer: 'evil' }), 'invalid'],
    ['an unknown role', () => forge({ role: 'ROOT', sid: 's' }), 'invalid'],
    ['no session id', () => forge({ role: 'USER' }), 'invalid'],
    ['a token that is not yet valid', () => forge({ role: 'USER', sid: 's' }, { notBefore: Math.floor(Date.now() / 1000) + 600 }), 'invalid'],
    ['HS256 signed with the public key', async () => hs256WithPublicKey(), 'invalid'],
    ['a tampered payload', tamperedRole, 'invalid'],
    ['a token from an unknown key id', otherKey, 'invalid'],
    ['alg "none"', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', role: 'ADMIN', sid: 's' })).toString('base64url')}.`, 'invalid'],
  ])('refuses %s', async (_name, make, expected) => {
    expect(await reason(await make())).toBe(expected);
  });

  it('accepts a token it verified before only until it expires, and still refuses any altered copy', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const token = await forge({ role: 'USER', sid: 's-2' }, { expiresAt });
    expect(await verifyAccessToken(token)).toEqual({ userId: viewer.userId, role: 'USER', sessionId: 's-2' });
    // Remembered now: the same string is accepted again; a copy with a changed payload is not.
    expect(await reason(token)).toBe('accepted');
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    expect(await reason(`${header}.${b64({ ...claims, role: 'ADMIN' })}.${signature}`)).toBe('invalid');
    while (Math.floor(Date.now() / 1000) < expiresAt) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await reason(token)).toBe('expired');
    expect(await reason(token)).toBe('expired');
  });

  it('reads only well-formed Bearer headers', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
