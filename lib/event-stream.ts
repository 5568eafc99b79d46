// Replay-then-live delivery over an at-most-once bus. The live subscription is opened (and
// acknowledged) before the log is read, and live events are buffered meanwhile; after the replay,
// only events newer than the last replayed one are passed on. So nothing falls into the gap
// between the two, and nothing is delivered twice at the seam.

export interface ReplayThenLiveOptions<E> {
  /** Subscribe to live events; resolves once the subscription is active, returns an unsubscribe. */
  subscribe(onEvent: (event: E) => void): Promise<() => void | Promise<void>>;
  /** Events already logged after the cursor, in order. */
  replay(): Promise<E[]>;
  /** The event's position in the log (strictly increasing). */
  position(event: E): number;
  /** The client's cursor: events at or before it are not delivered. */
  after: number;
  /** An event after which the stream ends (a finished job, a closed deck). */
  isTerminal?(event: E): boolean;
}

export async function* replayThenLive<E>(options: ReplayThenLiveOptions<E>): AsyncGenerator<E, void, undefined> {
  const buffered: E[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = await options.subscribe((event) => {
    buffered.push(event);
    wake?.();
  });
  try {
    let last = options.after;
    for (const event of await options.replay()) {
      if (options.position(event) <= last) continue;
      last = options.position(event);
      yield event;
      if (options.isTerminal?.(event)) return;
    }
    for (;;) {
      while (buffered.length > 0) {
        const event = buffered.shift()!;
        if (options.position(event) <= last) continue;
        last = options.position(event);
        yield event;
        if (options.isTerminal?.(event)) return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    await unsubscribe();
  }
}
