// Deck operations: the one vocabulary every editor (people, the AI, REST clients) changes a deck
// with. Pure code over an in-memory DeckState, so the server (checking conflicts) and a client
// (replaying the log) run the same rules and end with the same document.
//
// Conflicts are property-level. Every slide keeps a clock: the revision at which each slide field,
// the slide's position, and each element's properties and z-order last changed. An operation based
// on revision B that changes property P conflicts only if P changed after B to a different value
// than the one it sets; two people changing different properties of one element both win.
import { z } from 'zod';
import { MAX_ID_CHARS, MAX_SLIDES, MAX_TITLE_CHARS, parseSlide, PptistThemeSchema } from '../../lib/pptist/document.js';
import { keyBetween } from '../../lib/order-key.js';

export const OPERATION_TYPES = [
  'INSERT_SLIDE',
  'DELETE_SLIDE',
  'MOVE_SLIDE',
  'UPDATE_SLIDE',
  'INSERT_ELEMENT',
  'UPDATE_ELEMENT',
  'DELETE_ELEMENT',
  'REORDER_ELEMENT',
  'GROUP_ELEMENTS',
  'UNGROUP_ELEMENTS',
  'UPDATE_DECK',
] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

/** Slide fields an UPDATE_SLIDE may set (`turningMode` is PPTist's slide transition). */
export const SLIDE_FIELDS = ['background', 'remark', 'notes', 'type', 'turningMode', 'animations', 'sectionTag'] as const;
export const DECK_FIELDS = ['title', 'theme', 'width', 'height'] as const;
/** An element's identity and kind never change in place: delete and insert instead. */
const FIXED_ELEMENT_PROPS = new Set(['id', 'type']);
export const MAX_OPERATIONS_PER_BATCH = 500;

export const CONFLICT_CODES = ['CHANGED_SINCE_BASE', 'TARGET_MISSING', 'DUPLICATE_ID', 'INVALID_TARGET'] as const;
export type ConflictCode = (typeof CONFLICT_CODES)[number];

type Json = unknown;
type JsonObject = Record<string, Json>;

const Id = z.string().min(1).max(MAX_ID_CHARS);
const Props = z.record(z.string().min(1).max(64), z.unknown()).refine((p) => Object.keys(p).length > 0, 'props must name at least one property');
const WithId = z.looseObject({ id: Id });
const Base = { baseRevision: z.number().int().min(0).optional() };

/** The wire and log form of one operation (GraphQL input, REST body and log rows share it). */
export const DeckOperationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('INSERT_SLIDE'), slide: WithId, afterSlideId: Id.nullable().optional(), orderKey: z.string().optional(), ...Base }),
  z.object({ type: z.literal('DELETE_SLIDE'), slideId: Id, ...Base }),
  z.object({ type: z.literal('MOVE_SLIDE'), slideId: Id, afterSlideId: Id.nullable().optional(), orderKey: z.string().optional(), ...Base }),
  z.object({ type: z.literal('UPDATE_SLIDE'), slideId: Id, props: Props, ...Base }),
  z.object({ type: z.literal('INSERT_ELEMENT'), slideId: Id, element: WithId, index: z.number().int().min(0).optional(), ...Base }),
  z.object({ type: z.literal('UPDATE_ELEMENT'), slideId: Id, elementId: Id, props: Props, ...Base }),
  z.object({ type: z.literal('DELETE_ELEMENT'), slideId: Id, elementId: Id, ...Base }),
  z.object({ type: z.literal('REORDER_ELEMENT'), slideId: Id, elementId: Id, index: z.number().int().min(0), ...Base }),
  z.object({ type: z.literal('GROUP_ELEMENTS'), slideId: Id, elementIds: z.array(Id).min(2).max(500), groupId: Id, ...Base }),
  z.object({ type: z.literal('UNGROUP_ELEMENTS'), slideId: Id, groupId: Id, ...Base }),
  z.object({ type: z.literal('UPDATE_DECK'), props: Props, ...Base }),
]);
export type DeckOperation = z.infer<typeof DeckOperationSchema>;
export const DeckOperationListSchema = z.array(DeckOperationSchema).min(1, 'send at least one operation').max(MAX_OPERATIONS_PER_BATCH, `at most ${MAX_OPERATIONS_PER_BATCH} operations per batch`);

export interface SlideClock {
  /** slide field -> revision */
  f?: Record<string, number>;
  /** position among slides */
  o?: number;
  /** element id -> z-order revision and property revisions */
  e?: Record<string, { z?: number; p?: Record<string, number> }>;
}

export interface SlideState {
  id: string;
  orderKey: string;
  /** The slide without its id; absent when the server did not load it (no operation targets it). */
  content?: JsonObject & { elements?: JsonObject[] };
  clock?: SlideClock;
}

export interface DeckState {
  fields: { title: string; theme: Json; width: number; height: number };
  fieldClock: Record<string, number>;
  /** Slides in order (ascending orderKey). */
  slides: SlideState[];
}

export interface OperationConflict {
  operationIndex: number;
  code: ConflictCode;
  message: string;
  slideId?: string;
  elementId?: string;
  property?: string;
  /** The server's current value of the contested property (or target), so the client can rebase. */
  currentValue?: Json;
}

export interface ApplyResult {
  conflicts: OperationConflict[];
  /** A problem with the batch itself (bad value, invalid slide): the client's mistake. */
  invalid?: { message: string; path: string };
  /** The operations as applied (order keys resolved), for the log and subscribers. */
  applied: DeckOperation[];
  /** The operations that revert this batch, in the order to apply them. */
  inverse: DeckOperation[];
  changes: { deck: boolean; written: Set<string>; deleted: Set<string> };
}

export interface ApplyOptions {
  /** The revision this batch becomes; every changed property's clock is set to it. */
  revision: number;
  /** The revision operations were based on, unless an operation names its own. */
  baseRevision: number;
  /** Server mode checks conflicts and validity; replay (a client following the log) trusts the log. */
  mode: 'server' | 'replay';
}

/** Every slide an operation list reads or writes (the server loads exactly these). */
export function targetedSlideIds(operations: readonly DeckOperation[]): Set<string> {
  const ids = new Set<string>();
  for (const op of operations) {
    if ('slideId' in op) ids.add(op.slideId);
    if (op.type === 'INSERT_SLIDE') ids.add(op.slide.id);
  }
  return ids;
}

/** Applies a batch to `state` in place. On conflicts or invalid input the state is to be discarded. */
export function applyOperations(state: DeckState, operations: readonly DeckOperation[], options: ApplyOptions): ApplyResult {
  return new BatchApplier(state, options).run(operations);
}

class BatchApplier {
  private readonly result: ApplyResult = { conflicts: [], applied: [], inverse: [], changes: { deck: false, written: new Set(), deleted: new Set() } };
  private readonly inverse: DeckOperation[][] = [];
  private index = 0;
  private base = 0;

  constructor(
    private readonly state: DeckState,
    private readonly options: ApplyOptions,
  ) {}

  run(operations: readonly DeckOperation[]): ApplyResult {
    operations.forEach((op, index) => {
      this.index = index;
      this.base = op.baseRevision ?? this.options.baseRevision;
      const undo: DeckOperation[] = [];
      const applied = this.apply(op, undo);
      if (applied) {
        this.result.applied.push(applied);
        this.inverse.push(undo);
      }
    });
    this.result.inverse = this.inverse.reverse().flat();
    if (this.options.mode === 'server' && this.result.conflicts.length === 0) this.validate();
    return this.result;
  }

  private apply(op: DeckOperation, undo: DeckOperation[]): DeckOperation | null {
    switch (op.type) {
      case 'UPDATE_DECK':
        return this.updateDeck(op, undo);
      case 'INSERT_SLIDE':
        return this.insertSlide(op, undo);
      case 'DELETE_SLIDE':
        return this.deleteSlide(op, undo);
      case 'MOVE_SLIDE':
        return this.moveSlide(op, undo);
      case 'UPDATE_SLIDE':
        return this.updateSlide(op, undo);
      case 'INSERT_ELEMENT':
        return this.insertElement(op, undo);
      case 'UPDATE_ELEMENT':
        return this.updateElement(op, undo);
      case 'DELETE_ELEMENT':
        return this.deleteElement(op, undo);
      case 'REORDER_ELEMENT':
        return this.reorderElement(op, undo);
      case 'GROUP_ELEMENTS':
        return this.group(op, undo);
      case 'UNGROUP_ELEMENTS':
        return this.ungroup(op, undo);
    }
  }

  // ---------------------------------------------------------------- deck

  private updateDeck(op: Extract<DeckOperation, { type: 'UPDATE_DECK' }>, undo: DeckOperation[]): DeckOperation | null {
    const fields = this.state.fields as unknown as JsonObject;
    for (const [name, value] of Object.entries(op.props)) {
      if (!(DECK_FIELDS as readonly string[]).includes(name)) return this.invalid(`props.${name}`, `UPDATE_DECK may set ${DECK_FIELDS.join(', ')}`);
      const problem = deckFieldProblem(name, value);
      if (problem) return this.invalid(`props.${name}`, problem);
      if (this.changedSince(this.state.fieldClock[name], fields[name], value)) return this.conflict({ code: 'CHANGED_SINCE_BASE', property: name, currentValue: fields[name] });
    }
    const previous: JsonObject = {};
    for (const [name, value] of Object.entries(op.props)) {
      previous[name] = fields[name];
      // A property's clock moves only when its value does: editors resend unchanged properties.
      if (!sameJson(fields[name], value)) this.state.fieldClock[name] = this.options.revision;
      fields[name] = value;
    }
    undo.push({ type: 'UPDATE_DECK', props: previous });
    this.result.changes.deck = true;
    return op;
  }

  // ---------------------------------------------------------------- slides

  private insertSlide(op: Extract<DeckOperation, { type: 'INSERT_SLIDE' }>, undo: DeckOperation[]): DeckOperation | null {
    // Copied: later operations of the batch change the state, never the logged operation.
    const { id, ...content } = structuredClone(op.slide);
    if (this.position(id) >= 0) return this.conflict({ code: 'DUPLICATE_ID', slideId: id, message: `slide ${id} already exists` });
    if (this.options.mode === 'server' && this.state.slides.length >= MAX_SLIDES) return this.invalid('slide', `a deck may have at most ${MAX_SLIDES} slides`);
    const orderKey = this.placement(op.afterSlideId ?? null, op.orderKey);
    if (orderKey === null) return null;
    const clock: SlideClock = { f: {}, o: this.options.revision, e: {} };
    for (const element of (content.elements as JsonObject[] | undefined) ?? []) clock.e![String(element.id)] = { z: this.options.revision, p: {} };
    this.place({ id, orderKey, content: content as SlideState['content'], clock });
    this.result.changes.written.add(id);
    this.result.changes.deleted.delete(id);
    undo.push({ type: 'DELETE_SLIDE', slideId: id });
    return { ...op, afterSlideId: op.afterSlideId ?? null, orderKey };
  }

  private deleteSlide(op: Extract<DeckOperation, { type: 'DELETE_SLIDE' }>, undo: DeckOperation[]): DeckOperation | null {
    const at = this.position(op.slideId);
    const slide = this.slide(op.slideId);
    if (!slide) return this.missing(op.slideId);
    // Deleting what someone changed after your base would silently drop their work (an undo of
    // an insert, most often): report it instead.
    const changed = latestChange(slide.clock);
    if (this.changedSince(changed, 'changed', 'deleted')) return this.conflict({ code: 'CHANGED_SINCE_BASE', slideId: slide.id, message: `slide ${slide.id} changed at revision ${changed} after your base ${this.base}`, currentValue: { id: slide.id, ...slide.content } });
    this.state.slides.splice(at, 1);
    undo.push({ type: 'INSERT_SLIDE', slide: { id: slide.id, ...slide.content }, afterSlideId: this.state.slides[at - 1]?.id ?? null });
    this.result.changes.written.delete(slide.id);
    this.result.changes.deleted.add(slide.id);
    return op;
  }

  private moveSlide(op: Extract<DeckOperation, { type: 'MOVE_SLIDE' }>, undo: DeckOperation[]): DeckOperation | null {
    const at = this.position(op.slideId);
    const slide = this.state.slides[at];
    if (!slide) return this.missing(op.slideId);
    if (op.afterSlideId === op.slideId) return this.conflict({ code: 'INVALID_TARGET', slideId: op.slideId, message: 'a slide cannot move after itself' });
    const previousId = this.state.slides[at - 1]?.id ?? null;
    if (this.changedSince(slide.clock?.o, previousId, op.afterSlideId ?? null)) {
      return this.conflict({ code: 'CHANGED_SINCE_BASE', slideId: slide.id, property: 'position', currentValue: { afterSlideId: previousId } });
    }
    if (this.options.mode === 'server' && previousId === (op.afterSlideId ?? null)) {
      // Already there: nothing moves, so nobody's later move of it can conflict with this one.
      undo.push({ type: 'MOVE_SLIDE', slideId: slide.id, afterSlideId: previousId });
      return { ...op, afterSlideId: previousId, orderKey: slide.orderKey };
    }
    this.state.slides.splice(at, 1);
    const orderKey = this.placement(op.afterSlideId ?? null, op.orderKey);
    if (orderKey === null) {
      this.state.slides.splice(at, 0, slide);
      return null;
    }
    slide.orderKey = orderKey;
    slide.clock = { ...slide.clock, o: this.options.revision };
    this.place(slide);
    this.result.changes.written.add(slide.id);
    undo.push({ type: 'MOVE_SLIDE', slideId: slide.id, afterSlideId: previousId });
    return { ...op, afterSlideId: op.afterSlideId ?? null, orderKey };
  }

  private updateSlide(op: Extract<DeckOperation, { type: 'UPDATE_SLIDE' }>, undo: DeckOperation[]): DeckOperation | null {
    const slide = this.slide(op.slideId);
    if (!slide) return this.missing(op.slideId);
    const content = slide.content!;
    const clock = (slide.clock!.f ??= {});
    for (const [name, value] of Object.entries(op.props)) {
      if (!(SLIDE_FIELDS as readonly string[]).includes(name)) return this.invalid(`props.${name}`, `UPDATE_SLIDE may set ${SLIDE_FIELDS.join(', ')}`);
      if (this.changedSince(clock[name], content[name], value)) return this.conflict({ code: 'CHANGED_SINCE_BASE', slideId: slide.id, property: name, currentValue: content[name] ?? null });
    }
    const previous = setProps(content, op.props);
    undo.push({ type: 'UPDATE_SLIDE', slideId: slide.id, props: previous });
    for (const name of Object.keys(op.props)) if (!sameJson(previous[name], op.props[name])) clock[name] = this.options.revision;
    this.result.changes.written.add(slide.id);
    return op;
  }

  // ---------------------------------------------------------------- elements

  private insertElement(op: Extract<DeckOperation, { type: 'INSERT_ELEMENT' }>, undo: DeckOperation[]): DeckOperation | null {
    const slide = this.slide(op.slideId);
    if (!slide) return this.missing(op.slideId);
    const elements = (slide.content!.elements ??= []);
    if (elements.some((e) => e.id === op.element.id)) return this.conflict({ code: 'DUPLICATE_ID', slideId: slide.id, elementId: op.element.id, message: `element ${op.element.id} already exists` });
    const index = Math.min(op.index ?? elements.length, elements.length);
    elements.splice(index, 0, structuredClone(op.element));
    (slide.clock!.e ??= {})[op.element.id] = { z: this.options.revision, p: {} };
    this.result.changes.written.add(slide.id);
    undo.push({ type: 'DELETE_ELEMENT', slideId: slide.id, elementId: op.element.id });
    return { ...op, index };
  }

  private updateElement(op: Extract<DeckOperation, { type: 'UPDATE_ELEMENT' }>, undo: DeckOperation[]): DeckOperation | null {
    const found = this.element(op.slideId, op.elementId);
    if (!found) return null;
    const { slide, element } = found;
    const clock = this.elementClock(slide, element.id as string);
    for (const [name, value] of Object.entries(op.props)) {
      if (FIXED_ELEMENT_PROPS.has(name)) return this.invalid(`props.${name}`, `an element's ${name} cannot change`);
      if (this.changedSince(clock.p![name], element[name], value)) {
        return this.conflict({ code: 'CHANGED_SINCE_BASE', slideId: slide.id, elementId: op.elementId, property: name, currentValue: element[name] ?? null });
      }
    }
    const previous = setProps(element, op.props);
    undo.push({ type: 'UPDATE_ELEMENT', slideId: slide.id, elementId: op.elementId, props: previous });
    for (const name of Object.keys(op.props)) if (!sameJson(previous[name], op.props[name])) clock.p![name] = this.options.revision;
    this.result.changes.written.add(slide.id);
    return op;
  }

  private deleteElement(op: Extract<DeckOperation, { type: 'DELETE_ELEMENT' }>, undo: DeckOperation[]): DeckOperation | null {
    const found = this.element(op.slideId, op.elementId);
    if (!found) return null;
    const elements = found.slide.content!.elements!;
    const clock = found.slide.clock!.e?.[op.elementId];
    const changed = Math.max(clock?.z ?? 0, ...Object.values(clock?.p ?? {}));
    if (this.changedSince(changed, 'changed', 'deleted')) return this.conflict({ code: 'CHANGED_SINCE_BASE', slideId: op.slideId, elementId: op.elementId, message: `element ${op.elementId} changed at revision ${changed} after your base ${this.base}`, currentValue: found.element });
    const index = elements.indexOf(found.element);
    elements.splice(index, 1);
    delete found.slide.clock!.e?.[op.elementId];
    this.result.changes.written.add(found.slide.id);
    undo.push({ type: 'INSERT_ELEMENT', slideId: found.slide.id, element: found.element as { id: string }, index });
    return op;
  }

  private reorderElement(op: Extract<DeckOperation, { type: 'REORDER_ELEMENT' }>, undo: DeckOperation[]): DeckOperation | null {
    const found = this.element(op.slideId, op.elementId);
    if (!found) return null;
    const elements = found.slide.content!.elements!;
    const from = elements.indexOf(found.element);
    const clock = this.elementClock(found.slide, op.elementId);
    const to = Math.min(op.index, elements.length - 1);
    if (this.changedSince(clock.z, from, to)) return this.conflict({ code: 'CHANGED_SINCE_BASE', slideId: op.slideId, elementId: op.elementId, property: 'index', currentValue: from });
    elements.splice(from, 1);
    elements.splice(to, 0, found.element);
    clock.z = this.options.revision;
    this.result.changes.written.add(found.slide.id);
    undo.push({ type: 'REORDER_ELEMENT', slideId: op.slideId, elementId: op.elementId, index: from });
    return { ...op, index: to };
  }

  /** Grouping is PPTist's shared `groupId` on each member; its inverse restores each member's own. */
  private group(op: Extract<DeckOperation, { type: 'GROUP_ELEMENTS' }>, undo: DeckOperation[]): DeckOperation | null {
    const updates: DeckOperation[] = [];
    for (const elementId of new Set(op.elementIds)) updates.push({ type: 'UPDATE_ELEMENT', slideId: op.slideId, elementId, props: { groupId: op.groupId }, baseRevision: this.base });
    return this.compound(op, updates, undo);
  }

  private ungroup(op: Extract<DeckOperation, { type: 'UNGROUP_ELEMENTS' }>, undo: DeckOperation[]): DeckOperation | null {
    const slide = this.slide(op.slideId);
    if (!slide) return this.missing(op.slideId);
    const members = (slide.content!.elements ?? []).filter((e) => e.groupId === op.groupId);
    if (members.length === 0) return this.conflict({ code: 'TARGET_MISSING', slideId: op.slideId, property: 'groupId', message: `no group ${op.groupId} on slide ${op.slideId}` });
    const updates: DeckOperation[] = members.map((e) => ({ type: 'UPDATE_ELEMENT', slideId: op.slideId, elementId: String(e.id), props: { groupId: null }, baseRevision: this.base }));
    return this.compound(op, updates, undo);
  }

  private compound(op: DeckOperation, parts: DeckOperation[], undo: DeckOperation[]): DeckOperation | null {
    const before = this.result.conflicts.length;
    const partUndo: DeckOperation[] = [];
    for (const part of parts) {
      const step: DeckOperation[] = [];
      if (!this.apply(part, step)) return null;
      partUndo.unshift(...step);
      if (this.result.conflicts.length > before || this.result.invalid) return null;
    }
    undo.push(...partUndo);
    return op;
  }

  // ---------------------------------------------------------------- state helpers

  private position(slideId: string): number {
    return this.state.slides.findIndex((s) => s.id === slideId);
  }

  private slide(slideId: string): SlideState | undefined {
    const slide = this.state.slides[this.position(slideId)];
    if (slide && !slide.content) throw new Error(`slide ${slideId} was not loaded (targetedSlideIds must cover every operation)`);
    if (slide) slide.clock ??= {};
    return slide;
  }

  private element(slideId: string, elementId: string): { slide: SlideState; element: JsonObject } | null {
    const slide = this.slide(slideId);
    if (!slide) return this.missing(slideId);
    const element = (slide.content!.elements ?? []).find((e) => e.id === elementId);
    if (!element) return this.conflict({ code: 'TARGET_MISSING', slideId, elementId, message: `element ${elementId} is not on slide ${slideId}` });
    return { slide, element };
  }

  private elementClock(slide: SlideState, elementId: string): { z?: number; p?: Record<string, number> } {
    const clocks = (slide.clock!.e ??= {});
    const clock = (clocks[elementId] ??= {});
    clock.p ??= {};
    return clock;
  }

  /** The order key for a slide placed right after `afterSlideId` (null: first), or null on conflict. */
  private placement(afterSlideId: string | null, logged: string | undefined): string | null {
    if (this.options.mode === 'replay' && logged) return logged;
    const at = afterSlideId === null ? -1 : this.position(afterSlideId);
    if (afterSlideId !== null && at < 0) {
      this.conflict({ code: 'TARGET_MISSING', slideId: afterSlideId, property: 'afterSlideId', message: `slide ${afterSlideId} to insert after does not exist` });
      return null;
    }
    return keyBetween(this.state.slides[at]?.orderKey ?? null, this.state.slides[at + 1]?.orderKey ?? null);
  }

  private place(slide: SlideState): void {
    const at = this.state.slides.findIndex((s) => s.orderKey > slide.orderKey);
    this.state.slides.splice(at < 0 ? this.state.slides.length : at, 0, slide);
  }

  /** Changed by a revision the caller had not seen, to something other than what they now set. */
  private changedSince(clock: number | undefined, current: Json, next: Json): boolean {
    return this.options.mode === 'server' && clock !== undefined && clock > this.base && clock !== this.options.revision && !sameJson(current ?? null, next ?? null);
  }

  private missing(slideId: string): null {
    return this.conflict({ code: 'TARGET_MISSING', slideId, message: `slide ${slideId} does not exist` });
  }

  private conflict(conflict: Omit<OperationConflict, 'operationIndex' | 'message'> & { message?: string }): null {
    const where = [conflict.slideId && `slide ${conflict.slideId}`, conflict.elementId && `element ${conflict.elementId}`, conflict.property && `property ${conflict.property}`].filter(Boolean).join(', ');
    this.result.conflicts.push({ operationIndex: this.index, message: conflict.message ?? `${where} changed since revision ${this.base}`, ...conflict });
    return null;
  }

  private invalid(path: string, message: string): null {
    this.result.invalid ??= { path: `operations.${this.index}.${path}`, message };
    return null;
  }

  /** Every slide the batch wrote must still be a valid PPTist slide. */
  private validate(): void {
    if (this.result.invalid) return;
    for (const id of this.result.changes.written) {
      const slide = this.state.slides[this.position(id)]!;
      const parsed = parseSlide({ id, ...slide.content }, `slides.${id}`);
      if (!parsed.ok) {
        this.result.invalid = { path: parsed.path, message: parsed.message };
        return;
      }
    }
  }
}

/** The newest revision that changed anything on the slide (fields, position, any element). */
function latestChange(clock: SlideClock | undefined): number {
  let latest = Math.max(clock?.o ?? 0, ...Object.values(clock?.f ?? {}));
  for (const element of Object.values(clock?.e ?? {})) latest = Math.max(latest, element.z ?? 0, ...Object.values(element.p ?? {}));
  return latest;
}

/** Sets `props` on `target` (null removes one) and returns the previous values (null = absent). */
function setProps(target: JsonObject, props: JsonObject): JsonObject {
  const previous: JsonObject = {};
  for (const [name, value] of Object.entries(props)) {
    previous[name] = target[name] ?? null;
    if (value === null) delete target[name];
    else target[name] = value;
  }
  return previous;
}

function deckFieldProblem(name: string, value: Json): string | null {
  if (name === 'title') return typeof value === 'string' && value.trim().length >= 1 && value.length <= MAX_TITLE_CHARS ? null : `title must be 1 to ${MAX_TITLE_CHARS} characters`;
  if (name === 'theme') {
    const parsed = PptistThemeSchema.safeParse(value);
    return parsed.success ? null : `theme.${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`;
  }
  return typeof value === 'number' && Number.isFinite(value) && value >= 100 && value <= 10_000 ? null : `${name} must be 100 to 10000`;
}

/** Structural equality of JSON values (object key order does not matter). */
export function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as Json[]).length && a.every((v, i) => sameJson(v, (b as Json[])[i]));
  const keysA = Object.keys(a as JsonObject);
  const keysB = Object.keys(b as JsonObject);
  return keysA.length === keysB.length && keysA.every((k) => Object.hasOwn(b as JsonObject, k) && sameJson((a as JsonObject)[k], (b as JsonObject)[k]));
}

/** A document's slides as replayable state (a client following the log starts from this). */
export function stateFromDocument(document: { title: string; theme: Json; width: number; height: number }, slides: { id: string; orderKey: string; content: JsonObject }[]): DeckState {
  return {
    fields: { title: document.title, theme: document.theme, width: document.width, height: document.height },
    fieldClock: {},
    slides: slides.map((s) => ({ id: s.id, orderKey: s.orderKey, content: structuredClone(s.content), clock: {} })),
  };
}
