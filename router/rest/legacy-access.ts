// The compatibility exception of the REST contract, in one place. The old web client calls its
// legacy routes without a token; when LEGACY_ANONYMOUS_ACCESS is on, such calls act as the
// configured workspace account, with the router's own service credentials (never a user's token),
// limited per address. A call that carries a token always acts as its own user. New routes never
// come here.
import type { Config } from '../../lib/config.js';
import { LIMITS, type RateLimiter } from '../../lib/rate-limit.js';
import type { Gateway } from '../gateway.js';
import { runOperation } from './graphql-client.js';
import type { Caller } from './handler.js';
import { RestError } from './standard-response.js';

interface IssuedToken {
  accessToken: string | null;
  expiresAt: string | null;
  error: { code: string; message: string } | null;
}

export class LegacyAccess {
  private cached: { authorization: string; refreshAt: number } | undefined;

  constructor(
    private readonly gateway: Gateway,
    private readonly config: Config,
    private readonly limiter: RateLimiter,
  ) {}

  /** The caller as a legacy route sees it: their own token, or the workspace account. */
  async resolve(caller: Caller): Promise<Caller> {
    if (caller.authorization) return caller;
    if (!this.config.LEGACY_ANONYMOUS_ACCESS) throw new RestError(401, 'UNAUTHORIZED', 'Sign in first');
    await this.limiter.enforce(LIMITS.legacyAnonymousPerIp, caller.clientIp ?? 'unknown', 'router').catch((error: unknown) => {
      const retryAfter = (error as { extensions?: { retryAfter?: number } }).extensions?.retryAfter;
      throw new RestError(429, 'RATE_LIMITED', 'Too many requests', { retry_after: retryAfter });
    });
    return { ...caller, authorization: await this.workspaceAuthorization(caller) };
  }

  /**
   * For routes that also serve the public (stable image links, public images): an anonymous caller
   * stays anonymous while the exception is off instead of being refused.
   */
  async resolveOrAnonymous(caller: Caller): Promise<Caller> {
    if (caller.authorization || !this.config.LEGACY_ANONYMOUS_ACCESS) return caller;
    return this.resolve(caller);
  }

  private async workspaceAuthorization(caller: Caller): Promise<string> {
    if (this.cached && Date.now() < this.cached.refreshAt) return this.cached.authorization;
    const { SERVICE_CLIENT_ID: clientId, SERVICE_CLIENT_SECRET: clientSecret } = this.config;
    if (!clientId || !clientSecret) throw new RestError(500, 'INTERNAL_ERROR', 'Legacy access is on but the router has no service credentials');
    const { issueServiceToken } = await runOperation<{ issueServiceToken: IssuedToken }>(this.gateway, 'IssueServiceToken', { clientId, clientSecret }, { ...caller, authorization: undefined });
    if (!issueServiceToken.accessToken || !issueServiceToken.expiresAt) {
      throw new RestError(500, 'INTERNAL_ERROR', `Service token refused: ${issueServiceToken.error?.code ?? 'unknown'}`);
    }
    // Renew a minute before expiry so no request carries a token that expires in flight.
    const refreshAt = new Date(issueServiceToken.expiresAt).getTime() - 60_000;
    this.cached = { authorization: `Bearer ${issueServiceToken.accessToken}`, refreshAt };
    return this.cached.authorization;
  }
}
