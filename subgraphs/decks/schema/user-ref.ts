// The User entity belongs to the users subgraph; decks references it by id (Deck.owner) and
// extends it with User.decks (schema/user.ts).
import { builder } from '../builder.js';

export const UserRef = builder.externalRef('User', builder.selection<{ id: string }>('id'));
