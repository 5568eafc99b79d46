// Comments on slides and elements. Commenting needs the `comment` capability on the deck; a
// comment is deleted by its author or by whoever may manage the deck.
import type { Viewer } from '../../lib/auth/tokens.js';
import { isUuid, notFound } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { type AccessRole, can } from './deck-access.js';
import type { CommentStore, DeckComment } from './comment-store.js';
import type { Deck } from './deck-store.js';

export type CommentResult = { ok: true; comment: DeckComment } | { ok: false; error: UserErrorShape };
const MAX_COMMENT_CHARS = 5000;

export class CommentService {
  constructor(private readonly comments: CommentStore) {}

  /** The comment and its deck id, for the caller to authorise against the deck. */
  async find(id: string): Promise<DeckComment> {
    const comment = isUuid(id) ? await this.comments.findById(id) : null;
    if (!comment) throw notFound('Comment', id);
    return comment;
  }

  async add(viewer: Viewer, deck: Deck, input: { slideId: string; elementId?: string | null; content: string }): Promise<CommentResult> {
    const content = input.content.trim();
    if (content.length < 1 || content.length > MAX_COMMENT_CHARS) return { ok: false, error: { code: 'BAD_USER_INPUT', message: `content must be 1 to ${MAX_COMMENT_CHARS} characters`, field: 'content' } };
    if (!(await this.comments.slideExists(deck.id, input.slideId))) return { ok: false, error: { code: 'NOT_FOUND', message: `Slide ${input.slideId} is not in this deck`, field: 'slideId' } };
    return { ok: true, comment: await this.comments.create({ deckId: deck.id, slideId: input.slideId, elementId: input.elementId ?? null, parentId: null, authorId: viewer.userId, content }) };
  }

  async reply(viewer: Viewer, parent: DeckComment, text: string): Promise<CommentResult> {
    const content = text.trim();
    if (content.length < 1 || content.length > MAX_COMMENT_CHARS) return { ok: false, error: { code: 'BAD_USER_INPUT', message: `content must be 1 to ${MAX_COMMENT_CHARS} characters`, field: 'content' } };
    // Replies attach to the thread's first comment: threads are one level deep, as in PPTist.
    const threadId = parent.parentId ?? parent.id;
    return { ok: true, comment: await this.comments.create({ deckId: parent.deckId, slideId: parent.slideId, elementId: parent.elementId, parentId: threadId, authorId: viewer.userId, content }) };
  }

  async resolve(comment: DeckComment, resolved: boolean): Promise<DeckComment> {
    return this.comments.setResolved(comment.parentId ?? comment.id, resolved);
  }

  async remove(viewer: Viewer, role: AccessRole, comment: DeckComment): Promise<CommentResult> {
    if (comment.authorId !== viewer.userId && !can(role, 'share')) return { ok: false, error: { code: 'FORBIDDEN', message: 'Only the author or the deck owner may delete this comment' } };
    return { ok: true, comment: await this.comments.delete(comment.id) };
  }
}
