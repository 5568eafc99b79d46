// Access tokens: short-lived EdDSA (Ed25519) JWTs. The accepted algorithm, issuer and audience are
// pinned on verification; verifiers hold only the public key.
import { randomUUID } from 'node:crypto';
import { SignJWT, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, importSPKI, jwtVerify, type CryptoKey } from 'jose';
import { config } from '../config.js';

const ALG = 'EdDSA';
export type Role = 'USER' | 'ADMIN';

/** Who is calling, as established from a verified token. */
export interface Viewer {
  userId: string;
  role: Role;
  sessionId: string;
  /** Set when a service (not the person) holds the token, acting for this account. */
  service?: string;
}

let publicKey: Promise<CryptoKey> | undefined;
let privateKey: Promise<CryptoKey> | undefined;

function verifyKey(): Promise<CryptoKey> {
  publicKey ??= importSPKI(config().JWT_PUBLIC_KEY, ALG);
  return publicKey;
}

function signKey(): Promise<CryptoKey> {
  const pem = config().JWT_PRIVATE_KEY;
  if (!pem) throw new Error('JWT_PRIVATE_KEY is not configured: only the users subgraph signs tokens');
  privateKey ??= importPKCS8(pem, ALG);
  return privateKey;
}

export async function signAccessToken(viewer: Viewer): Promise<{ token: string; expiresAt: Date }> {
  const c = config();
  const expiresAt = new Date(Date.now() + c.ACCESS_TOKEN_TTL_SECONDS * 1000);
  const token = await new SignJWT({ role: viewer.role, sid: viewer.sessionId, ...(viewer.service && { svc: viewer.service }) })
    .setProtectedHeader({ alg: ALG, typ: 'JWT' })
    .setSubject(viewer.userId)
    .setIssuer(c.JWT_ISSUER)
    .setAudience(c.JWT_AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(await signKey());
  return { token, expiresAt };
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: 'expired' | 'invalid') {
    super(reason === 'expired' ? 'Access token expired' : 'Access token invalid');
  }
}

/**
 * Tokens already verified, with what they say. A client sends the same access token with every
 * request for the token's whole life, and each request is verified by the router and again by the
 * subgraph; an Ed25519 check through WebCrypto is a trip through libuv's thread pool, on the path
 * of every edit. Keyed by the whole token (signature included), so any other string misses and is
 * verified; the expiry is checked on every use, as jose checks it.
 */
const VERIFIED_TOKENS_MAX = 10_000;
const verifiedTokens = new Map<string, { viewer: Viewer; exp: number }>();

const nowInSeconds = () => Math.floor(Date.now() / 1000);

export async function verifyAccessToken(token: string): Promise<Viewer> {
  const known = verifiedTokens.get(token);
  if (known) {
    if (known.exp > nowInSeconds()) return { ...known.viewer };
    verifiedTokens.delete(token);
    throw new InvalidTokenError('expired');
  }
  const c = config();
  try {
    const { payload } = await jwtVerify(token, await verifyKey(), {
      algorithms: [ALG],
      issuer: c.JWT_ISSUER,
      audience: c.JWT_AUDIENCE,
    });
    const role = payload.role;
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || (role !== 'USER' && role !== 'ADMIN')) {
      throw new InvalidTokenError('invalid');
    }
    const service = typeof payload.svc === 'string' ? { service: payload.svc } : {};
    const viewer: Viewer = { userId: payload.sub, role, sessionId: payload.sid, ...service };
    if (typeof payload.exp === 'number') {
      if (verifiedTokens.size >= VERIFIED_TOKENS_MAX) verifiedTokens.delete(verifiedTokens.keys().next().value!);
      verifiedTokens.set(token, { viewer, exp: payload.exp });
    }
    return { ...viewer };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    if ((error as { code?: string }).code === 'ERR_JWT_EXPIRED') throw new InvalidTokenError('expired');
    throw new InvalidTokenError('invalid');
  }
}

/** `Bearer <jwt>` -> the token; anything else -> undefined. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  return match?.[1];
}

/** A fresh Ed25519 key pair in PEM, for local runs and tests (production supplies its own). */
export async function generateSigningKeys(): Promise<{ privateKey: string; publicKey: string }> {
  const pair = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  return { privateKey: await exportPKCS8(pair.privateKey), publicKey: await exportSPKI(pair.publicKey) };
}
