// Co-editing over REST: apply an operation batch, undo/redo, and follow a deck's events as
// Server-Sent Events with `Last-Event-ID` resume. Same GraphQL operations as every other client.
import type express from 'express';
import type { Gateway } from '../gateway.js';
import { runOperation, subscribeOperation } from './graphql-client.js';
import { bodyOf, type Caller, type Handler, optionalWholeNumber, requireToken } from './handler.js';
import { abortedOnClose, resumeAfter, sendServerSentEvents } from './response-stream.js';
import { RestError, restErrorFromUserError } from './standard-response.js';

interface BatchResult {
  status: 'APPLIED' | 'CONFLICT' | 'REJECTED';
  applied: boolean;
  revision: number;
  conflicts: Record<string, unknown>[];
  batch: { revision: number; kind: string; batchId: string; clientId: string | null; operations: unknown[]; at: string } | null;
  error: { code: string; message: string; field?: string | null } | null;
  lock: { slideId: string; elementId: string | null; clientId: string | null; agent: string | null; expiresAt: string; holder: { id: string } } | null;
}

interface DeckEvent {
  type: string;
  revision: number | null;
  kind: string | null;
  clientId: string | null;
  batchId: string | null;
  operations: unknown[] | null;
  reason: string | null;
  at: string;
  actor: { id: string } | null;
}

const snakeConflict = (c: Record<string, unknown>) => ({
  operation_index: c.operationIndex,
  code: c.code,
  message: c.message,
  slide_id: c.slideId,
  element_id: c.elementId,
  property: c.property,
  current_value: c.currentValue,
});

/** A batch outcome in the envelope: applied -> 200; conflicts -> 409; a lock -> 423; bad input -> 400. */
function batchResponse(result: BatchResult) {
  if (result.status === 'CONFLICT') {
    throw new RestError(409, 'CONFLICT', 'Some operations conflict with newer changes; nothing was applied', { revision: result.revision, conflicts: result.conflicts.map(snakeConflict) });
  }
  if (result.error) {
    const { error, lock } = result;
    if (error.code === 'LOCKED' && lock) {
      throw new RestError(423, 'RESOURCE_LOCKED', error.message, { holder_id: lock.holder.id, slide_id: lock.slideId, element_id: lock.elementId, expires_at: lock.expiresAt, agent: lock.agent });
    }
    if (error.code === 'NOT_FOUND') throw new RestError(404, 'RESOURCE_NOT_FOUND', error.message);
    if (error.code === 'NOTHING_TO_UNDO' || error.code === 'NOTHING_TO_REDO') throw new RestError(409, error.code, error.message);
    throw restErrorFromUserError(error);
  }
  const batch = result.batch!;
  return { data: { revision: result.revision, batch_id: batch.batchId, client_id: batch.clientId, kind: batch.kind, operations: batch.operations, applied_at: batch.at } };
}

function sseEvent(event: DeckEvent): string {
  const data = {
    type: event.type.toLowerCase(),
    revision: event.revision,
    kind: event.kind,
    actor_id: event.actor?.id ?? null,
    client_id: event.clientId,
    batch_id: event.batchId,
    operations: event.operations,
    reason: event.reason,
    created_at: event.at,
  };
  // Only logged events carry an id: that is what a reconnecting client resumes after.
  return `${event.revision !== null && event.type === 'OPERATIONS' ? `id: ${event.revision}\n` : ''}event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

const OPERATION_KEYS: Record<string, string> = { slide_id: 'slideId', element_id: 'elementId', after_slide_id: 'afterSlideId', element_ids: 'elementIds', group_id: 'groupId', base_revision: 'baseRevision' };

/** REST clients may name operation fields in snake_case (the facade's convention) or camelCase. */
function camelOperation(op: unknown): unknown {
  if (!op || typeof op !== 'object' || Array.isArray(op)) return op;
  return Object.fromEntries(Object.entries(op).map(([key, value]) => [OPERATION_KEYS[key] ?? key, value]));
}

export function mountCollaborationRoutes(router: express.Router, gateway: Gateway, route: (handler: Handler) => express.RequestHandler): void {
  const run = <T>(name: Parameters<typeof runOperation>[1], variables: Record<string, unknown>, caller: Caller) => {
    requireToken(caller);
    return runOperation<T>(gateway, name, variables, caller);
  };

  router.post(
    '/decks/:id/ops',
    route(async (req, caller) => {
      const body = bodyOf(req);
      const baseRevision = optionalWholeNumber(body.base_revision ?? body.baseRevision, 'base_revision');
      if (baseRevision === undefined) throw new RestError(400, 'INVALID_REQUEST', 'base_revision is required', { field: 'base_revision' });
      if (!Array.isArray(body.operations)) throw new RestError(400, 'INVALID_REQUEST', 'operations must be a list', { field: 'operations' });
      const input = { deckId: req.params.id, baseRevision, operations: body.operations.map(camelOperation), batchId: body.batch_id ?? null, clientId: body.client_id ?? null };
      const { result } = await run<{ result: BatchResult }>('ApplyDeckOperations', { input }, caller);
      return batchResponse(result);
    }),
  );

  for (const [path, operation] of [
    ['/decks/:id/undo', 'UndoDeckEdit'],
    ['/decks/:id/redo', 'RedoDeckEdit'],
  ] as const) {
    router.post(
      path,
      route(async (req, caller) => {
        const body = bodyOf(req);
        const { result } = await run<{ result: BatchResult }>(operation, { input: { deckId: req.params.id, batchId: body.batch_id ?? null, clientId: body.client_id ?? null } }, caller);
        return batchResponse(result);
      }),
    );
  }

  router.get(
    '/decks/:id/events',
    route(async (req, caller, res) => {
      const after = resumeAfter(req);
      // Access is checked before the stream starts, so refusals are ordinary 4xx answers.
      const { deck } = await run<{ deck: { revision: number } | null }>('DeckRevision', { id: req.params.id }, caller);
      if (!deck) throw new RestError(404, 'RESOURCE_NOT_FOUND', `Deck ${String(req.params.id)} not found`);
      const signal = abortedOnClose(res);
      const events = subscribeOperation<{ event: DeckEvent }>(gateway, 'DeckEvents', { id: req.params.id, after: after ?? deck.revision }, caller, signal);
      await sendServerSentEvents(res, events, signal, ({ event }) => sseEvent(event));
      return { sent: true };
    }),
  );
}
