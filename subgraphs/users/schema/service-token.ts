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
    description: 'For platform services only: a token for the legacy workspace account, against the service’s own client secret',
    args: { clientId: t.arg.string({ required: true }), clientSecret: t.arg.string({ required: true }) },
    resolve: (_root, { clientId, clientSecret }, ctx) => ctx.serviceTokens.issue(clientId, clientSecret),
  }),
);
