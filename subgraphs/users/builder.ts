import { createSubgraphBuilder } from '../../lib/graphql/subgraph-builder.js';
import type { UsersContext } from './context.js';

export const { builder, UserError } = createSubgraphBuilder<UsersContext>();
builder.mutationType({});
