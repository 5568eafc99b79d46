import { builder, UserError } from '../builder.js';
import type { ServiceTokenResult } from '../service-token-service.js';

const ServiceTokenPayload = builder.objectRef<ServiceTokenResult>('ServiceTokenPayload').implement({
  fields: (t) => ({
    accessToken: t.string({ nullable: true, resolve: (r) => (r.ok ? r.accessToken : null) }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => (r.ok ? r.expiresAt : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

builder.mutationField('issueServiceToken', (t) =>
  t.field({
    type: ServiceTokenPayload,
    description:
      'For platform services only, against the service’s own client secret: a token for the legacy workspace account, or (delegate clients such as the AI agent) for the user named by actFor',
    args: { clientId: t.arg.string({ required: true }), clientSecret: t.arg.string({ required: true }), actFor: t.arg.id() },
    resolve: (_root, { clientId, clientSecret, actFor }, ctx) => ctx.serviceTokens.issue(clientId, clientSecret, actFor ? String(actFor) : null),
  }),
);
