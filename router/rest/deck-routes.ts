// /api/v1/decks in the StandardResponse envelope. Each route runs named GraphQL operations through
// the gateway; file formats (.json / .pptist) are converted here and validated again by decks.
import type express from 'express';
import type { Request } from 'express';
import { MAX_DOCUMENT_BYTES } from '../../lib/pptist/document.js';
import { exportDocument, importDocumentFile } from '../../lib/pptist/file.js';
import type { Gateway } from '../gateway.js';
import { runOperation } from './graphql-client.js';
import { bodyOf, type Caller, type Handler, requireString, requireToken } from './handler.js';
import { readMultipart } from './multipart.js';
import { type GraphDeck, restDeck } from './representations.js';
import { RestError, restErrorFromUserError } from './standard-response.js';

type Payload = { deck: GraphDeck | null; error: { code: string; message: string; field?: string | null } | null };
type DeckList = { hasNextPage: boolean; endCursor: string | null; edges: { node: GraphDeck }[] };

const LIST_SCOPES = { mine: 'MyDecks', shared: 'SharedDecks', templates: 'Templates' } as const;
// A .pptist file is base64 of the encrypted JSON: about 4/3 of the document's own limit.
const MAX_UPLOAD_BYTES = Math.ceil((MAX_DOCUMENT_BYTES * 4) / 3) + 1024;

function deckOf(payload: Payload, status = 200, message?: string) {
  if (payload.error || !payload.deck) {
    const error = payload.error ?? { code: 'UNKNOWN', message: 'Nothing changed' };
    if (error.code === 'NOT_FOUND') throw new RestError(404, 'RESOURCE_NOT_FOUND', error.message);
    if (error.code === 'STALE_REVISION') throw new RestError(409, 'CONFLICT', error.message, { code: error.code, field: error.field });
    throw restErrorFromUserError(error);
  }
  return { data: restDeck(payload.deck), status, message };
}

function optionalInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new RestError(400, 'INVALID_REQUEST', `${field} must be a whole number`, { field });
  return value;
}

/** The `file` field of a multipart upload, within the size limit. */
async function readUpload(req: Request): Promise<{ bytes: Buffer; filename: string; fields: Record<string, string> }> {
  const { files, fields } = await readMultipart(req, { fileFields: ['file'], maxFiles: 1, maxFileBytes: MAX_UPLOAD_BYTES });
  const upload = files[0];
  if (!upload) throw new RestError(400, 'INVALID_REQUEST', 'No file in the field "file"', { field: 'file' });
  if (upload.tooLarge) throw new RestError(413, 'INVALID_REQUEST', `File is larger than ${MAX_UPLOAD_BYTES} bytes`, { field: 'file' });
  return { bytes: upload.bytes, filename: upload.filename, fields };
}

interface GraphComment {
  id: string;
  slideId: string;
  elementId: string | null;
  content: string;
  createdAt: string;
  author: { name: string } | null;
  replies: Omit<GraphComment, 'slideId' | 'elementId' | 'replies'>[];
}
type ExportedDocument = { slides: ({ id: string; notes?: { id: string }[] } & Record<string, unknown>)[] } & Record<string, unknown>;

/** Comment threads become PPTist `notes` on their slides, so PPTist shows them after an export. */
function withCommentsAsNotes(document: ExportedDocument, comments: GraphComment[]): ExportedDocument {
  const note = (c: Omit<GraphComment, 'slideId' | 'elementId' | 'replies'>) => ({ id: c.id, content: c.content, time: Date.parse(c.createdAt), user: c.author?.name ?? '' });
  return {
    ...document,
    slides: document.slides.map((slide) => {
      const threads = comments.filter((c) => c.slideId === slide.id);
      if (threads.length === 0) return slide;
      const ours = new Set(threads.map((c) => c.id));
      const kept = (slide.notes ?? []).filter((n) => !ours.has(n.id));
      return { ...slide, notes: [...kept, ...threads.map((c) => ({ ...note(c), ...(c.elementId && { elId: c.elementId }), replies: c.replies.map(note) }))] };
    }),
  };
}

export function mountDeckRoutes(router: express.Router, gateway: Gateway, route: (handler: Handler) => express.RequestHandler): void {
  const run = <T>(name: Parameters<typeof runOperation>[1], variables: Record<string, unknown>, caller: Caller) => {
    requireToken(caller);
    return runOperation<T>(gateway, name, variables, caller);
  };

  router.get(
    '/decks',
    route(async (req, caller) => {
      const scope = String(req.query.scope ?? 'mine') as keyof typeof LIST_SCOPES;
      if (!(scope in LIST_SCOPES)) throw new RestError(400, 'INVALID_REQUEST', 'scope must be mine, shared or templates', { field: 'scope' });
      const limit = Number(req.query.limit ?? 20);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RestError(400, 'INVALID_REQUEST', 'limit must be 1 to 100', { field: 'limit' });
      const { list } = await run<{ list: DeckList }>(LIST_SCOPES[scope], { first: limit, after: req.query.cursor ?? null, query: req.query.query ?? null }, caller);
      return { data: { items: list.edges.map((edge) => restDeck(edge.node)), limit, has_more: list.hasNextPage, next_cursor: list.hasNextPage ? list.endCursor : null } };
    }),
  );

  router.post(
    '/decks',
    route(async (req, caller) => {
      const body = bodyOf(req);
      const input = { title: requireString(body, 'title'), document: body.document, templateId: body.template_id ?? null };
      const { result } = await run<{ result: Payload }>('CreateDeck', { input }, caller);
      return deckOf(result, 201, 'Deck created');
    }),
  );

  router.post(
    '/decks/import',
    route(async (req, caller) => {
      requireToken(caller);
      const upload = await readUpload(req);
      const imported = importDocumentFile(upload.bytes, upload.filename);
      if (!imported.ok) throw new RestError(imported.message.includes('larger than') ? 413 : 400, 'INVALID_REQUEST', imported.message, { field: imported.path });
      const title = (upload.fields.title ?? imported.document.title) || upload.filename.replace(/\.(json|pptist)$/i, '') || 'Imported deck';
      const { result } = await run<{ result: Payload }>('CreateDeck', { input: { title, document: imported.document } }, caller);
      return deckOf(result, 201, 'Deck imported');
    }),
  );

  router.get(
    '/decks/:id',
    route(async (req, caller) => {
      const { deck } = await run<{ deck: GraphDeck | null }>('DeckById', { id: req.params.id }, caller);
      if (!deck) throw new RestError(404, 'RESOURCE_NOT_FOUND', `Deck ${String(req.params.id)} not found`);
      return { data: restDeck(deck) };
    }),
  );

  router.patch(
    '/decks/:id',
    route(async (req, caller) => {
      const body = bodyOf(req);
      const expectedRevision = optionalInt(body.expected_revision, 'expected_revision');
      let payload: Payload | undefined;
      if (body.title !== undefined) {
        if (typeof body.title !== 'string') throw new RestError(400, 'INVALID_REQUEST', 'title must be a string', { field: 'title' });
        payload = (await run<{ result: Payload }>('RenameDeck', { input: { id: req.params.id, title: body.title, expectedRevision } }, caller)).result;
        if (payload.error) return deckOf(payload);
      }
      if (body.theme !== undefined || body.width !== undefined || body.height !== undefined) {
        const revision = payload?.deck ? payload.deck.revision : expectedRevision;
        const input = { id: req.params.id, theme: body.theme ?? null, width: body.width ?? null, height: body.height ?? null, expectedRevision: revision };
        payload = (await run<{ result: Payload }>('UpdateDeckSettings', { input }, caller)).result;
      }
      if (!payload) throw new RestError(400, 'INVALID_REQUEST', 'Nothing to change: send title, theme, width or height');
      return deckOf(payload, 200, 'Deck updated');
    }),
  );

  router.delete(
    '/decks/:id',
    route(async (req, caller) => {
      const { deleteDeck } = await run<{ deleteDeck: { id: string; deletedAt: string } }>('DeleteDeck', { id: req.params.id }, caller);
      return { data: { id: deleteDeck.id, deleted_at: deleteDeck.deletedAt }, message: 'Deck moved to the bin' };
    }),
  );

  router.post(
    '/decks/:id/duplicate',
    route(async (req, caller) => {
      const body = bodyOf(req);
      const { result } = await run<{ result: Payload }>('DuplicateDeck', { id: req.params.id, title: typeof body.title === 'string' ? body.title : null }, caller);
      return deckOf(result, 201, 'Deck duplicated');
    }),
  );

  router.get(
    '/decks/:id/export',
    // On success the answer is the file itself (not the envelope), so a browser can save it.
    route(async (req, caller, res) => {
      const format = String(req.query.format ?? 'json');
      if (format !== 'json' && format !== 'pptist') throw new RestError(400, 'INVALID_REQUEST', 'format must be json or pptist', { field: 'format' });
      const { deck } = await run<{ deck: { title: string; document: ExportedDocument; comments: GraphComment[] } | null }>('DeckExport', { id: req.params.id }, caller);
      if (!deck) throw new RestError(404, 'RESOURCE_NOT_FOUND', 'Deck not found');
      const file = exportDocument(withCommentsAsNotes(deck.document, deck.comments) as Parameters<typeof exportDocument>[0], format);
      const name = `${deck.title.replace(/[^\p{L}\p{N} ._-]+/gu, '_').slice(0, 80) || 'deck'}.${file.extension}`;
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Disposition', `attachment; filename="deck.${file.extension}"; filename*=UTF-8''${encodeURIComponent(name)}`);
      res.status(200).send(file.body);
      return { sent: true };
    }),
  );

  router.get(
    '/decks/:id/versions',
    route(async (req, caller) => {
      const { deck } = await run<{ deck: { versions: unknown[] } | null }>('DeckVersions', { id: req.params.id }, caller);
      if (!deck) throw new RestError(404, 'RESOURCE_NOT_FOUND', 'Deck not found');
      return { data: { items: deck.versions, total: deck.versions.length } };
    }),
  );

  router.post(
    '/decks/:id/versions',
    route(async (req, caller) => {
      const { version } = await run<{ version: unknown }>('CreateDeckVersion', { id: req.params.id, name: requireString(bodyOf(req), 'name') }, caller);
      return { data: version, status: 201, message: 'Version saved' };
    }),
  );

  router.post(
    '/decks/:id/versions/:versionId/restore',
    route(async (req, caller) => {
      const { result } = await run<{ result: Payload }>('RestoreDeckVersion', { id: req.params.id, versionId: req.params.versionId }, caller);
      return deckOf(result, 200, 'Version restored');
    }),
  );

  router.get(
    '/decks/:id/collaborators',
    route(async (req, caller) => {
      const { deck } = await run<{ deck: { collaborators: { role: string; addedAt: string; user: { id: string; name: string; email: string | null } }[] } | null }>('DeckCollaborators', { id: req.params.id }, caller);
      if (!deck) throw new RestError(404, 'RESOURCE_NOT_FOUND', 'Deck not found');
      const items = deck.collaborators.map((c) => ({ user_id: c.user.id, name: c.user.name, email: c.user.email, role: c.role.toLowerCase(), added_at: c.addedAt }));
      return { data: { items, total: items.length } };
    }),
  );

  router.post(
    '/decks/:id/collaborators',
    route(async (req, caller) => {
      const body = bodyOf(req);
      const role = requireString(body, 'role').toUpperCase();
      if (!['EDITOR', 'COMMENTER', 'VIEWER'].includes(role)) throw new RestError(400, 'INVALID_REQUEST', 'role must be editor, commenter or viewer', { field: 'role' });
      const { userByEmail } = await run<{ userByEmail: { id: string } | null }>('UserByEmail', { email: requireString(body, 'email') }, caller);
      if (!userByEmail) throw new RestError(404, 'RESOURCE_NOT_FOUND', 'No account with that email', { field: 'email' });
      const { result } = await run<{ result: Payload }>('ShareDeck', { input: { deckId: req.params.id, userId: userByEmail.id, role } }, caller);
      return deckOf(result, 200, 'Collaborator saved');
    }),
  );

  router.delete(
    '/decks/:id/collaborators/:userId',
    route(async (req, caller) => {
      const { result } = await run<{ result: Payload }>('UnshareDeck', { id: req.params.id, userId: req.params.userId }, caller);
      return deckOf(result, 200, 'Collaborator removed');
    }),
  );

  router.post(
    '/decks/:id/share-link',
    route(async (req, caller) => {
      const { link } = await run<{ link: { token: string } }>('CreateShareLink', { id: req.params.id }, caller);
      return { data: { token: link.token }, status: 201, message: 'Link created; open it with Query.sharedDeck(token)' };
    }),
  );

  router.delete(
    '/decks/:id/share-link',
    route(async (req, caller) => {
      await run('RevokeShareLink', { id: req.params.id }, caller);
      return { data: { revoked: true }, message: 'Link revoked' };
    }),
  );
}
