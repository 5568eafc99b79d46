import { allow, isAdmin, isAuthenticated, type RootPermissions } from '../../lib/graphql/permissions.js';

export const usersPermissions: RootPermissions = {
  Query: { me: allow, mySessions: isAuthenticated, myApiKeys: isAuthenticated, users: isAdmin },
  Mutation: {
    signUp: allow,
    signIn: allow,
    refreshSession: allow,
    signOut: isAuthenticated,
    signOutEverywhere: isAuthenticated,
    revokeSession: isAuthenticated,
    changePassword: isAuthenticated,
    updateProfile: isAuthenticated,
    updatePreferences: isAuthenticated,
    addApiKey: isAuthenticated,
    deleteApiKey: isAuthenticated,
    setUserActive: isAdmin,
    setUserRole: isAdmin,
  },
};
