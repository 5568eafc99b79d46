// graphql-shield in every subgraph. Every root field needs an explicit rule: the fallback denies,
// so a field added without one is refused to everyone (and the authorisation matrix test fails).
// Object types other than the roots are allowed at the type level; their private fields decide
// in their resolvers (e.g. User.email), and entity fetches filter in resolveReference.
// Subscriptions are checked in `subscribe` (shield on a subscription field runs per event).
import { type GraphQLSchema, isObjectType } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, rule, shield } from 'graphql-shield';
import { coded, ErrorCode, forbidden, unauthenticated } from '../errors.js';
import type { BaseContext } from '../request-context.js';

export const isAuthenticated = rule({ cache: 'contextual' })((_parent, _args, ctx: BaseContext) => (ctx.viewer ? true : unauthenticated()));

export const isAdmin = rule({ cache: 'contextual' })((_parent, _args, ctx: BaseContext) => {
  if (!ctx.viewer) return unauthenticated();
  return ctx.viewer.role === 'ADMIN' ? true : forbidden('Only administrators may do this');
});

/** The account's own person, not a service acting for it (sessions, passwords, keys). */
export const isAccountHolder = rule({ cache: 'contextual' })((_parent, _args, ctx: BaseContext) => {
  if (!ctx.viewer) return unauthenticated();
  return ctx.viewer.service ? forbidden('Not available to service credentials') : true;
});

export { allow, deny };

type RootRules = Record<string, typeof allow | typeof isAuthenticated>;

export interface RootPermissions {
  Query: RootRules;
  Mutation?: RootRules;
  Subscription?: RootRules;
}

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

export function withPermissions(schema: GraphQLSchema, roots: RootPermissions): GraphQLSchema {
  const typeRules = Object.fromEntries(
    Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && !ROOTS.has(type.name) && !type.name.startsWith('__'))
      .map((type) => [type.name, allow]),
  );
  const permissions = shield(
    {
      ...typeRules,
      // Federation plumbing: the router resolves entities through these; each entity's
      // resolveReference applies the same visibility rules as its root fields.
      Query: { _entities: allow, _service: allow, ...roots.Query },
      ...(roots.Mutation && { Mutation: roots.Mutation }),
      ...(roots.Subscription && { Subscription: roots.Subscription }),
    },
    {
      fallbackRule: deny,
      fallbackError: () => coded(ErrorCode.FORBIDDEN, 'Not permitted'),
      // Coded errors thrown by services pass through; anything else is masked by the server.
      allowExternalErrors: true,
      debug: false,
    },
  );
  return applyMiddleware(schema, permissions);
}
