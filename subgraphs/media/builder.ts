import { createSubgraphBuilder } from '../../lib/graphql/subgraph-builder.js';
import type { MediaContext } from './context.js';

export const { builder, UserError } = createSubgraphBuilder<MediaContext>();
builder.mutationType({});
builder.subscriptionType({});
