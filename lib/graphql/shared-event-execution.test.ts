import { GraphQLBoolean, GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { sharingKey, subscribeSharingEvents } from './shared-event-execution.js';

interface Note {
  text: string;
}

/** A bus handing every listener the same event object, as the Redis pub/sub does. */
function bus() {
  const listeners = new Set<(note: Note) => void>();
  let closed = 0;
  return {
    publish: (note: Note) => listeners.forEach((listener) => listener(note)),
    get closed() {
      return closed;
    },
    stream(): AsyncIterableIterator<Note> {
      const queue: Note[] = [];
      let wake: (() => void) | null = null;
      const listener = (note: Note) => {
        queue.push(note);
        wake?.();
      };
      listeners.add(listener);
      return {
        [Symbol.asyncIterator]() {
          return this;
        },
        async next() {
          while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          return { done: false, value: queue.shift()! };
        },
        async return() {
          listeners.delete(listener);
          closed++;
          return { done: true, value: undefined };
        },
      };
    },
  };
}

function fixture() {
  const notes = bus();
  const calls = { text: 0 };
  const Note = new GraphQLObjectType<Note, { viewer: string }>({
    name: 'Note',
    fields: {
      text: {
        type: GraphQLString,
        args: { upper: { type: GraphQLBoolean } },
        resolve: (note, { upper }) => {
          calls.text++;
          return upper ? note.text.toUpperCase() : note.text;
        },
      },
      seenBy: { type: GraphQLString, resolve: (_note, _args, ctx) => ctx.viewer },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLBoolean } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        notes: { type: Note, args: { after: { type: new GraphQLNonNull(GraphQLInt) } }, subscribe: () => notes.stream(), resolve: (note: Note) => note },
        otherNotes: { type: Note, subscribe: () => notes.stream(), resolve: (note: Note) => note },
      },
    }),
  });
  const subscribe = subscribeSharingEvents({ rootFields: ['notes'], fields: { Note: ['text'] } });
  const open = async (query: string, viewer: string, variableValues: Record<string, unknown> = {}) =>
    (await subscribe({ schema, document: parse(query), contextValue: { viewer }, variableValues })) as AsyncIterableIterator<ExecutionResult>;
  return { schema, notes, calls, open };
}

describe('subscribeSharingEvents', () => {
  it('executes an event once for subscribers with the same selection, whatever events they chose to start from', async () => {
    const { notes, calls, open } = fixture();
    const a = await open('subscription($after: Int!) { notes(after: $after) { text } }', 'ann', { after: 1 });
    const b = await open('subscription($after: Int!) { notes(after: $after) { text } }', 'bob', { after: 7 });
    notes.publish({ text: 'hello' });
    const [ra, rb] = await Promise.all([a.next(), b.next()]);
    expect(ra.value).toEqual({ data: { notes: { text: 'hello' } } });
    expect(rb.value).toBe(ra.value);
    expect(calls.text).toBe(1);
    await a.return!();
    await b.return!();
    expect(notes.closed).toBe(2);
  });

  it('executes per subscriber when the selection reads the caller, or its variables under the root differ', async () => {
    const { notes, calls, open } = fixture();
    const ann = await open('subscription { notes(after: 0) { text seenBy } }', 'ann');
    const bob = await open('subscription { notes(after: 0) { text seenBy } }', 'bob');
    const upper = await open('subscription($u: Boolean) { notes(after: 0) { text(upper: $u) } }', 'cy', { u: true });
    const lower = await open('subscription($u: Boolean) { notes(after: 0) { text(upper: $u) } }', 'di', { u: false });
    notes.publish({ text: 'hi' });
    const results = (await Promise.all([ann, bob, upper, lower].map((s) => s.next()))).map((r) => r.value);
    expect(results).toEqual([
      { data: { notes: { text: 'hi', seenBy: 'ann' } } },
      { data: { notes: { text: 'hi', seenBy: 'bob' } } },
      { data: { notes: { text: 'HI' } } },
      { data: { notes: { text: 'hi' } } },
    ]);
    expect(calls.text).toBe(4);
  });

  it('shares only listed root fields', () => {
    const { schema } = fixture();
    const same = { rootFields: ['notes'], fields: { Note: ['text'] } };
    expect(sharingKey({ schema, document: parse('subscription { otherNotes { text } }') }, same)).toBeNull();
    expect(sharingKey({ schema, document: parse('subscription { notes(after: 1) { ... on Note { seenBy } } }') }, same)).toBeNull();
    expect(sharingKey({ schema, document: parse('subscription { notes(after: 1) { __typename text } }') }, same)).toEqual(expect.any(String));
  });
});
