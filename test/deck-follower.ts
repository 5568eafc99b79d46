// A co-editing client as an editor would be one: it loads the deck, follows `deckEvents` over
// graphql-ws from the loaded revision, and keeps its own copy by replaying each batch with the same
// operation engine the server runs. Tests and bench/collab compare its copy with the server's.
import type { Client } from 'graphql-ws';
import { emptyDocument } from '../lib/pptist/document.js';
import { applyOperations, type DeckOperation, type DeckState, stateFromDocument } from '../subgraphs/decks/deck-operations.js';
import { gql, wsClient } from './stack.js';

export interface DeckEventPayload {
  type: string;
  revision: number | null;
  kind: string | null;
  clientId: string | null;
  batchId: string | null;
  operations: DeckOperation[] | null;
  reason: string | null;
  actor: { id: string } | null;
}

/** A valid PPTist text element whose text is its id (co-editing tests and benches edit these). */
export function textElement(id: string, overrides: Record<string, unknown> = {}): { id: string } & Record<string, unknown> {
  return { id, type: 'text', left: 10, top: 20, width: 300, height: 60, rotate: 0, content: `<p>${id}</p>`, defaultFontName: 'Arial', defaultColor: '#333333', ...overrides };
}

/** A whole document with PPTist's default theme and canvas, and these slides. */
export function documentWithSlides(title: string, slides: ({ id: string } & Record<string, unknown>)[]) {
  return { ...emptyDocument(title), slides };
}

/**
 * One operation an editor might make on its (possibly stale) copy: insert, delete or move a slide,
 * move or insert an element. Randomized co-editing tests build their batches from these.
 */
export function randomEdit(state: DeckState, random: () => number, newId: () => string): DeckOperation {
  const pick = <T>(items: T[]): T | undefined => items[Math.floor(random() * items.length)];
  const slides = state.slides;
  const target = pick(slides);
  const roll = random();
  if (!target || roll < 0.25) {
    const id = newId();
    return { type: 'INSERT_SLIDE', slide: { id, elements: [textElement(`${id}-t`)], background: { type: 'solid', color: '#ffffff' } }, afterSlideId: pick(slides)?.id ?? null };
  }
  if (roll < 0.4 && slides.length > 1) return { type: 'DELETE_SLIDE', slideId: target.id };
  if (roll < 0.6) return { type: 'MOVE_SLIDE', slideId: target.id, afterSlideId: pick(slides.filter((s) => s.id !== target.id))?.id ?? null };
  const element = pick((target.content?.elements ?? []) as { id: string }[]);
  return element
    ? { type: 'UPDATE_ELEMENT', slideId: target.id, elementId: element.id, props: { left: Math.floor(random() * 600), top: Math.floor(random() * 400) } }
    : { type: 'INSERT_ELEMENT', slideId: target.id, element: textElement(newId()) };
}

const EVENT_FIELDS = 'type revision kind clientId batchId operations reason actor { id }';
const BATCH_FIELDS = `status applied revision conflicts { operationIndex code message slideId elementId property currentValue }
  batch { revision batchId } error { code message field } lock { slideId elementId holder { id } expiresAt }`;

export interface BatchResult {
  status: 'APPLIED' | 'CONFLICT' | 'REJECTED';
  applied: boolean;
  revision: number;
  conflicts: { operationIndex: number; code: string; message: string; slideId: string | null; elementId: string | null; property: string | null; currentValue: unknown }[];
  batch: { revision: number; batchId: string } | null;
  error: { code: string; message: string; field: string | null } | null;
  lock: { slideId: string; elementId: string | null; holder: { id: string }; expiresAt: string } | null;
}

/** The deck as the server has it now, as operation state (for comparisons). */
export async function serverState(routerUrl: string, token: string, deckId: string): Promise<{ revision: number; state: DeckState }> {
  const result = await gql(`${routerUrl}/graphql`, 'query($id: ID!) { deck(id: $id) { revision title theme width height slides { id orderKey content } } }', { id: deckId }, token);
  const deck = result.data?.deck;
  if (!deck) throw new Error(`cannot load deck: ${JSON.stringify(result.errors)}`);
  const slides = (deck.slides as { id: string; orderKey: string; content: Record<string, unknown> }[]).map(({ id, orderKey, content }) => {
    const { id: _id, ...rest } = content;
    return { id, orderKey, content: rest };
  });
  return { revision: deck.revision as number, state: stateFromDocument(deck, slides) };
}

/** Comparable form of a state: slides in order with keys and content, and the deck fields. */
export function comparable(state: DeckState) {
  return { fields: state.fields, slides: state.slides.map((s) => ({ id: s.id, orderKey: s.orderKey, content: s.content })) };
}

export async function applyBatch(routerUrl: string, token: string, input: { deckId: string; baseRevision: number; operations: DeckOperation[] | Record<string, unknown>[]; batchId?: string; clientId?: string }): Promise<BatchResult> {
  const result = await gql(`${routerUrl}/graphql`, `mutation($input: ApplyDeckOperationsInput!) { applyDeckOperations(input: $input) { ${BATCH_FIELDS} } }`, { input }, token);
  if (!result.data?.applyDeckOperations) throw Object.assign(new Error(`applyDeckOperations failed: ${JSON.stringify(result.errors)}`), { errors: result.errors });
  return result.data.applyDeckOperations as BatchResult;
}

export async function revert(routerUrl: string, token: string, which: 'undoDeckEdit' | 'redoDeckEdit', deckId: string): Promise<BatchResult> {
  const result = await gql(`${routerUrl}/graphql`, `mutation($input: RevertDeckEditInput!) { ${which}(input: $input) { ${BATCH_FIELDS} } }`, { input: { deckId } }, token);
  if (!result.data?.[which]) throw new Error(`${which} failed: ${JSON.stringify(result.errors)}`);
  return result.data[which] as BatchResult;
}

export class DeckFollower {
  readonly events: DeckEventPayload[] = [];
  /** Set when the stream ended with an error (e.g. FORBIDDEN at subscribe time). */
  error: unknown;
  ended = false;
  private waiters: { until: (f: DeckFollower) => boolean; resolve: () => void }[] = [];
  private readonly client: Client;
  private unsubscribe: () => void = () => undefined;

  private constructor(
    routerUrl: string,
    token: string,
    readonly deckId: string,
    public state: DeckState,
    public revision: number,
    /** Called with each event as it arrives (latency measurement). */
    private readonly onEvent?: (event: DeckEventPayload) => void,
    /** False: `events` keeps each event's type, revision and batch id only (bench/collab's fifty
     *  followers would otherwise hold every payload, and their garbage collection would show up
     *  in the latencies they measure). */
    private readonly keepPayloads = true,
  ) {
    this.client = wsClient(routerUrl, { authorization: `Bearer ${token}` });
  }

  /** Loads the deck and follows it from the loaded revision (or `fromRevision`, with `state`). */
  static async open(
    routerUrl: string,
    token: string,
    deckId: string,
    options: { from?: { revision: number; state: DeckState }; onEvent?: (event: DeckEventPayload) => void; keepPayloads?: boolean } = {},
  ): Promise<DeckFollower> {
    const start = options.from ?? (await serverState(routerUrl, token, deckId));
    const follower = new DeckFollower(routerUrl, token, deckId, structuredClone(start.state), start.revision, options.onEvent, options.keepPayloads);
    follower.follow();
    return follower;
  }

  private follow(): void {
    this.unsubscribe = this.client.subscribe<{ deckEvents: DeckEventPayload }>(
      { query: `subscription($id: ID!, $after: Int!) { deckEvents(deckId: $id, afterRevision: $after) { ${EVENT_FIELDS} } }`, variables: { id: this.deckId, after: this.revision } },
      {
        next: (message) => {
          if (message.errors) {
            this.error = message.errors;
            return;
          }
          const event = message.data!.deckEvents;
          this.onEvent?.(event);
          this.events.push(this.keepPayloads ? event : { type: event.type, revision: event.revision, batchId: event.batchId, kind: null, clientId: null, operations: null, reason: null, actor: null });
          if (event.type === 'OPERATIONS') {
            if (event.revision !== this.revision + 1) this.error = new Error(`revision ${event.revision} after ${this.revision}: a gap or a duplicate`);
            applyOperations(this.state, event.operations!, { revision: event.revision!, baseRevision: this.revision, mode: 'replay' });
            this.revision = event.revision!;
          }
          this.check();
        },
        error: (error) => {
          this.error = error;
          this.ended = true;
          this.check();
        },
        complete: () => {
          this.ended = true;
          this.check();
        },
      },
    );
  }

  /** Resolves once `until` holds (checked after every event), or rejects after `timeoutMs`. */
  waitUntil(until: (f: DeckFollower) => boolean, timeoutMs = 10_000): Promise<void> {
    if (until(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out at revision ${this.revision} (${this.events.length} events, ended=${this.ended}, error=${String(this.error)})`)), timeoutMs);
      this.waiters.push({ until, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  waitForRevision(revision: number, timeoutMs?: number): Promise<void> {
    return this.waitUntil((f) => f.revision >= revision, timeoutMs);
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.until(this)) return true;
      w.resolve();
      return false;
    });
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.client.dispose();
  }
}
