// The only place that touches users.audit_events. Details never hold secrets (no passwords, tokens
// or keys): callers pass ids, hints and reasons only.
import type { Prisma, PrismaClient } from '../../lib/db.js';

export type AuditType =
  | 'sign_in.succeeded'
  | 'sign_in.failed'
  | 'sign_up'
  | 'refresh.reused'
  | 'session.revoked'
  | 'password.changed'
  | 'role.changed'
  | 'user.disabled'
  | 'user.enabled'
  | 'api_key.created'
  | 'api_key.deleted'
  | 'api_key.rotated';

export interface AuditEntry {
  type: AuditType;
  userId?: string | null;
  actorId?: string | null;
  ipAddress?: string | null;
  details?: Record<string, unknown>;
}

export class AuditStore {
  constructor(private readonly prisma: PrismaClient) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.prisma.auditEvent.create({
      data: {
        type: entry.type,
        userId: entry.userId ?? null,
        actorId: entry.actorId ?? null,
        ipAddress: entry.ipAddress ?? null,
        details: (entry.details ?? {}) as Prisma.InputJsonValue,
      },
    });
  }

  forUser(userId: string, take = 50) {
    return this.prisma.auditEvent.findMany({ where: { userId }, orderBy: { createdAt: 'desc' }, take });
  }
}
