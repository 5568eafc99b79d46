import { isAuthenticated, type RootPermissions } from '../../lib/graphql/permissions.js';

export const decksPermissions: RootPermissions = {
  Query: { deck: isAuthenticated },
  Mutation: { createDeck: isAuthenticated },
};
