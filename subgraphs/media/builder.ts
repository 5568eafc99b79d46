import { createSubgraphBuilder } from '../../lib/graphql/subgraph-builder.js';
import type { MediaContext } from './context.js';

export const { builder } = createSubgraphBuilder<MediaContext>();
