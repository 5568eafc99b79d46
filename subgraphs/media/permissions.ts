import { isAuthenticated, type RootPermissions } from '../../lib/graphql/permissions.js';

export const mediaPermissions: RootPermissions = {
  Query: { image: isAuthenticated, myImages: isAuthenticated, myImagePage: isAuthenticated },
};
