// Establishing who is calling, the same way for HTTP requests, graphql-ws connections and workers.
import { randomUUID } from 'node:crypto';
import { isSessionRevoked } from './auth/revocation.js';
import { bearerToken, InvalidTokenError, verifyAccessToken, type Viewer } from './auth/tokens.js';
import { coded, ErrorCode } from './errors.js';
import { CLIENT_IP_HEADER, type Logger } from './logger.js';

/** Where a request came from, as the router saw it (subgraphs are reached only through it). */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface BaseContext {
  viewer: Viewer | null;
  requestId: string;
  log: Logger;
  client: ClientInfo;
}

export function clientFrom(headers: Record<string, string | string[] | undefined>): ClientInfo {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? null;
  return { ip: first(headers[CLIENT_IP_HEADER])?.slice(0, 64) ?? null, userAgent: first(headers['user-agent'])?.slice(0, 300) ?? null };
}

/**
 * No Authorization -> anonymous. A present but bad token is an error, not anonymity: a client
 * with an expired token must be told to refresh, not silently shown the public view.
 *
 * `meanwhile` (the router's rate limit, keyed by the verified caller) runs during the revocation
 * check, so a request waits for one Redis round trip instead of two; a revoked session is still
 * what the caller is told first.
 */
export async function viewerFromAuthorization(authorization: string | null | undefined, meanwhile?: (viewer: Viewer | null) => Promise<void>): Promise<Viewer | null> {
  const viewer = authorization ? await verifiedViewer(authorization) : null;
  const [revoked, alongside] = await Promise.allSettled([viewer ? isSessionRevoked(viewer.sessionId) : false, meanwhile?.(viewer)]);
  if (revoked.status === 'rejected') throw revoked.reason;
  if (revoked.value) throw coded(ErrorCode.UNAUTHENTICATED, 'This session was signed out', { reason: 'revoked' });
  if (alongside.status === 'rejected') throw alongside.reason;
  return viewer;
}

async function verifiedViewer(authorization: string): Promise<Viewer> {
  const token = bearerToken(authorization);
  if (!token) throw coded(ErrorCode.UNAUTHENTICATED, 'Authorization must be "Bearer <token>"', { reason: 'invalid' });
  try {
    return await verifyAccessToken(token);
  } catch (error) {
    const reason = error instanceof InvalidTokenError ? error.reason : 'invalid';
    throw coded(ErrorCode.UNAUTHENTICATED, reason === 'expired' ? 'Access token expired' : 'Access token invalid', { reason });
  }
}

export function requestIdFrom(header: string | string[] | null | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  // Accept the router's id only when it looks like one, so logs cannot be forged with junk.
  return value && /^[\w.:-]{1,100}$/.test(value) ? value : randomUUID();
}
