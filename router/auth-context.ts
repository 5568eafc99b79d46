import { CLIENT_IP_HEADER, REQUEST_ID_HEADER } from '../lib/logger.js';

/** What the router knows of its caller, in every operation's context. */
export interface RouterContext {
  authorization?: string;
  requestId: string;
  clientIp?: string;
  userAgent?: string;
}

/** The caller's credentials and identity as every request to a subgraph carries them (the gateway's fetches and the passthrough's alike). */
export function subgraphHeaders(caller: RouterContext): Record<string, string> {
  return {
    [REQUEST_ID_HEADER]: caller.requestId,
    ...(caller.authorization && { authorization: caller.authorization }),
    ...(caller.clientIp && { [CLIENT_IP_HEADER]: caller.clientIp }),
    ...(caller.userAgent && { 'user-agent': caller.userAgent }),
  };
}

// The client's credentials, from wherever the transport put them: the Authorization header (HTTP,
// SSE) or graphql-ws connectionParams (`authorization: "Bearer …"`, or `token: "…"`). Merged into
// one value that the router verifies and forwards to every subgraph.
export function authorizationFrom(headers: Headers | undefined, connectionParams: Record<string, unknown> | undefined): string | undefined {
  const header = headers?.get('authorization');
  if (header) return header;
  const fromParams = connectionParams?.authorization ?? connectionParams?.Authorization;
  if (typeof fromParams === 'string' && fromParams) return fromParams;
  const token = connectionParams?.token;
  if (typeof token === 'string' && token) return token.toLowerCase().startsWith('bearer ') ? token : `Bearer ${token}`;
  return undefined;
}

/** The caller's address as rate limits and audit logs see it. */
export function clientIpFrom(forwardedFor: string | string[] | undefined, socketAddress: string | undefined, trustProxy: boolean): string {
  const header = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
  const forwarded = trustProxy ? header?.split(',')[0]?.trim() : undefined;
  return (forwarded || socketAddress || 'unknown').replace(/^::ffff:/, '').slice(0, 64);
}
