// The named GraphQL operations behind the REST routes. Each route runs one of these through the
// gateway, so REST gets exactly the graph's auth, limits and behaviour.
const USER_FIELDS = 'id email name role isActive createdAt lastLoginAt';
const DECK_FIELDS = 'id title revision document slideCount createdAt updatedAt owner { id }';

export const operations = {
  Me: `query Me { me { ${USER_FIELDS} } }`,
  DeckById: `query DeckById($id: ID!) { deck(id: $id) { ${DECK_FIELDS} } }`,
  CreateDeck: `mutation CreateDeck($input: CreateDeckInput!) {
    createDeck(input: $input) { deck { ${DECK_FIELDS} } error { code message field } }
  }`,
} as const;
export type OperationName = keyof typeof operations;
