// Service credentials: a service (the REST facade, a worker) proves itself with its own client id
// and secret and gets a short-lived token of its own. Without `actFor` the account is the legacy
// workspace account of the compatibility exception, and only when that is switched on. With
// `actFor`, a delegate client (SERVICE_DELEGATES: the AI agent that writes generated slides into
// a user's deck) acts for that user; its token names the service, so every edit and presence
// entry shows the agent, and the decks subgraph applies the user's own permissions to it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashPassword } from '../../lib/auth/passwords.js';
import { signAccessToken } from '../../lib/auth/tokens.js';
import { config } from '../../lib/config.js';
import { isUuid } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import type { AuditStore } from './audit-store.js';
import type { UserStore } from './user-store.js';

export type ServiceTokenResult = { ok: true; accessToken: string; expiresAt: Date } | { ok: false; error: UserErrorShape };

const digest = (value: string) => createHash('sha256').update(value).digest();
const INVALID: UserErrorShape = { code: 'INVALID_CLIENT', message: 'Unknown service client or wrong secret' };

function configuredClients(): Map<string, Buffer> {
  const clients = new Map<string, Buffer>();
  for (const entry of (config().SERVICE_CLIENTS ?? '').split(',').filter(Boolean)) {
    const at = entry.indexOf(':');
    clients.set(entry.slice(0, at), digest(entry.slice(at + 1)));
  }
  return clients;
}

export class ServiceTokenService {
  constructor(
    private readonly users: UserStore,
    private readonly audit: AuditStore,
    private readonly legacyAccessEnabled = config().LEGACY_ANONYMOUS_ACCESS,
  ) {}

  async issue(clientId: string, clientSecret: string, actFor?: string | null): Promise<ServiceTokenResult> {
    const expected = configuredClients().get(clientId);
    // Digests have equal length, so the comparison is constant-time whatever the input.
    const presented = digest(clientSecret);
    if (!expected || !timingSafeEqual(expected, presented)) return { ok: false, error: INVALID };
    if (actFor) return this.delegated(clientId, actFor);
    // Defence in depth: with the exception switched off, leaked router credentials are worth nothing.
    if (!this.legacyAccessEnabled) return { ok: false, error: { code: 'COMPAT_DISABLED', message: 'Anonymous legacy access is switched off' } };
    const workspace = await this.workspaceAccount();
    const { token, expiresAt } = await signAccessToken({ userId: workspace.id, role: workspace.role, sessionId: `service:${clientId}`, service: clientId });
    return { ok: true, accessToken: token, expiresAt };
  }

  private async delegated(clientId: string, userId: string): Promise<ServiceTokenResult> {
    const delegates = (config().SERVICE_DELEGATES ?? '').split(',').filter(Boolean);
    if (!delegates.includes(clientId)) return { ok: false, error: { code: 'NOT_A_DELEGATE', message: 'This service client may not act for users' } };
    const [user] = isUuid(userId) ? await this.users.findByIds([userId]) : [];
    if (!user || !user.isActive) return { ok: false, error: { code: 'NOT_FOUND', message: `User ${userId} not found or disabled`, field: 'actFor' } };
    const { token, expiresAt } = await signAccessToken({ userId: user.id, role: user.role, sessionId: `service:${clientId}`, service: clientId });
    return { ok: true, accessToken: token, expiresAt };
  }

  /** The workspace account, created on first use with the configured role and no usable password. */
  private async workspaceAccount() {
    const c = config();
    const existing = await this.users.findByEmail(c.LEGACY_WORKSPACE_EMAIL);
    if (existing) return existing;
    const created = await this.users
      .create({ email: c.LEGACY_WORKSPACE_EMAIL, name: 'Workspace', passwordHash: await hashPassword(randomBytes(32).toString('base64')) })
      .catch(async () => this.users.findByEmail(c.LEGACY_WORKSPACE_EMAIL));
    if (!created) throw new Error('workspace account could not be created');
    if (created.role === c.LEGACY_WORKSPACE_ROLE) return created;
    const user = await this.users.update(created.id, { role: c.LEGACY_WORKSPACE_ROLE });
    await this.audit.record({ type: 'role.changed', userId: user.id, details: { workspace: true, from: created.role, to: user.role } });
    return user;
  }
}
