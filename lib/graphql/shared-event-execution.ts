// Fifty people following one deck receive each edit as the same event object from the bus, and
// graphql-js would execute every subscriber's selection on it separately: fifty identical
// executions per edit. `subscribeSharingEvents` executes an event once per distinct selection (the
// printed operation and the variables used under its root field) and hands every subscriber with
// that selection the same result.
//
// Only where that is safe: the root field must be listed, and every field the selection reads must
// be one whose value depends on the event alone (`SameForEveryone`), never on who is asking; any
// other subscription is executed per subscriber as graphql-js would. Control events that a
// subscriber's stream rewrites for that subscriber are new objects, so they are never shared.
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, getOperationAST, Kind, print, subscribe, visit } from 'graphql';
import { everySelectedField } from './selected-fields.js';
import { isAsyncIterable } from '../stoppable.js';

/** Subscription root fields whose events may be shared, and per type the fields that read only the event. */
export interface SameForEveryone {
  rootFields: readonly string[];
  fields: Readonly<Record<string, '*' | readonly string[]>>;
}

type Execution = ExecutionResult | Promise<ExecutionResult>;


/** A `subscribe` for graphql-ws that shares executions per event where `sameForEveryone` allows. */
export function subscribeSharingEvents(sameForEveryone: SameForEveryone): (args: ExecutionArgs) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  // Per event object, the executions so far by selection key; gone with the event.
  const executions = new WeakMap<object, Map<string, Execution>>();
  return async (args) => {
    const key = sharingKey(args, sameForEveryone);
    if (key === null) return subscribe(args) as Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    return mapEvents(source, (event) => {
      if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
      let byKey = executions.get(event);
      if (!byKey) executions.set(event, (byKey = new Map()));
      let result = byKey.get(key);
      if (!result) byKey.set(key, (result = execute({ ...args, rootValue: event })));
      return result;
    });
  };
}

/**
 * What identifies a selection's result for one event, or null when the selection must be executed
 * per subscriber (a root field not listed, or any field that may depend on the caller).
 */
export function sharingKey(args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>, sameForEveryone: SameForEveryone): string | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== 'subscription') return null;
  const roots = operation.selectionSet.selections;
  if (roots.length !== 1 || roots[0]!.kind !== Kind.FIELD || !sameForEveryone.rootFields.includes(roots[0]!.name.value)) return null;
  const subscriptionType = args.schema.getSubscriptionType()?.name;
  const readsOnlyTheEvent = everySelectedField(args.schema, args.document, (parent, field) => {
    if (field === '__typename' || parent === subscriptionType) return true;
    const allowed = sameForEveryone.fields[parent];
    return allowed === '*' || Boolean(allowed?.includes(field));
  });
  if (!readsOnlyTheEvent) return null;
  // Variables used under the root field change the result; the root field's own arguments (which
  // deck, from which revision) only choose the events.
  const used = new Set<string>();
  visit(roots[0]!.selectionSet ?? { kind: Kind.SELECTION_SET, selections: [] }, { Variable: (node) => void used.add(node.name.value) });
  for (const fragment of args.document.definitions) if (fragment.kind === Kind.FRAGMENT_DEFINITION) visit(fragment, { Variable: (node) => void used.add(node.name.value) });
  const variables = [...used].sort().map((name) => [name, args.variableValues?.[name] ?? null]);
  return `${args.operationName ?? ''}\n${print(args.document)}\n${JSON.stringify(variables)}`;
}

/** `source` with `map` applied to each event; closing it closes the source at once. */
function mapEvents<T, R>(source: AsyncIterable<T>, map: (event: T) => R | Promise<R>): AsyncIterableIterator<R> {
  const iterator = source[Symbol.asyncIterator]();
  const close = async (): Promise<IteratorResult<R>> => {
    await iterator.return?.();
    return { done: true, value: undefined };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const step = await iterator.next();
      if (step.done) return { done: true, value: undefined };
      try {
        return { done: false, value: await map(step.value) };
      } catch (error) {
        await close();
        throw error;
      }
    },
    return: close,
    async throw(error?: unknown) {
      await close();
      throw error;
    },
  };
}
