// The Pothos set-up every subgraph shares: plugins in the order federation needs (directives
// before federation; federation last so it sees resolvers the others wrapped), a DateTime scalar
// and the UserError value type that mutations return for expected failures.
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import { Kind } from 'graphql';
import type { BaseContext } from '../request-context.js';

export interface UserErrorShape {
  code: string;
  message: string;
  field?: string | null;
}

export interface SubgraphTypes<TContext extends BaseContext> {
  Context: TContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
}

export function createSubgraphBuilder<TContext extends BaseContext>() {
  const builder = new SchemaBuilder<SubgraphTypes<TContext>>({
    plugins: [DirectivePlugin, DataloaderPlugin, FederationPlugin],
    defaultFieldNullability: false,
  });

  builder.scalarType('DateTime', {
    description: 'An instant, as an ISO-8601 string in UTC',
    serialize: (value) => value.toISOString(),
    parseValue: (value) => {
      const date = new Date(String(value));
      if (Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string');
      return date;
    },
  });

  builder.scalarType('JSON', {
    description: 'Arbitrary JSON (used for PPTist documents and event payloads)',
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: function parse(ast): unknown {
      switch (ast.kind) {
        case Kind.STRING:
        case Kind.BOOLEAN:
          return ast.value;
        case Kind.INT:
        case Kind.FLOAT:
          return Number(ast.value);
        case Kind.NULL:
          return null;
        case Kind.LIST:
          return ast.values.map((v) => parse(v));
        case Kind.OBJECT:
          return Object.fromEntries(ast.fields.map((f) => [f.name.value, parse(f.value)]));
        default:
          throw new TypeError('JSON literals cannot use variables inside');
      }
    },
  });

  // The same value type in every subgraph, so its fields are @shareable.
  const UserError = builder.objectRef<UserErrorShape>('UserError').implement({
    description: 'An expected failure (validation, conflict, not found), returned as data',
    fields: (t) => ({
      code: t.exposeString('code', { shareable: true }),
      message: t.exposeString('message', { shareable: true }),
      field: t.exposeString('field', { nullable: true, shareable: true }),
    }),
  });

  builder.queryType({});
  return { builder, UserError };
}
