// The User entity belongs to the users subgraph; a job references its owner by id.
import { builder } from '../builder.js';

export const UserRef = builder.externalRef('User', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});
