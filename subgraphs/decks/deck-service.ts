// Authorisation and orchestration for decks; GraphQL, REST and workers all come through here.
import type { Viewer } from '../../lib/auth/tokens.js';
import type { Prisma } from '../../lib/db.js';
import { forbidden, isUuid, notFound, unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { emptyDocument, parseDocument } from './deck-document.js';
import type { Deck, DeckStore } from './deck-store.js';

export type DeckResult = { ok: true; deck: Deck } | { ok: false; error: UserErrorShape };

export function canReadDeck(viewer: Viewer | null, deck: Deck): boolean {
  return viewer !== null && (viewer.userId === deck.ownerId || viewer.role === 'ADMIN');
}

export class DeckService {
  constructor(private readonly decks: DeckStore) {}

  /** Throws coded errors: the caller asked for one deck by id and must learn why it gets none. */
  assertReadable(viewer: Viewer | null, id: string, deck: Deck | null | undefined): Deck {
    if (!viewer) throw unauthenticated();
    if (!deck) throw notFound('Deck', id);
    if (!canReadDeck(viewer, deck)) throw forbidden('This deck is not shared with you');
    return deck;
  }

  validId(id: string): boolean {
    return isUuid(id);
  }

  async create(viewer: Viewer | null, input: { title: string; document?: unknown }): Promise<DeckResult> {
    if (!viewer) throw unauthenticated();
    const title = input.title.trim();
    if (title.length < 1 || title.length > 200) {
      return { ok: false, error: { code: 'BAD_USER_INPUT', message: 'title must be 1 to 200 characters', field: 'title' } };
    }
    let document = emptyDocument(title);
    if (input.document !== undefined && input.document !== null) {
      const parsed = parseDocument(input.document);
      if (!parsed.ok) return { ok: false, error: { code: 'BAD_USER_INPUT', message: parsed.message, field: parsed.path } };
      document = { ...parsed.document, title };
    }
    const deck = await this.decks.create({ ownerId: viewer.userId, title, document: document as Prisma.InputJsonValue });
    return { ok: true, deck };
  }
}
