// Replay-then-live delivery over an at-most-once bus. The live subscription is opened (and
// acknowledged) before the log is read, and live events are buffered meanwhile; after the replay,
// only events newer than the last delivered one are passed on. So nothing falls into the gap
// between the two, and nothing is delivered twice at the seam.
//
// Positions in the log are consecutive, so a live event that skips positions means the bus lost or
// reordered something (a publisher's message overtaken by a later one, a Redis reconnect): the
// missing events are read from the log before it is delivered. A loss signal (the subscriber's
// connection came back) triggers the same catch-up even when no later event arrives.
import { subscriptionEventsDropped } from './observability/graphql-metrics.js';
import { waiter } from './stoppable.js';

export interface ReplayThenLiveOptions<E> {
  /** Subscribe to live events; resolves once the subscription is active, returns an unsubscribe. */
  subscribe(onEvent: (event: E) => void): Promise<() => void | Promise<void>>;
  /** Events already logged after `after`, in order. */
  replay(after: number): Promise<E[]>;
  /** The event's position in the log (consecutive integers); null for control events that are not
   *  logged and are delivered as they arrive. */
  position(event: E): number | null;
  /** The client's cursor: events at or before it are not delivered. */
  after: number;
  /** An event after which the stream ends (a finished job, a deleted deck). */
  isTerminal?(event: E): boolean;
  /** Registers a callback for "live events may have been lost"; returns an unregister. */
  onPossibleLoss?(notify: () => void): () => void;
  /** Ends the stream (unsubscribing) even while it waits for an event; see lib/stoppable.ts. */
  signal?: AbortSignal;
}

export async function* replayThenLive<E>(options: ReplayThenLiveOptions<E>): AsyncGenerator<E, void, undefined> {
  const buffered: E[] = [];
  let lossSuspected = false;
  const signal = options.signal ?? new AbortController().signal;
  const { wait, wake } = waiter(signal);
  const unsubscribe = await options.subscribe((event) => {
    buffered.push(event);
    wake();
  });
  const stopWatchingLoss = options.onPossibleLoss?.(() => {
    lossSuspected = true;
    wake();
  });
  let last = options.after;
  // Yields the logged events after `last`; false once a terminal one was delivered.
  async function* catchUp(): AsyncGenerator<E, boolean> {
    for (const event of await options.replay(last)) {
      const position = options.position(event);
      if (position === null || position <= last) continue;
      last = position;
      yield event;
      if (options.isTerminal?.(event)) return false;
    }
    return true;
  }
  try {
    if (!(yield* catchUp())) return;
    while (!signal.aborted) {
      if (lossSuspected) {
        lossSuspected = false;
        if (!(yield* catchUp())) return;
      }
      while (buffered.length > 0) {
        const event = buffered.shift()!;
        const position = options.position(event);
        if (position !== null) {
          if (position <= last) continue;
          if (position > last + 1) subscriptionEventsDropped.inc({ reason: 'bus_gap' }, position - last - 1);
          if (position > last + 1 && !(yield* catchUp())) return;
          if (position <= last) continue;
          last = position;
        }
        yield event;
        if (options.isTerminal?.(event)) return;
      }
      if (lossSuspected) continue;
      await wait();
    }
  } finally {
    const undelivered = buffered.filter((event) => (options.position(event) ?? Infinity) > last).length;
    if (undelivered > 0) subscriptionEventsDropped.inc({ reason: 'stream_closed' }, undelivered);
    stopWatchingLoss?.();
    await unsubscribe();
  }
}
