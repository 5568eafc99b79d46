import { allow, isAuthenticated, type RootPermissions } from '../../lib/graphql/permissions.js';

export const aiPermissions: RootPermissions = {
  Query: { generationJob: isAuthenticated },
  Mutation: { startGeneration: isAuthenticated },
  // Access is checked once in `subscribe` (GenerationService.subscribe), not per event.
  Subscription: { generationEvents: allow },
};
