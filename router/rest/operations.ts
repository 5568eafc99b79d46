// The named GraphQL operations behind the REST routes. Each route runs one of these through the
// gateway, so REST gets exactly the graph's auth, limits and behaviour.
const USER_FIELDS = 'id email name role isActive avatarUrl bio createdAt lastLoginAt';
const AUTH_FIELDS = `accessToken expiresAt refreshToken refreshExpiresAt sessionId user { ${USER_FIELDS} } error { code message field }`;
const DECK_FIELDS = 'id title revision document slideCount createdAt updatedAt owner { id }';

export const operations = {
  Me: `query Me { me { ${USER_FIELDS} } }`,
  Register: `mutation Register($input: SignUpInput!) { auth: signUp(input: $input) { ${AUTH_FIELDS} } }`,
  Login: `mutation Login($input: SignInInput!) { auth: signIn(input: $input) { ${AUTH_FIELDS} } }`,
  Refresh: `mutation Refresh($refreshToken: String!) { auth: refreshSession(refreshToken: $refreshToken) { ${AUTH_FIELDS} } }`,
  Logout: `mutation Logout { result: signOut { revokedCount } }`,
  LogoutAll: `mutation LogoutAll { result: signOutEverywhere { revokedCount } }`,
  Sessions: `query Sessions($skip: Int, $limit: Int) {
    mySessions(skip: $skip, limit: $limit) { total sessions { id ipAddress userAgent createdAt expiresAt current } }
  }`,
  IssueServiceToken: `mutation IssueServiceToken($clientId: String!, $clientSecret: String!) {
    issueServiceToken(clientId: $clientId, clientSecret: $clientSecret) { accessToken expiresAt error { code message } }
  }`,
  ImagePage: `query ImagePage($page: Int, $limit: Int, $sortBy: String, $sortOrder: String) {
    myImagePage(page: $page, limit: $limit, sortBy: $sortBy, sortOrder: $sortOrder) {
      total items { id storageKey originalFilename description mimeType fileSize width height createdAt owner { id } }
    }
  }`,
  RevokeSession: `mutation RevokeSession($id: ID!) { result: revokeSession(id: $id) { revokedCount } }`,
  DeckById: `query DeckById($id: ID!) { deck(id: $id) { ${DECK_FIELDS} } }`,
  CreateDeck: `mutation CreateDeck($input: CreateDeckInput!) {
    createDeck(input: $input) { deck { ${DECK_FIELDS} } error { code message field } }
  }`,
} as const;
export type OperationName = keyof typeof operations;
