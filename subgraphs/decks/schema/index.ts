import { builder } from '../builder.js';
import './deck.js';
import './deck-list.js';
import './deck-sharing.js';
import './deck-version.js';
import './deck-comment.js';
import './deck-presence.js';
import './deck-collaboration.js';
import './deck-layout.js';
import './deck-images.js';
import './user.js';

export function buildDecksSchema() {
  return builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
}
