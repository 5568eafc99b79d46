// Decks as PPTist documents: lifecycle, sharing, versions and templates. Authorisation lives here;
// GraphQL, REST and workers all come through these methods.
import { createHash, randomBytes } from 'node:crypto';
import type { Viewer } from '../../lib/auth/tokens.js';
import type { Prisma } from '../../lib/db.js';
import { badInput, coded, ErrorCode, forbidden, isUuid, notFound, unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { type AccessRole, can, type Capability, roleOn } from './deck-access.js';
import { emptyDocument, parsePptistDocument as parseDocument } from '../../lib/pptist/document.js';
import { assembleDocument, type DocumentLike, splitDocument, summariseChanges } from './deck-parts.js';
import type { CollaborationService } from './collaboration-service.js';
import type { DeckOperation } from './deck-operations.js';
import type { Deck, DeckRole, DeckStore, DeckVersion, TemplateVisibility } from './deck-store.js';

/** Where authorize reads a deck and the caller's membership (per-request loaders, so a page that
 *  also shows `myRole` does not ask the database twice). */
export interface DeckSource {
  deck(id: string): Promise<Deck | null>;
  membership(id: string): Promise<DeckRole | null>;
}

export type DeckResult = { ok: true; deck: Deck } | { ok: false; error: UserErrorShape };
export type Page<T> = { items: T[]; hasNextPage: boolean };

/** Deleted decks stay restorable this long before a purge may remove them. */
export const RESTORE_WINDOW_DAYS = 30;
/** Automatic snapshots while editing: at most one per this many minutes. */
export const AUTO_SNAPSHOT_MINUTES = 10;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const userError = (code: string, message: string, field?: string): { ok: false; error: UserErrorShape } => ({ ok: false, error: { code, message, field } });

export class DeckService {
  constructor(
    private readonly decks: DeckStore,
    private readonly collaboration: CollaborationService,
  ) {}

  // ---------------------------------------------------------------- access

  /** Loads a deck the caller may act on, or throws the coded reason. */
  async authorize(viewer: Viewer | null, id: string, capability: Capability, source: DeckSource, options: { includeDeleted?: boolean } = {}): Promise<{ deck: Deck; role: AccessRole }> {
    if (!isUuid(id)) throw badInput('id is not a valid deck id', 'id');
    // Both reads at once: one database round trip of waiting on every deck request.
    const [deck, membership] = await Promise.all([source.deck(id), viewer ? source.membership(id) : null]);
    if (!deck || (deck.deletedAt && !options.includeDeleted)) {
      if (!viewer) throw unauthenticated();
      throw notFound('Deck', id);
    }
    const role = roleOn(viewer, deck, membership);
    if (!role) throw viewer ? forbidden('This deck is not shared with you') : unauthenticated();
    if (!can(role, capability)) throw forbidden(`Your role (${role.toLowerCase()}) may not ${capability} this deck`);
    return { deck, role };
  }

  /** Reads straight from the database (no per-request cache): for re-checks during a long stream. */
  freshSource(viewer: Viewer): DeckSource {
    return {
      deck: async (id) => (await this.decks.findByIds([id]))[0] ?? null,
      membership: async (id) => (await this.decks.membershipsOf(viewer.userId, [id]))[0]?.role ?? null,
    };
  }

  async byShareToken(token: string): Promise<Deck> {
    const deck = token.length >= 20 ? await this.decks.findByShareTokenHash(hashToken(token)) : null;
    if (!deck) throw notFound('Shared deck', 'link');
    return deck;
  }

  // ---------------------------------------------------------------- documents

  async create(viewer: Viewer | null, input: { title: string; document?: unknown; template?: { deck: Deck; document: DocumentLike } | null }): Promise<DeckResult> {
    if (!viewer) throw unauthenticated();
    const title = input.title.trim();
    if (title.length < 1 || title.length > 200) return userError('BAD_USER_INPUT', 'title must be 1 to 200 characters', 'title');
    let document: DocumentLike = emptyDocument(title) as DocumentLike;
    if (input.document !== undefined && input.document !== null) {
      const parsed = parseDocument(input.document);
      if (!parsed.ok) return userError('BAD_USER_INPUT', parsed.message, parsed.path);
      document = parsed.document as DocumentLike;
    } else if (input.template) {
      document = withFreshSlideIds(input.template.document);
    }
    return { ok: true, deck: await this.decks.create(viewer.userId, splitDocument(document, title)) };
  }

  async document(deck: Deck): Promise<DocumentLike> {
    return assembleDocument(deck, await this.decks.slidesOf([deck.id]));
  }

  async rename(viewer: Viewer, deck: Deck, title: string, expectedRevision?: number | null): Promise<DeckResult> {
    const trimmed = title.trim();
    if (trimmed.length < 1 || trimmed.length > 200) return userError('BAD_USER_INPUT', 'title must be 1 to 200 characters', 'title');
    return this.update(viewer, deck, { title: trimmed }, expectedRevision);
  }

  async updateSettings(viewer: Viewer, deck: Deck, input: { theme?: unknown; width?: number | null; height?: number | null }, expectedRevision?: number | null): Promise<DeckResult> {
    const data: Record<string, unknown> = {};
    if (input.theme !== undefined && input.theme !== null) {
      if (typeof input.theme !== 'object' || Array.isArray(input.theme)) return userError('BAD_USER_INPUT', 'theme must be an object', 'theme');
      data.theme = input.theme;
    }
    for (const field of ['width', 'height'] as const) {
      const value = input[field];
      if (value === undefined || value === null) continue;
      if (!Number.isFinite(value) || value < 100 || value > 10_000) return userError('BAD_USER_INPUT', `${field} must be 100 to 10000`, field);
      data[field] = value;
    }
    return this.update(viewer, deck, data, expectedRevision);
  }

  /** Replaces the whole document (import into an existing deck), with a snapshot first. */
  async replaceDocument(viewer: Viewer, deck: Deck, input: unknown, expectedRevision?: number | null): Promise<DeckResult> {
    const parsed = parseDocument(input);
    if (!parsed.ok) return userError('BAD_USER_INPUT', parsed.message, parsed.path);
    if (expectedRevision !== undefined && expectedRevision !== null && expectedRevision !== deck.revision) return staleRevision(deck);
    const updated = await this.collaboration.replaceDocument(viewer, deck.id, splitDocument(parsed.document as DocumentLike, deck.title), { expectedRevision: expectedRevision ?? deck.revision, snapshotKind: 'AUTO_BEFORE_REPLACE' });
    return updated ? { ok: true, deck: updated } : staleRevision(deck);
  }

  async softDelete(deck: Deck): Promise<Deck> {
    const deleted = await this.decks.setDeleted(deck.id, new Date());
    this.collaboration.announceDeleted(deck.id);
    return deleted;
  }

  async restore(deck: Deck): Promise<Deck> {
    if (!deck.deletedAt) return deck;
    if (Date.now() - deck.deletedAt.getTime() > RESTORE_WINDOW_DAYS * 86_400_000) throw coded(ErrorCode.CONFLICT, 'This deck was deleted too long ago to restore');
    return this.decks.setDeleted(deck.id, null);
  }

  async duplicate(viewer: Viewer, deck: Deck, title?: string | null): Promise<DeckResult> {
    const document = withFreshSlideIds(await this.document(deck));
    const newTitle = (title ?? `${deck.title} (copy)`).trim().slice(0, 200);
    return { ok: true, deck: await this.decks.create(viewer.userId, splitDocument(document, newTitle)) };
  }

  // ---------------------------------------------------------------- sharing

  async share(deck: Deck, userId: string, role: DeckRole): Promise<DeckResult> {
    if (!isUuid(userId)) return userError('BAD_USER_INPUT', 'userId is not a user id', 'userId');
    if (userId === deck.ownerId) return userError('BAD_USER_INPUT', 'The owner already has every right', 'userId');
    await this.decks.upsertCollaborator(deck.id, userId, role);
    this.collaboration.announceAccessChange(deck.id, userId);
    return { ok: true, deck };
  }

  async unshare(deck: Deck, userId: string): Promise<DeckResult> {
    if (!(await this.decks.removeCollaborator(deck.id, userId))) return userError('NOT_FOUND', 'That user is not a collaborator', 'userId');
    this.collaboration.announceAccessChange(deck.id, userId);
    return { ok: true, deck };
  }

  async transfer(deck: Deck, toUserId: string): Promise<DeckResult> {
    if (!isUuid(toUserId)) return userError('BAD_USER_INPUT', 'userId is not a user id', 'userId');
    if (toUserId === deck.ownerId) return { ok: true, deck };
    const transferred = await this.decks.transferOwnership(deck.id, deck.ownerId, toUserId);
    this.collaboration.announceAccessChange(deck.id, deck.ownerId);
    return { ok: true, deck: transferred };
  }

  /** A new unguessable read-only link (replacing any previous one); only its hash is stored. */
  async createShareLink(deck: Deck): Promise<{ token: string; deck: Deck }> {
    const token = randomBytes(24).toString('base64url');
    return { token, deck: await this.decks.setShareTokenHash(deck.id, hashToken(token)) };
  }

  revokeShareLink(deck: Deck): Promise<Deck> {
    return this.decks.setShareTokenHash(deck.id, null);
  }

  // ---------------------------------------------------------------- versions

  async snapshot(viewer: Viewer, deck: Deck, name: string | null, kind = 'MANUAL'): Promise<Omit<DeckVersion, 'snapshot'>> {
    if (name !== null && (name.trim().length < 1 || name.length > 100)) throw badInput('name must be 1 to 100 characters', 'name');
    const { snapshot: _omit, ...version } = await this.decks.createVersion({ deckId: deck.id, name: name?.trim() ?? null, kind, revision: deck.revision, snapshot: (await this.document(deck)) as Prisma.InputJsonValue, authorId: viewer.userId });
    return version;
  }

  /** An automatic snapshot unless one was taken in the last AUTO_SNAPSHOT_MINUTES (editing). */
  async snapshotIfDue(viewer: Viewer, deck: Deck): Promise<boolean> {
    const latest = await this.decks.latestVersion(deck.id, 'AUTO_PERIODIC');
    if (latest && Date.now() - latest.createdAt.getTime() < AUTO_SNAPSHOT_MINUTES * 60_000) return false;
    await this.snapshot(viewer, deck, null, 'AUTO_PERIODIC');
    return true;
  }

  async version(deck: Deck, versionId: string): Promise<DeckVersion> {
    const version = isUuid(versionId) ? await this.decks.findVersion(deck.id, versionId) : null;
    if (!version) throw notFound('Version', versionId);
    return version;
  }

  /** Restores a version as a new revision: the current state is snapshotted first, nothing is lost. */
  async restoreVersion(viewer: Viewer, deck: Deck, versionId: string): Promise<DeckResult> {
    const version = await this.version(deck, versionId);
    const restored = await this.collaboration.replaceDocument(viewer, deck.id, splitDocument(version.snapshot as unknown as DocumentLike), { snapshotKind: 'AUTO_BEFORE_RESTORE' });
    if (!restored) throw notFound('Deck', deck.id);
    return { ok: true, deck: restored };
  }

  async compare(deck: Deck, fromVersionId: string, toVersionId: string | null) {
    const from = (await this.version(deck, fromVersionId)).snapshot as unknown as DocumentLike;
    const to = toVersionId ? ((await this.version(deck, toVersionId)).snapshot as unknown as DocumentLike) : await this.document(deck);
    return summariseChanges(from, to);
  }

  // ---------------------------------------------------------------- templates

  async publishTemplate(deck: Deck, visibility: TemplateVisibility | null): Promise<Deck> {
    return this.decks.setTemplate(deck.id, visibility);
  }

  /**
   * Deck fields change through the same operation path as every edit (logged, streamed, undoable);
   * with `expectedRevision`, a field someone changed after it is a STALE_REVISION. Every edit
   * first keeps an automatic snapshot when the last one is older than the interval.
   */
  private async update(viewer: Viewer, deck: Deck, props: Record<string, unknown>, expectedRevision?: number | null): Promise<DeckResult> {
    if (Object.keys(props).length === 0) return { ok: true, deck };
    await this.snapshotIfDue(viewer, deck);
    const operations: DeckOperation[] = [{ type: 'UPDATE_DECK', props }];
    const outcome = await this.collaboration.applyBatch(viewer, deck, { operations, baseRevision: expectedRevision ?? deck.revision });
    if (outcome.status === 'CONFLICT') return staleRevision({ ...deck, revision: outcome.revision });
    if (outcome.status === 'REJECTED') return userError(outcome.error.code, outcome.error.message, outcome.error.field?.replace(/^operations\.0\.props\./, '') ?? undefined);
    const updated = await this.decks.findByIds([deck.id]);
    return { ok: true, deck: updated[0]! };
  }
}

function staleRevision(deck: Deck): { ok: false; error: UserErrorShape } {
  return userError('STALE_REVISION', `The deck changed meanwhile (now at revision ${deck.revision}); reload and try again`, 'expectedRevision');
}

/** Copies get slide ids of their own, so the copy's slides never collide with the original's. */
function withFreshSlideIds(document: DocumentLike): DocumentLike {
  return { ...document, slides: document.slides.map((slide) => ({ ...slide, id: randomBytes(6).toString('base64url') })) };
}
