// The deck page as an editor opens it: the query the round-trip test and bench/decks both measure.
export const DECK_PAGE_QUERY = `query($id: ID!) { deck(id: $id) {
  id title revision myRole hasShareLink owner { id name }
  slides { id position type content }
  collaborators { role user { id name } }
  versions { id name author { name } }
} }`;
