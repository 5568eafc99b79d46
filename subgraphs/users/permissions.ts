import { allow, isAccountHolder, isAdmin, isAuthenticated, type RootPermissions } from '../../lib/graphql/permissions.js';

export const usersPermissions: RootPermissions = {
  Query: { me: allow, userByEmail: isAuthenticated, mySessions: isAccountHolder, myApiKeys: isAccountHolder, users: isAdmin },
  Mutation: {
    signUp: allow,
    signIn: allow,
    refreshSession: allow,
    // Authenticated by the client secret in its arguments.
    issueServiceToken: allow,
    signOut: isAccountHolder,
    signOutEverywhere: isAccountHolder,
    revokeSession: isAccountHolder,
    changePassword: isAccountHolder,
    updateProfile: isAuthenticated,
    updatePreferences: isAuthenticated,
    addApiKey: isAccountHolder,
    deleteApiKey: isAccountHolder,
    setUserActive: isAdmin,
    setUserRole: isAdmin,
  },
};
