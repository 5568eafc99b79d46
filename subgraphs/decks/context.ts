import type { BaseContext } from '../../lib/request-context.js';
import type { CollaborationService } from './collaboration-service.js';
import type { CommentService } from './comment-service.js';
import type { DeckLayout } from './deck-layout.js';
import type { DeckLoaders } from './deck-loaders.js';
import type { DeckService } from './deck-service.js';
import type { DeckStore } from './deck-store.js';

export interface DecksContext extends BaseContext {
  deckStore: DeckStore;
  decks: DeckService;
  collaboration: CollaborationService;
  comments: CommentService;
  layout: DeckLayout;
  loaders: DeckLoaders;
}
