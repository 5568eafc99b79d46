import { createSubgraphBuilder } from '../../lib/graphql/subgraph-builder.js';
import type { DecksContext } from './context.js';

export const { builder, UserError } = createSubgraphBuilder<DecksContext>();
builder.mutationType({});
builder.subscriptionType({});
