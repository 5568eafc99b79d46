// The deck operation engine on its own: every operation type, property-level conflicts, invalid
// input, inverses (undo), and a seeded property test that a server and clients replaying its log
// converge on the same document.
import { seededRandom } from '../../test/seeded-random.js';
import { SLIDE_TYPES } from '../../lib/pptist/document.js';
import { keysAfter } from '../../lib/order-key.js';
import { applyOperations, type ApplyResult, type DeckOperation, type DeckState, sameJson, stateFromDocument, targetedSlideIds } from './deck-operations.js';

type JsonObject = Record<string, unknown>;

// ---------------------------------------------------------------- fixtures

const THEME = {
  backgroundColor: '#ffffff',
  themeColors: ['#5b9bd5', '#ed7d31'],
  fontColor: '#333333',
  fontName: '',
  outline: { width: 2, color: '#525252', style: 'solid' },
  shadow: { h: 3, v: 3, blur: 2, color: '#808080' },
};

function textElement(id: string, extra: JsonObject = {}): { id: string } & JsonObject {
  return { id, type: 'text', left: 10, top: 20, width: 300, height: 60, rotate: 0, content: `<p>${id}</p>`, defaultFontName: 'Arial', defaultColor: '#333333', ...extra };
}

function shapeElement(id: string, extra: JsonObject = {}): { id: string } & JsonObject {
  return { id, type: 'shape', left: 100, top: 100, width: 200, height: 200, rotate: 0, viewBox: [200, 200], path: 'M 0 0 L 200 0 L 200 200 L 0 200 Z', fixedRatio: false, fill: '#5b9bd5', ...extra };
}

function newSlide(id: string, elements: JsonObject[] = [], extra: JsonObject = {}): { id: string } & JsonObject {
  return { id, elements, background: { type: 'solid', color: '#ffffff' }, ...extra };
}

/** Three slides: s1 [t1 (text), sh1 (shape)] with a background, s2 [t2], s3 (empty). */
function initialState(): DeckState {
  return stateFromDocument({ title: 'Quarterly review', theme: THEME, width: 1000, height: 562.5 }, [
    { id: 's1', orderKey: 'a', content: { elements: [textElement('t1'), shapeElement('sh1')], background: { type: 'solid', color: '#ffffff' } } },
    { id: 's2', orderKey: 'b', content: { elements: [textElement('t2')], remark: 'speaker notes' } },
    { id: 's3', orderKey: 'c', content: { elements: [] } },
  ]);
}

// ---------------------------------------------------------------- a server like the collaboration service

interface LogEntry {
  revision: number;
  applied: DeckOperation[];
  inverse: DeckOperation[];
}

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * Keeps the stored deck and its log. Like CollaborationService.commit: each batch runs against a
 * state with content loaded only for the slides the batch targets, and only the changes the engine
 * reports (written / deleted slides, deck fields) are written back; a rejected batch changes nothing.
 */
class Server {
  revision = 0;
  readonly log: LogEntry[] = [];
  /** Batches after which the engine's own slide list was not in strictly ascending order-key order. */
  readonly unordered: string[] = [];

  constructor(public stored: DeckState) {}

  submit(operations: DeckOperation[], baseRevision: number): ApplyResult {
    const targeted = targetedSlideIds(operations);
    const draft: DeckState = {
      fields: structuredClone(this.stored.fields),
      fieldClock: { ...this.stored.fieldClock },
      slides: this.stored.slides.map((s) => (targeted.has(s.id) ? structuredClone(s) : { id: s.id, orderKey: s.orderKey })),
    };
    const result = applyOperations(draft, json(operations), { revision: this.revision + 1, baseRevision, mode: 'server' });
    if (result.conflicts.length > 0 || result.invalid) return result;
    this.revision += 1;
    const keys = draft.slides.map((s) => s.orderKey);
    if (keys.some((key, i) => i > 0 && !(keys[i - 1]! < key))) this.unordered.push(`revision ${this.revision}: ${keys.join(' ')}`);
    for (const id of result.changes.deleted) this.stored.slides = this.stored.slides.filter((s) => s.id !== id);
    for (const id of result.changes.written) {
      const slide = structuredClone(draft.slides.find((s) => s.id === id)!);
      this.stored.slides = [...this.stored.slides.filter((s) => s.id !== id), slide];
    }
    // Stored slides are read back in order-key order (ORDER BY order_key COLLATE "C").
    this.stored.slides.sort((a, b) => (a.orderKey < b.orderKey ? -1 : a.orderKey > b.orderKey ? 1 : 0));
    if (result.changes.deck) {
      this.stored.fields = structuredClone(draft.fields);
      this.stored.fieldClock = { ...draft.fieldClock };
    }
    // The log is JSON (a jsonb column, and JSON again on the wire to subscribers).
    this.log.push({ revision: this.revision, applied: json(result.applied), inverse: json(result.inverse) });
    return result;
  }

  /** Reverts the batch logged at `revision` the way undo does: its inverse, based on that revision. */
  undo(revision: number): ApplyResult {
    const entry = this.log[revision - 1]!;
    return this.submit(entry.inverse, entry.revision);
  }
}

/** What a user sees: deck fields and slides in order with their content (order keys left out). */
function visible(state: DeckState): { fields: DeckState['fields']; slides: { id: string; content: unknown }[] } {
  return json({ fields: state.fields, slides: state.slides.map((s) => ({ id: s.id, content: s.content })) });
}

/** What must be identical on every replica: fields and slides including their order keys. */
function replica(state: DeckState): { fields: DeckState['fields']; slides: { id: string; orderKey: string; content: unknown }[] } {
  return { fields: state.fields, slides: state.slides.map((s) => ({ id: s.id, orderKey: s.orderKey, content: s.content })) };
}

/** Deep equality of JSON-like values (written here rather than borrowed from the engine under test). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).filter((k) => (a as JsonObject)[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => (b as JsonObject)[k] !== undefined);
  return keysA.length === keysB.length && keysA.every((k) => deepEqual((a as JsonObject)[k], (b as JsonObject)[k]));
}

const ids = (state: DeckState): string[] => state.slides.map((s) => s.id);
const slideOf = (state: DeckState, slideId: string): JsonObject | undefined => state.slides.find((s) => s.id === slideId)?.content;
const elementsOf = (state: DeckState, slideId: string): JsonObject[] => (slideOf(state, slideId)?.elements as JsonObject[] | undefined) ?? [];
const elementIds = (state: DeckState, slideId: string): unknown[] => elementsOf(state, slideId).map((e) => e.id);
const elementOf = (state: DeckState, slideId: string, elementId: string): JsonObject | undefined => elementsOf(state, slideId).find((e) => e.id === elementId);

function expectApplied(result: ApplyResult): void {
  expect(result.conflicts).toEqual([]);
  expect(result.invalid).toBeUndefined();
}

function expectSortedKeys(state: DeckState): void {
  for (let i = 1; i < state.slides.length; i++) expect(state.slides[i - 1]!.orderKey < state.slides[i]!.orderKey).toBe(true);
}

// ---------------------------------------------------------------- 1. each operation

describe('applying each operation type', () => {
  let server: Server;
  beforeEach(() => {
    server = new Server(initialState());
  });

  it('INSERT_SLIDE places the slide after the named slide and logs the resolved order key', () => {
    const result = server.submit([{ type: 'INSERT_SLIDE', slide: newSlide('n1', [textElement('n1t')]), afterSlideId: 's1' }], 0);
    expectApplied(result);
    expect(ids(server.stored)).toEqual(['s1', 'n1', 's2', 's3']);
    const applied = result.applied[0]!;
    expect(applied.type).toBe('INSERT_SLIDE');
    const key = (applied as { orderKey?: string }).orderKey!;
    expect(key > 'a' && key < 'b').toBe(true);
    expect(server.stored.slides[1]!.orderKey).toBe(key);
    expect(slideOf(server.stored, 'n1')).toEqual({ elements: [textElement('n1t')], background: { type: 'solid', color: '#ffffff' } });
    expect(result.changes.written).toEqual(new Set(['n1']));
  });

  it('INSERT_SLIDE without afterSlideId (or null) puts the slide first and logs afterSlideId null', () => {
    const result = server.submit([{ type: 'INSERT_SLIDE', slide: newSlide('n1') }], 0);
    expectApplied(result);
    expect(ids(server.stored)).toEqual(['n1', 's1', 's2', 's3']);
    const applied = result.applied[0] as { afterSlideId?: string | null; orderKey?: string };
    expect(applied.afterSlideId).toBeNull();
    expect(applied.orderKey! < 'a').toBe(true);
    const last = server.submit([{ type: 'INSERT_SLIDE', slide: newSlide('n2'), afterSlideId: 's3' }], 1);
    expectApplied(last);
    expect(ids(server.stored)).toEqual(['n1', 's1', 's2', 's3', 'n2']);
    expect((last.applied[0] as { orderKey?: string }).orderKey! > 'c').toBe(true);
  });

  it('INSERT_SLIDE logs the slide as sent even when later operations of the batch change it', () => {
    const result = server.submit(
      [
        { type: 'INSERT_SLIDE', slide: newSlide('n1', [textElement('n1t')]), afterSlideId: 's1' },
        { type: 'UPDATE_ELEMENT', slideId: 'n1', elementId: 'n1t', props: { left: 500 } },
        { type: 'INSERT_ELEMENT', slideId: 'n1', element: shapeElement('n1s') },
      ],
      0,
    );
    expectApplied(result);
    const logged = result.applied[0] as Extract<DeckOperation, { type: 'INSERT_SLIDE' }>;
    expect(logged.slide.elements).toEqual([textElement('n1t')]);
    expect(elementOf(server.stored, 'n1', 'n1t')?.left).toBe(500);
    expect(elementIds(server.stored, 'n1')).toEqual(['n1t', 'n1s']);
  });

  it('DELETE_SLIDE removes the slide', () => {
    const result = server.submit([{ type: 'DELETE_SLIDE', slideId: 's2' }], 0);
    expectApplied(result);
    expect(ids(server.stored)).toEqual(['s1', 's3']);
    expect(result.changes.deleted).toEqual(new Set(['s2']));
  });

  it('MOVE_SLIDE moves a slide to the start or after another and logs the resolved order key', () => {
    const first = server.submit([{ type: 'MOVE_SLIDE', slideId: 's3', afterSlideId: null }], 0);
    expectApplied(first);
    expect(ids(server.stored)).toEqual(['s3', 's1', 's2']);
    const key = (first.applied[0] as { orderKey?: string }).orderKey!;
    expect(key < 'a').toBe(true);
    expect(server.stored.slides[0]!.orderKey).toBe(key);
    // The slide keeps its content.
    expect(slideOf(server.stored, 's3')).toEqual({ elements: [] });

    const second = server.submit([{ type: 'MOVE_SLIDE', slideId: 's1', afterSlideId: 's2' }], 1);
    expectApplied(second);
    expect(ids(server.stored)).toEqual(['s3', 's2', 's1']);
    const key2 = (second.applied[0] as { orderKey?: string }).orderKey!;
    expect(key2 > 'b').toBe(true);
    expectSortedKeys(server.stored);
  });

  it('UPDATE_SLIDE sets slide fields, and null removes one', () => {
    const result = server.submit([{ type: 'UPDATE_SLIDE', slideId: 's2', props: { background: { type: 'solid', color: '#000000' }, type: 'cover', remark: null } }], 0);
    expectApplied(result);
    expect(slideOf(server.stored, 's2')).toEqual({ elements: [textElement('t2')], background: { type: 'solid', color: '#000000' }, type: 'cover' });
  });

  it('INSERT_ELEMENT inserts at the index (clamped to the end, or appended) and logs the resolved index', () => {
    const atStart = server.submit([{ type: 'INSERT_ELEMENT', slideId: 's1', element: textElement('e1'), index: 0 }], 0);
    expectApplied(atStart);
    expect(elementIds(server.stored, 's1')).toEqual(['e1', 't1', 'sh1']);
    expect((atStart.applied[0] as { index?: number }).index).toBe(0);

    const appended = server.submit([{ type: 'INSERT_ELEMENT', slideId: 's1', element: shapeElement('e2') }], 1);
    expectApplied(appended);
    expect(elementIds(server.stored, 's1')).toEqual(['e1', 't1', 'sh1', 'e2']);
    expect((appended.applied[0] as { index?: number }).index).toBe(3);

    const clamped = server.submit([{ type: 'INSERT_ELEMENT', slideId: 's3', element: textElement('e3'), index: 42 }], 2);
    expectApplied(clamped);
    expect(elementIds(server.stored, 's3')).toEqual(['e3']);
    expect((clamped.applied[0] as { index?: number }).index).toBe(0);
    expect(elementOf(server.stored, 's3', 'e3')).toEqual(textElement('e3'));
  });

  it('UPDATE_ELEMENT sets properties, and null removes one', () => {
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 99, name: 'Title', lock: true } }], 0));
    expect(elementOf(server.stored, 's1', 't1')).toEqual(textElement('t1', { left: 99, name: 'Title', lock: true }));
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { name: null } }], 1));
    expect(elementOf(server.stored, 's1', 't1')).toEqual(textElement('t1', { left: 99, lock: true }));
  });

  it('DELETE_ELEMENT removes the element', () => {
    expectApplied(server.submit([{ type: 'DELETE_ELEMENT', slideId: 's1', elementId: 't1' }], 0));
    expect(elementIds(server.stored, 's1')).toEqual(['sh1']);
  });

  it('REORDER_ELEMENT moves an element in z-order (clamped to the top) and logs the resolved index', () => {
    expectApplied(server.submit([{ type: 'INSERT_ELEMENT', slideId: 's1', element: textElement('e1') }], 0));
    const result = server.submit([{ type: 'REORDER_ELEMENT', slideId: 's1', elementId: 't1', index: 99 }], 1);
    expectApplied(result);
    expect(elementIds(server.stored, 's1')).toEqual(['sh1', 'e1', 't1']);
    expect((result.applied[0] as { index: number }).index).toBe(2);
    const down = server.submit([{ type: 'REORDER_ELEMENT', slideId: 's1', elementId: 't1', index: 0 }], 2);
    expectApplied(down);
    expect(elementIds(server.stored, 's1')).toEqual(['t1', 'sh1', 'e1']);
    expect((down.applied[0] as { index: number }).index).toBe(0);
  });

  it('GROUP_ELEMENTS gives each member the group id; UNGROUP_ELEMENTS removes it', () => {
    expectApplied(server.submit([{ type: 'GROUP_ELEMENTS', slideId: 's1', elementIds: ['t1', 'sh1'], groupId: 'g1' }], 0));
    expect(elementsOf(server.stored, 's1').map((e) => e.groupId)).toEqual(['g1', 'g1']);
    expect(server.log[0]!.applied).toEqual([{ type: 'GROUP_ELEMENTS', slideId: 's1', elementIds: ['t1', 'sh1'], groupId: 'g1' }]);

    expectApplied(server.submit([{ type: 'UNGROUP_ELEMENTS', slideId: 's1', groupId: 'g1' }], 1));
    expect(elementsOf(server.stored, 's1')).toEqual([textElement('t1'), shapeElement('sh1')]);
  });

  it('UPDATE_DECK sets deck fields and reports a deck change', () => {
    const theme = { ...THEME, fontColor: '#000000' };
    const result = server.submit([{ type: 'UPDATE_DECK', props: { title: 'Annual review', width: 1280, height: 720, theme } }], 0);
    expectApplied(result);
    expect(result.changes.deck).toBe(true);
    expect(server.stored.fields).toEqual({ title: 'Annual review', theme, width: 1280, height: 720 });
    expect(ids(server.stored)).toEqual(['s1', 's2', 's3']);
  });

  it('replay mode places slides at the logged order key instead of computing one', () => {
    const state = initialState();
    const result = applyOperations(
      state,
      [
        { type: 'INSERT_SLIDE', slide: newSlide('n1'), afterSlideId: null, orderKey: 'bm' },
        { type: 'MOVE_SLIDE', slideId: 's1', afterSlideId: 's3', orderKey: 'x' },
      ],
      { revision: 1, baseRevision: 0, mode: 'replay' },
    );
    expectApplied(result);
    expect(state.slides.map((s) => [s.id, s.orderKey])).toEqual([
      ['s2', 'b'],
      ['n1', 'bm'],
      ['s3', 'c'],
      ['s1', 'x'],
    ]);
  });

  it('targetedSlideIds names every slide a batch reads or writes', () => {
    expect(
      targetedSlideIds([
        { type: 'INSERT_SLIDE', slide: newSlide('n1'), afterSlideId: 's1' },
        { type: 'UPDATE_ELEMENT', slideId: 's2', elementId: 't2', props: { left: 1 } },
        { type: 'UPDATE_DECK', props: { title: 'x' } },
      ]),
    ).toEqual(new Set(['n1', 's2']));
  });
});

// ---------------------------------------------------------------- 2. property-level conflicts

describe('property-level conflicts', () => {
  let server: Server;
  beforeEach(() => {
    server = new Server(initialState());
  });

  it('two batches based on the same revision changing different properties of one element both apply', () => {
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 50 } }], 0));
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { top: 70, content: '<p>B</p>' } }], 0));
    expect(elementOf(server.stored, 's1', 't1')).toEqual(textElement('t1', { left: 50, top: 70, content: '<p>B</p>' }));
  });

  it('the same element property changed to another value since the base is CHANGED_SINCE_BASE with the current value', () => {
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 50 } }], 0));
    const before = json(replica(server.stored));
    const result = server.submit(
      [
        { type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 'sh1', props: { fill: '#ff0000' } },
        { type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { top: 5, left: 80 } },
      ],
      0,
    );
    expect(result.conflicts).toEqual([expect.objectContaining({ operationIndex: 1, code: 'CHANGED_SINCE_BASE', slideId: 's1', elementId: 't1', property: 'left', currentValue: 50 })]);
    expect(result.conflicts[0]!.message).toEqual(expect.any(String));
    expect(server.revision).toBe(1);
    expect(replica(server.stored)).toEqual(before);
  });

  it('setting the value the property already has is not a conflict', () => {
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 50, outline: { width: 1, color: '#000' } } }], 0));
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { outline: { color: '#000', width: 1 }, left: 50, top: 1 } }], 0));
    expect(elementOf(server.stored, 's1', 't1')).toEqual(textElement('t1', { left: 50, top: 1, outline: { width: 1, color: '#000' } }));
  });

  it('a batch based on a revision that includes the change is not a conflict', () => {
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 50 } }], 0));
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 80 } }], 1));
    expect(elementOf(server.stored, 's1', 't1')?.left).toBe(80);
  });

  it('an operation-level baseRevision overrides the batch one', () => {
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 50 } }], 0));
    const stale = server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 80 }, baseRevision: 0 }], 1);
    expect(stale.conflicts).toEqual([expect.objectContaining({ code: 'CHANGED_SINCE_BASE', property: 'left', currentValue: 50 })]);
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 80 }, baseRevision: 1 }], 0));
  });

  it('several operations of one batch may change the same property', () => {
    expectApplied(
      server.submit(
        [
          { type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 1 } },
          { type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 2 } },
        ],
        0,
      ),
    );
    expect(elementOf(server.stored, 's1', 't1')?.left).toBe(2);
  });

  it('slide fields: different fields both apply, the same field with another value conflicts, the same value does not', () => {
    expectApplied(server.submit([{ type: 'UPDATE_SLIDE', slideId: 's2', props: { remark: 'A' } }], 0));
    expectApplied(server.submit([{ type: 'UPDATE_SLIDE', slideId: 's2', props: { turningMode: 'fade' } }], 0));
    expect(slideOf(server.stored, 's2')).toEqual({ elements: [textElement('t2')], remark: 'A', turningMode: 'fade' });

    const result = server.submit([{ type: 'UPDATE_SLIDE', slideId: 's2', props: { remark: 'B' } }], 0);
    expect(result.conflicts).toEqual([expect.objectContaining({ operationIndex: 0, code: 'CHANGED_SINCE_BASE', slideId: 's2', property: 'remark', currentValue: 'A' })]);
    expect(result.conflicts[0]!.elementId).toBeUndefined();

    expectApplied(server.submit([{ type: 'UPDATE_SLIDE', slideId: 's2', props: { remark: 'A', type: 'end' } }], 0));
    expect(slideOf(server.stored, 's2')).toEqual({ elements: [textElement('t2')], remark: 'A', turningMode: 'fade', type: 'end' });
  });

  it('deck fields: different fields both apply, the same field with another value conflicts, the same value does not', () => {
    expectApplied(server.submit([{ type: 'UPDATE_DECK', props: { title: 'Mine' } }], 0));
    expectApplied(server.submit([{ type: 'UPDATE_DECK', props: { width: 1280 } }], 0));
    expect(server.stored.fields).toEqual({ title: 'Mine', theme: THEME, width: 1280, height: 562.5 });

    const result = server.submit([{ type: 'UPDATE_DECK', props: { height: 720, title: 'Theirs' } }], 0);
    expect(result.conflicts).toEqual([expect.objectContaining({ operationIndex: 0, code: 'CHANGED_SINCE_BASE', property: 'title', currentValue: 'Mine' })]);
    expect(server.stored.fields.height).toBe(562.5);

    expectApplied(server.submit([{ type: 'UPDATE_DECK', props: { title: 'Mine', height: 720 } }], 0));
    expect(server.stored.fields).toEqual({ title: 'Mine', theme: THEME, width: 1280, height: 720 });
  });

  it('moving the same slide: a different place conflicts with the current position, the same place does not', () => {
    expectApplied(server.submit([{ type: 'MOVE_SLIDE', slideId: 's3', afterSlideId: null }], 0));
    const result = server.submit([{ type: 'MOVE_SLIDE', slideId: 's3', afterSlideId: 's1' }], 0);
    expect(result.conflicts).toEqual([expect.objectContaining({ operationIndex: 0, code: 'CHANGED_SINCE_BASE', slideId: 's3', property: 'position', currentValue: { afterSlideId: null } })]);
    expect(ids(server.stored)).toEqual(['s3', 's1', 's2']);

    expectApplied(server.submit([{ type: 'MOVE_SLIDE', slideId: 's3', afterSlideId: null }], 0));
    expect(ids(server.stored)).toEqual(['s3', 's1', 's2']);
    // Moving a different slide concurrently is fine.
    expectApplied(server.submit([{ type: 'MOVE_SLIDE', slideId: 's1', afterSlideId: 's2' }], 0));
    expect(ids(server.stored)).toEqual(['s3', 's2', 's1']);
  });

  it('reordering the same element to another index since the base conflicts with its current index', () => {
    expectApplied(server.submit([{ type: 'REORDER_ELEMENT', slideId: 's1', elementId: 't1', index: 1 }], 0));
    expectApplied(server.submit([{ type: 'INSERT_ELEMENT', slideId: 's1', element: textElement('e1') }], 1));
    const result = server.submit([{ type: 'REORDER_ELEMENT', slideId: 's1', elementId: 't1', index: 2 }], 0);
    expect(result.conflicts).toEqual([expect.objectContaining({ code: 'CHANGED_SINCE_BASE', slideId: 's1', elementId: 't1', property: 'index', currentValue: 1 })]);
    // Changing another property of the element is unaffected by the reorder.
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 3 } }], 0));
  });

  // ENGINE BUG (left failing on purpose): a write of a property's current value advances its clock,
  // so a later batch based on an older revision gets CHANGED_SINCE_BASE although the property never
  // changed. The engine's contract: "conflicts only if P changed after B"; the clock records "the
  // revision at which each ... property last changed". PPTist sends an element's whole geometry
  // (left, top, width, height) on every drag, so this turns "different properties both win" into a
  // conflict in the most common co-editing case.
  it('rewriting an element property with its current value is not a change others conflict with', () => {
    // A drags t1 horizontally; the editor sends top unchanged (20) with the new left.
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 50, top: 20 } }], 0));
    // B, who had not seen A's change, moves t1 vertically: top has not changed since revision 0.
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { top: 90 } }], 0));
    expect(elementOf(server.stored, 's1', 't1')).toEqual(textElement('t1', { left: 50, top: 90 }));
  });

  it('rewriting a slide field, the deck title or a slide position with its current value is not a change others conflict with', () => {
    // Each first write leaves the value as it was (s2's remark, the title, s2 right after s1).
    expectApplied(server.submit([{ type: 'UPDATE_SLIDE', slideId: 's2', props: { remark: 'speaker notes', type: 'cover' } }], 0));
    expectApplied(server.submit([{ type: 'UPDATE_DECK', props: { title: 'Quarterly review', width: 1280 } }], 0));
    expectApplied(server.submit([{ type: 'MOVE_SLIDE', slideId: 's2', afterSlideId: 's1' }], 0));
    expect(ids(server.stored)).toEqual(['s1', 's2', 's3']);
    // Others based on revision 0 change exactly those values: none of them changed since.
    const later: DeckOperation[] = [
      { type: 'UPDATE_SLIDE', slideId: 's2', props: { remark: 'B' } },
      { type: 'UPDATE_DECK', props: { title: 'B' } },
      { type: 'MOVE_SLIDE', slideId: 's2', afterSlideId: null },
    ];
    const conflicts = later.map((op) => server.submit([op], 0).conflicts.map((c) => `${c.code} ${c.property}`));
    expect(conflicts).toEqual([[], [], []]);
    expect(slideOf(server.stored, 's2')?.remark).toBe('B');
    expect(server.stored.fields.title).toBe('B');
    expect(ids(server.stored)).toEqual(['s2', 's1', 's3']);
  });

  it('grouping conflicts when a member was grouped differently since the base', () => {
    expectApplied(server.submit([{ type: 'GROUP_ELEMENTS', slideId: 's1', elementIds: ['t1', 'sh1'], groupId: 'gA' }], 0));
    const result = server.submit([{ type: 'GROUP_ELEMENTS', slideId: 's1', elementIds: ['t1', 'sh1'], groupId: 'gB' }], 0);
    expect(result.conflicts).toEqual([expect.objectContaining({ operationIndex: 0, code: 'CHANGED_SINCE_BASE', elementId: 't1', property: 'groupId', currentValue: 'gA' })]);
    expect(elementsOf(server.stored, 's1').map((e) => e.groupId)).toEqual(['gA', 'gA']);
  });
});

// ---------------------------------------------------------------- 3. structural conflicts

describe('TARGET_MISSING, DUPLICATE_ID and INVALID_TARGET', () => {
  let server: Server;
  beforeEach(() => {
    server = new Server(initialState());
    // Someone deletes element t2 and slide s3 at revision 1 and 2.
    expectApplied(server.submit([{ type: 'DELETE_ELEMENT', slideId: 's2', elementId: 't2' }], 0));
    expectApplied(server.submit([{ type: 'DELETE_SLIDE', slideId: 's3' }], 1));
  });

  const missing: [string, DeckOperation, JsonObject][] = [
    ['update of a deleted element', { type: 'UPDATE_ELEMENT', slideId: 's2', elementId: 't2', props: { left: 1 } }, { slideId: 's2', elementId: 't2' }],
    ['delete of a deleted element', { type: 'DELETE_ELEMENT', slideId: 's2', elementId: 't2' }, { slideId: 's2', elementId: 't2' }],
    ['reorder of a deleted element', { type: 'REORDER_ELEMENT', slideId: 's2', elementId: 't2', index: 0 }, { slideId: 's2', elementId: 't2' }],
    ['grouping a deleted element', { type: 'GROUP_ELEMENTS', slideId: 's2', elementIds: ['t2', 'x'], groupId: 'g' }, { slideId: 's2', elementId: 't2' }],
    ['update of a deleted slide', { type: 'UPDATE_SLIDE', slideId: 's3', props: { remark: 'x' } }, { slideId: 's3' }],
    ['delete of a deleted slide', { type: 'DELETE_SLIDE', slideId: 's3' }, { slideId: 's3' }],
    ['move of a deleted slide', { type: 'MOVE_SLIDE', slideId: 's3', afterSlideId: null }, { slideId: 's3' }],
    ['element insert into a deleted slide', { type: 'INSERT_ELEMENT', slideId: 's3', element: textElement('e1') }, { slideId: 's3' }],
    ['element update on a deleted slide', { type: 'UPDATE_ELEMENT', slideId: 's3', elementId: 'x', props: { left: 1 } }, { slideId: 's3' }],
    ['insert after a missing slide', { type: 'INSERT_SLIDE', slide: newSlide('n1'), afterSlideId: 's3' }, { slideId: 's3', property: 'afterSlideId' }],
    ['move after a missing slide', { type: 'MOVE_SLIDE', slideId: 's1', afterSlideId: 's3' }, { slideId: 's3', property: 'afterSlideId' }],
    ['ungroup of a group that does not exist', { type: 'UNGROUP_ELEMENTS', slideId: 's1', groupId: 'nope' }, { slideId: 's1', property: 'groupId' }],
  ];

  it.each(missing)('%s is TARGET_MISSING and changes nothing', (_name, operation, where) => {
    const before = json(replica(server.stored));
    const result = server.submit([{ type: 'UPDATE_DECK', props: { title: 'ok' } }, operation], 0);
    expect(result.conflicts).toEqual([expect.objectContaining({ operationIndex: 1, code: 'TARGET_MISSING', ...where })]);
    expect(result.invalid).toBeUndefined();
    expect(server.revision).toBe(2);
    expect(replica(server.stored)).toEqual(before);
  });

  it('a deck at the slide limit refuses another slide (the server checks, replay trusts the log)', () => {
    const full = stateFromDocument({ title: 'Full', theme: THEME, width: 1000, height: 562.5 }, keysAfter(null, 500).map((orderKey, i) => ({ id: `f${i}`, orderKey, content: { elements: [] } })));
    const replayed = structuredClone(full);
    const result = applyOperations(full, [{ type: 'DELETE_SLIDE', slideId: 'f0' }, { type: 'INSERT_SLIDE', slide: newSlide('x'), afterSlideId: 'f1' }], { revision: 1, baseRevision: 0, mode: 'server' });
    expect(result.invalid).toBeUndefined();
    const over = applyOperations(full, [{ type: 'INSERT_SLIDE', slide: newSlide('z') }], { revision: 2, baseRevision: 1, mode: 'server' });
    expect(over.invalid).toEqual({ path: 'operations.0.slide', message: expect.stringContaining('500') });
    expectApplied(applyOperations(replayed, [{ type: 'INSERT_SLIDE', slide: newSlide('z'), orderKey: '0001' }], { revision: 1, baseRevision: 0, mode: 'replay' }));
    expect(replayed.slides).toHaveLength(501);
  });

  it('a failed move after a missing slide leaves the slide where it was within the batch', () => {
    const state = structuredClone(server.stored);
    applyOperations(state, [{ type: 'MOVE_SLIDE', slideId: 's1', afterSlideId: 's3' }], { revision: 3, baseRevision: 2, mode: 'server' });
    expect(ids(state)).toEqual(['s1', 's2']);
  });

  it('inserting a slide whose id exists is DUPLICATE_ID', () => {
    const result = server.submit([{ type: 'INSERT_SLIDE', slide: newSlide('s1'), afterSlideId: 's2' }], 2);
    expect(result.conflicts).toEqual([expect.objectContaining({ operationIndex: 0, code: 'DUPLICATE_ID', slideId: 's1' })]);
    const twice = server.submit(
      [
        { type: 'INSERT_SLIDE', slide: newSlide('n1') },
        { type: 'INSERT_SLIDE', slide: newSlide('n1'), afterSlideId: 's1' },
      ],
      2,
    );
    expect(twice.conflicts).toEqual([expect.objectContaining({ operationIndex: 1, code: 'DUPLICATE_ID', slideId: 'n1' })]);
    expect(ids(server.stored)).toEqual(['s1', 's2']);
  });

  it('inserting an element whose id exists on the slide is DUPLICATE_ID', () => {
    const result = server.submit([{ type: 'INSERT_ELEMENT', slideId: 's1', element: shapeElement('t1') }], 2);
    expect(result.conflicts).toEqual([expect.objectContaining({ operationIndex: 0, code: 'DUPLICATE_ID', slideId: 's1', elementId: 't1' })]);
    expect(elementIds(server.stored, 's1')).toEqual(['t1', 'sh1']);
  });

  it('moving a slide after itself is INVALID_TARGET', () => {
    const result = server.submit([{ type: 'MOVE_SLIDE', slideId: 's2', afterSlideId: 's2' }], 2);
    expect(result.conflicts).toEqual([expect.objectContaining({ operationIndex: 0, code: 'INVALID_TARGET', slideId: 's2' })]);
    expect(ids(server.stored)).toEqual(['s1', 's2']);
  });
});

// ---------------------------------------------------------------- 4. invalid input

describe('invalid input', () => {
  let server: Server;
  beforeEach(() => {
    server = new Server(initialState());
  });

  const cases: [string, DeckOperation, string][] = [
    ['UPDATE_ELEMENT changing id', { type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 1, id: 'other' } }, 'operations.1.props.id'],
    ['UPDATE_ELEMENT changing type', { type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { type: 'shape' } }, 'operations.1.props.type'],
    ['UPDATE_SLIDE of elements', { type: 'UPDATE_SLIDE', slideId: 's1', props: { elements: [] } }, 'operations.1.props.elements'],
    ['UPDATE_SLIDE of its id', { type: 'UPDATE_SLIDE', slideId: 's1', props: { id: 's9' } }, 'operations.1.props.id'],
    ['UPDATE_DECK with an empty title', { type: 'UPDATE_DECK', props: { title: '' } }, 'operations.1.props.title'],
    ['UPDATE_DECK with a blank title', { type: 'UPDATE_DECK', props: { title: '   ' } }, 'operations.1.props.title'],
    ['UPDATE_DECK with a too small width', { type: 'UPDATE_DECK', props: { width: 50 } }, 'operations.1.props.width'],
    ['UPDATE_DECK with a non-object theme', { type: 'UPDATE_DECK', props: { theme: 'dark' } }, 'operations.1.props.theme'],
    ['UPDATE_DECK of an unknown field', { type: 'UPDATE_DECK', props: { slides: [] } }, 'operations.1.props.slides'],
    ['an inserted text element without defaultColor', { type: 'INSERT_ELEMENT', slideId: 's1', element: textElement('e1', { defaultColor: undefined }) }, 'slides.s1.elements.2.defaultColor'],
    ['an inserted element of an unknown type', { type: 'INSERT_ELEMENT', slideId: 's3', element: { id: 'e1', type: 'sticker', left: 0, top: 0, width: 1, height: 1, rotate: 0 } }, 'slides.s3.elements.0.type'],
    ['an element update to a non-number position', { type: 'UPDATE_ELEMENT', slideId: 's2', elementId: 't2', props: { left: 'far' } }, 'slides.s2.elements.0.left'],
    ['an element update removing a required property', { type: 'UPDATE_ELEMENT', slideId: 's2', elementId: 't2', props: { content: null } }, 'slides.s2.elements.0.content'],
    ['a slide update to an unknown slide type', { type: 'UPDATE_SLIDE', slideId: 's2', props: { type: 'poster' } }, 'slides.s2.type'],
    ['an inserted slide without elements', { type: 'INSERT_SLIDE', slide: { id: 'n1', background: { type: 'solid', color: '#fff' } }, afterSlideId: 's1' }, 'slides.n1.elements'],
    ['an inserted slide with duplicate element ids', { type: 'INSERT_SLIDE', slide: newSlide('n1', [textElement('x'), shapeElement('x')]) }, 'slides.n1.elements.1.id'],
  ];

  it.each(cases)('%s is invalid with its path, and nothing changes', (_name, operation, path) => {
    const before = json(replica(server.stored));
    const result = server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 'sh1', props: { fill: '#000000' } }, operation], 0);
    expect(result.conflicts).toEqual([]);
    expect(result.invalid).toEqual({ path, message: expect.any(String) });
    expect(result.invalid!.message.length).toBeGreaterThan(0);
    expect(server.revision).toBe(0);
    expect(replica(server.stored)).toEqual(before);
  });
});

// ---------------------------------------------------------------- 5. inverses

describe('inverse operations', () => {
  /** Applies `operations` at revision (setup + 1), then its inverse based on that revision. */
  function roundTrip(operations: DeckOperation[], setup: DeckOperation[] = []): { server: Server; before: ReturnType<typeof visible>; after: ReturnType<typeof visible>; result: ApplyResult } {
    const server = new Server(initialState());
    if (setup.length > 0) expectApplied(server.submit(setup, 0));
    const before = visible(server.stored);
    const result = server.submit(operations, server.revision);
    expectApplied(result);
    const after = visible(server.stored);
    expect(after).not.toEqual(before);
    expect(result.inverse.length).toBeGreaterThan(0);
    expectApplied(server.undo(server.revision));
    expect(visible(server.stored)).toEqual(before);
    expectSortedKeys(server.stored);
    return { server, before, after, result };
  }

  const cases: [string, DeckOperation[], DeckOperation[]][] = [
    ['INSERT_SLIDE after a slide', [{ type: 'INSERT_SLIDE', slide: newSlide('n1', [textElement('n1t')]), afterSlideId: 's2' }], []],
    ['INSERT_SLIDE at the start', [{ type: 'INSERT_SLIDE', slide: newSlide('n1') }], []],
    ['DELETE_SLIDE in the middle', [{ type: 'DELETE_SLIDE', slideId: 's2' }], []],
    ['DELETE_SLIDE of the first slide', [{ type: 'DELETE_SLIDE', slideId: 's1' }], []],
    ['DELETE_SLIDE of the last slide', [{ type: 'DELETE_SLIDE', slideId: 's3' }], []],
    ['MOVE_SLIDE to the start', [{ type: 'MOVE_SLIDE', slideId: 's3', afterSlideId: null }], []],
    ['MOVE_SLIDE of the first slide to the end', [{ type: 'MOVE_SLIDE', slideId: 's1', afterSlideId: 's3' }], []],
    ['UPDATE_SLIDE (changed, added and removed fields)', [{ type: 'UPDATE_SLIDE', slideId: 's2', props: { remark: null, type: 'cover', background: { type: 'solid', color: '#000000' } } }], []],
    ['INSERT_ELEMENT', [{ type: 'INSERT_ELEMENT', slideId: 's1', element: textElement('e1'), index: 1 }], []],
    ['UPDATE_ELEMENT (changed and added properties)', [{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 99, name: 'Title', outline: { width: 1 } } }], []],
    ['DELETE_ELEMENT of the bottom element', [{ type: 'DELETE_ELEMENT', slideId: 's1', elementId: 't1' }], []],
    ['REORDER_ELEMENT', [{ type: 'REORDER_ELEMENT', slideId: 's1', elementId: 't1', index: 1 }], []],
    ['GROUP_ELEMENTS', [{ type: 'GROUP_ELEMENTS', slideId: 's1', elementIds: ['t1', 'sh1'], groupId: 'g1' }], []],
    ['GROUP_ELEMENTS regrouping members of another group', [{ type: 'GROUP_ELEMENTS', slideId: 's1', elementIds: ['sh1', 't1', 'sh1'], groupId: 'g2' }], [{ type: 'GROUP_ELEMENTS', slideId: 's1', elementIds: ['t1', 'sh1'], groupId: 'g1' }]],
    ['UNGROUP_ELEMENTS', [{ type: 'UNGROUP_ELEMENTS', slideId: 's1', groupId: 'g1' }], [{ type: 'GROUP_ELEMENTS', slideId: 's1', elementIds: ['t1', 'sh1'], groupId: 'g1' }]],
    ['UPDATE_DECK', [{ type: 'UPDATE_DECK', props: { title: 'New', width: 1280, height: 720, theme: { ...THEME, fontName: 'Inter' } } }], []],
  ];

  it.each(cases)('the inverse of %s restores the previous deck', (_name, operations, setup) => {
    roundTrip(operations, setup);
  });

  it('inverses name the operations that undo the change', () => {
    expect(roundTrip([{ type: 'DELETE_SLIDE', slideId: 's2' }]).result.inverse).toEqual([
      { type: 'INSERT_SLIDE', slide: { id: 's2', elements: [textElement('t2')], remark: 'speaker notes' }, afterSlideId: 's1' },
    ]);
    expect(roundTrip([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 99, name: 'x' } }]).result.inverse).toEqual([
      { type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 10, name: null } },
    ]);
    expect(roundTrip([{ type: 'DELETE_ELEMENT', slideId: 's1', elementId: 't1' }]).result.inverse).toEqual([{ type: 'INSERT_ELEMENT', slideId: 's1', element: textElement('t1'), index: 0 }]);
    expect(roundTrip([{ type: 'MOVE_SLIDE', slideId: 's1', afterSlideId: 's3' }]).result.inverse).toEqual([{ type: 'MOVE_SLIDE', slideId: 's1', afterSlideId: null }]);
  });

  it('the inverse of a multi-operation batch undoes the whole batch, and its own inverse redoes it', () => {
    const { server, after } = roundTrip([
      { type: 'INSERT_SLIDE', slide: newSlide('n1', [textElement('a')]), afterSlideId: 's1' },
      { type: 'INSERT_ELEMENT', slideId: 'n1', element: shapeElement('b'), index: 0 },
      { type: 'UPDATE_ELEMENT', slideId: 'n1', elementId: 'b', props: { left: 7, fill: '#ff0000' } },
      { type: 'GROUP_ELEMENTS', slideId: 'n1', elementIds: ['a', 'b'], groupId: 'g1' },
      { type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { top: 300 } },
      { type: 'GROUP_ELEMENTS', slideId: 's1', elementIds: ['t1', 'sh1'], groupId: 'g2' },
      { type: 'MOVE_SLIDE', slideId: 's3', afterSlideId: null },
      { type: 'DELETE_ELEMENT', slideId: 's2', elementId: 't2' },
      { type: 'DELETE_SLIDE', slideId: 's2' },
      { type: 'UPDATE_DECK', props: { title: 'Batch' } },
    ]);
    expect(after.slides.map((s) => s.id)).toEqual(['s3', 's1', 'n1']);
    expect(elementIds(server.stored, 's1')).toEqual(['t1', 'sh1']);
    // Redo: the undo batch's inverse, based on the undo's revision.
    expectApplied(server.undo(server.revision));
    expect(visible(server.stored)).toEqual(after);
    expectSortedKeys(server.stored);
  });

  it('the inverse of a batch that moves and deletes neighbouring slides restores their order', () => {
    roundTrip([
      { type: 'DELETE_SLIDE', slideId: 's1' },
      { type: 'DELETE_SLIDE', slideId: 's2' },
      { type: 'INSERT_SLIDE', slide: newSlide('n1'), afterSlideId: 's3' },
      { type: 'MOVE_SLIDE', slideId: 's3', afterSlideId: 'n1' },
      { type: 'INSERT_SLIDE', slide: newSlide('s2', [textElement('other')]) },
    ]);
  });
});

// ---------------------------------------------------------------- 6. undo after others edited

describe('undo after others edited', () => {
  it('reverts a change after someone else edited another element', () => {
    const server = new Server(initialState());
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 50 } }], 0)); // A, rev 1
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 'sh1', props: { left: 60 } }], 0)); // B, rev 2
    const undo = server.undo(1); // A's inverse, based on 1, becomes rev 3
    expectApplied(undo);
    expect(server.revision).toBe(3);
    expect(elementOf(server.stored, 's1', 't1')).toEqual(textElement('t1'));
    expect(elementOf(server.stored, 's1', 'sh1')?.left).toBe(60);
  });

  it('reverts a change after someone else edited another property of the same element', () => {
    const server = new Server(initialState());
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 50 } }], 0));
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { top: 90 } }], 1));
    expectApplied(server.undo(1));
    expect(elementOf(server.stored, 's1', 't1')).toEqual(textElement('t1', { top: 90 }));
  });

  it('conflicts when someone else changed the same property since', () => {
    const server = new Server(initialState());
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 50 } }], 0));
    expectApplied(server.submit([{ type: 'UPDATE_ELEMENT', slideId: 's1', elementId: 't1', props: { left: 70 } }], 1));
    const undo = server.undo(1);
    expect(undo.conflicts).toEqual([expect.objectContaining({ operationIndex: 0, code: 'CHANGED_SINCE_BASE', slideId: 's1', elementId: 't1', property: 'left', currentValue: 70 })]);
    expect(server.revision).toBe(2);
    expect(elementOf(server.stored, 's1', 't1')?.left).toBe(70);
  });

  it('conflicts when someone else moved the same slide since, and not when they moved another', () => {
    const server = new Server(initialState());
    expectApplied(server.submit([{ type: 'MOVE_SLIDE', slideId: 's3', afterSlideId: null }], 0));
    expectApplied(server.submit([{ type: 'MOVE_SLIDE', slideId: 's1', afterSlideId: 's2' }], 1));
    expectApplied(server.undo(1));
    expect(ids(server.stored)).toEqual(['s2', 's3', 's1']);
    expectApplied(server.submit([{ type: 'MOVE_SLIDE', slideId: 's2', afterSlideId: 's3' }], 3)); // rev 4
    expectApplied(server.submit([{ type: 'MOVE_SLIDE', slideId: 's2', afterSlideId: 's1' }], 4)); // rev 5
    expect(server.undo(4).conflicts).toEqual([expect.objectContaining({ code: 'CHANGED_SINCE_BASE', slideId: 's2', property: 'position', currentValue: { afterSlideId: 's1' } })]);
  });

  it('undoing an element insert after the slide was deleted is TARGET_MISSING', () => {
    const server = new Server(initialState());
    expectApplied(server.submit([{ type: 'INSERT_ELEMENT', slideId: 's3', element: textElement('e1') }], 0));
    expectApplied(server.submit([{ type: 'DELETE_SLIDE', slideId: 's3' }], 1));
    expect(server.undo(1).conflicts).toEqual([expect.objectContaining({ code: 'TARGET_MISSING', slideId: 's3' })]);
  });
});

// ---------------------------------------------------------------- 7. convergence


class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

interface Client {
  name: string;
  state: DeckState;
  revision: number;
  /** Revisions of this client's applied edit batches (for undo). */
  mine: number[];
}

/** One random operation against `state` (the client's view, with earlier ops of the batch applied). */
function randomOperation(random: Random, state: DeckState, fresh: (kind: string) => string): DeckOperation {
  const slides = state.slides;
  const withElements = slides.filter((s) => ((s.content?.elements as JsonObject[] | undefined) ?? []).length > 0);
  const kind = random.int(100);
  const smallNumber = () => random.int(4) * 10;

  if (slides.length === 0 || kind < 12) {
    const elements = random.chance(0.5) ? [textElement(fresh('e'), { left: smallNumber() })] : [];
    const afterSlideId = slides.length === 0 || random.chance(0.3) ? null : random.pick(slides).id;
    return { type: 'INSERT_SLIDE', slide: newSlide(fresh('s'), elements), afterSlideId };
  }
  const slide = random.pick(slides);
  if (kind < 20) return { type: 'DELETE_SLIDE', slideId: slide.id };
  if (kind < 32) {
    const others = slides.filter((s) => s.id !== slide.id);
    const afterSlideId = others.length === 0 || random.chance(0.3) ? null : random.pick(others).id;
    return { type: 'MOVE_SLIDE', slideId: slide.id, afterSlideId };
  }
  if (kind < 42) {
    const props = random.pick<JsonObject>([
      { remark: random.pick(['', 'note A', 'note B']) },
      { background: { type: 'solid', color: random.pick(['#ffffff', '#000000']) } },
      { type: random.pick([...SLIDE_TYPES, null]) },
      { turningMode: random.pick(['fade', 'slideY']), remark: random.pick(['x', 'y']) },
    ]);
    return { type: 'UPDATE_SLIDE', slideId: slide.id, props };
  }
  if (kind < 48) return { type: 'UPDATE_DECK', props: random.chance(0.8) ? { title: random.pick(['Alpha', 'Beta', 'Gamma']) } : { width: random.pick([1000, 1280]) } };
  const elementCount = ((slide.content?.elements as JsonObject[] | undefined) ?? []).length;
  if (kind < 60 || withElements.length === 0) {
    const element = random.chance(0.5) ? textElement(fresh('e'), { top: smallNumber() }) : shapeElement(fresh('e'), { left: smallNumber() });
    return random.chance(0.7) ? { type: 'INSERT_ELEMENT', slideId: slide.id, element, index: random.int(elementCount + 2) } : { type: 'INSERT_ELEMENT', slideId: slide.id, element };
  }
  const target = random.pick(withElements);
  const elements = target.content!.elements as JsonObject[];
  const element = random.pick(elements);
  const elementId = String(element.id);
  if (kind < 80) {
    const props = random.pick<JsonObject>([{ left: smallNumber() }, { top: smallNumber() }, { left: smallNumber(), width: 100 + smallNumber() }, { name: random.pick(['a', 'b', null]) }, { rotate: random.pick([0, 45]) }]);
    return { type: 'UPDATE_ELEMENT', slideId: target.id, elementId, props };
  }
  if (kind < 87) return { type: 'DELETE_ELEMENT', slideId: target.id, elementId };
  if (kind < 94) return { type: 'REORDER_ELEMENT', slideId: target.id, elementId, index: random.int(elements.length + 1) };
  const grouped = elements.find((e) => typeof e.groupId === 'string');
  if (grouped && random.chance(0.5)) return { type: 'UNGROUP_ELEMENTS', slideId: target.id, groupId: String(grouped.groupId) };
  if (elements.length >= 2) {
    const other = random.pick(elements.filter((e) => e !== element));
    return { type: 'GROUP_ELEMENTS', slideId: target.id, elementIds: [elementId, String(other.id)], groupId: fresh('g') };
  }
  return { type: 'UPDATE_ELEMENT', slideId: target.id, elementId, props: { top: smallNumber() } };
}

describe('convergence of server and replaying clients', () => {
  const ROUNDS = 200;
  const STEPS = 16;

  function catchUp(client: Client, server: Server, problems: string[], round: number): void {
    if (client.revision === server.revision) return;
    for (const entry of server.log.slice(client.revision)) {
      const result = applyOperations(client.state, entry.applied, { revision: entry.revision, baseRevision: entry.revision - 1, mode: 'replay' });
      if (result.conflicts.length > 0 || result.invalid) problems.push(`round ${round}: ${client.name} could not replay revision ${entry.revision}: ${JSON.stringify(result.conflicts)} ${JSON.stringify(result.invalid)}`);
      client.revision = entry.revision;
    }
    // Caught up: the client now has exactly the server's document (checked at every catch-up, not
    // only at the end, so a divergence that a later delete would hide is still seen).
    if (!deepEqual(replica(client.state), replica(server.stored))) problems.push(`round ${round}: ${client.name} differs from the server at revision ${client.revision}`);
  }

  it(`${ROUNDS} seeded rounds of 3 clients editing concurrently all end with the server's document`, () => {
    const totals = { applied: 0, conflicts: 0, invalid: 0, undos: 0 };
    const codes = new Set<string>();
    const opTypes = new Set<string>();
    const problems: string[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const seed = 0x5eed + round;
      const random = new Random(seed);
      const initial = stateFromDocument({ title: 'Deck', theme: THEME, width: 1000, height: 562.5 }, keysAfter(null, 3).map((orderKey, i) => ({ id: `s${i}`, orderKey, content: { elements: [textElement(`s${i}e0`), shapeElement(`s${i}e1`)] } })));
      const server = new Server(structuredClone(initial));
      const clients: Client[] = ['A', 'B', 'C'].map((name) => ({ name, state: structuredClone(initial), revision: 0, mine: [] }));
      let counter = 0;

      for (let step = 0; step < STEPS; step++) {
        const client = random.pick(clients);
        if (random.chance(0.4)) catchUp(client, server, problems, round);
        let result: ApplyResult;
        if (client.mine.length > 0 && random.chance(0.08)) {
          // Undo this client's last edit: its logged inverse, based on that batch's revision.
          totals.undos += 1;
          result = server.undo(client.mine.pop()!);
        } else {
          const scratch = structuredClone(client.state);
          const operations: DeckOperation[] = [];
          const count = 1 + random.int(3);
          for (let i = 0; i < count; i++) {
            const op = randomOperation(random, scratch, (kind) => `${client.name}${kind}${counter++}`);
            operations.push(op);
            opTypes.add(op.type);
            // Later operations of the batch see the earlier ones, as in a real editor.
            applyOperations(scratch, [op], { revision: Number.MAX_SAFE_INTEGER, baseRevision: client.revision, mode: 'replay' });
          }
          result = server.submit(operations, client.revision);
          if (result.conflicts.length === 0 && !result.invalid) client.mine.push(server.revision);
        }
        if (result.conflicts.length > 0) {
          totals.conflicts += 1;
          for (const conflict of result.conflicts) codes.add(conflict.code);
        } else if (result.invalid) {
          totals.invalid += 1;
          problems.push(`round ${round} (seed ${seed}) step ${step}: unexpected invalid ${JSON.stringify(result.invalid)}`);
        } else {
          totals.applied += 1;
        }
        // A rejected batch is dropped; the client catches up. Others catch up now and then.
        if (result.conflicts.length > 0 || result.invalid) catchUp(client, server, problems, round);
        if (random.chance(0.3)) catchUp(random.pick(clients), server, problems, round);
      }

      for (const client of clients) {
        catchUp(client, server, problems, round);
        // (toEqual only on a mismatch, for its diff: it is slow over thousands of comparisons.)
        if (!deepEqual(replica(client.state), replica(server.stored))) expect({ round, seed, client: client.name, deck: replica(client.state) }).toEqual({ round, seed, client: client.name, deck: replica(server.stored) });
      }
      problems.push(...server.unordered.map((problem) => `round ${round}: engine state out of order-key order at ${problem}`));
      for (let i = 1; i < server.stored.slides.length; i++) {
        const [a, b] = [server.stored.slides[i - 1]!, server.stored.slides[i]!];
        if (!(a.orderKey < b.orderKey)) problems.push(`round ${round}: order keys not strictly ascending: ${a.id}=${a.orderKey} then ${b.id}=${b.orderKey}`);
      }
    }

    expect(problems).toEqual([]);
    // The run exercised what it claims to: many applied batches, real conflicts, every operation type.
    expect(totals.applied).toBeGreaterThan(ROUNDS * 10);
    expect(totals.conflicts).toBeGreaterThan(ROUNDS);
    expect(totals.undos).toBeGreaterThan(50);
    expect([...codes].sort()).toEqual(expect.arrayContaining(['CHANGED_SINCE_BASE', 'TARGET_MISSING']));
    expect([...opTypes].sort()).toEqual(['DELETE_ELEMENT', 'DELETE_SLIDE', 'GROUP_ELEMENTS', 'INSERT_ELEMENT', 'INSERT_SLIDE', 'MOVE_SLIDE', 'REORDER_ELEMENT', 'UNGROUP_ELEMENTS', 'UPDATE_DECK', 'UPDATE_ELEMENT', 'UPDATE_SLIDE']);
  });

  it('undo then redo of random batches by one person restores the deck before and after each batch', () => {
    const random = new Random(0xc0ffee);
    const server = new Server(initialState());
    let counter = 0;
    let checked = 0;
    const problems: string[] = [];
    for (let step = 0; step < 150; step++) {
      const scratch = structuredClone(server.stored);
      const operations: DeckOperation[] = [];
      for (let i = 0, count = 1 + random.int(4); i < count; i++) {
        const op = randomOperation(random, scratch, (kind) => `u${kind}${counter++}`);
        operations.push(op);
        applyOperations(scratch, [op], { revision: Number.MAX_SAFE_INTEGER, baseRevision: server.revision, mode: 'replay' });
      }
      const before = json(visible(server.stored));
      const result = server.submit(operations, server.revision);
      if (result.conflicts.length > 0 || result.invalid) {
        problems.push(`step ${step}: batch rejected ${JSON.stringify(result.conflicts)} ${JSON.stringify(result.invalid)}`);
        continue;
      }
      const after = json(visible(server.stored));
      const batch = server.revision;
      const undo = server.undo(batch);
      if (undo.conflicts.length > 0 || undo.invalid) problems.push(`step ${step}: undo of ${JSON.stringify(operations)} rejected ${JSON.stringify(undo.conflicts)} ${JSON.stringify(undo.invalid)}`);
      else if (!deepEqual(visible(server.stored), before)) expect({ step, operations, deck: visible(server.stored) }).toEqual({ step, operations, deck: before });
      const redo = server.undo(server.revision);
      if (redo.conflicts.length > 0 || redo.invalid) problems.push(`step ${step}: redo of ${JSON.stringify(operations)} rejected ${JSON.stringify(redo.conflicts)} ${JSON.stringify(redo.invalid)}`);
      else if (!deepEqual(visible(server.stored), after)) expect({ step, operations, deck: visible(server.stored) }).toEqual({ step, operations, deck: after });
      checked += 1;
    }
    expect(problems).toEqual([]);
    expect(checked).toBe(150);
    expectSortedKeys(server.stored);
  });

  it('sameJson ignores key order but not values or array order', () => {
    expect(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson(null, {})).toBe(false);
  });
});
