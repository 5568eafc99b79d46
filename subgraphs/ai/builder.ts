import { createSubgraphBuilder } from '../../lib/graphql/subgraph-builder.js';
import type { AiContext } from './context.js';

export const { builder, UserError } = createSubgraphBuilder<AiContext>();
builder.subscriptionType({});
builder.mutationType({});
