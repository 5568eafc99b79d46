// An async generator that is waiting for its next event cannot be stopped: `return()` queues
// behind the pending `next()`, so an unsubscribing client would leave the generator (and its Redis
// subscription, timers) alive until some event happens to arrive. `stoppable` hands the generator
// an AbortSignal that fires first, so its wait ends and its `finally` runs at once.
export function stoppable<T>(body: (signal: AbortSignal) => AsyncGenerator<T>): AsyncIterableIterator<T> & { return(): Promise<IteratorResult<T>> } {
  const controller = new AbortController();
  const inner = body(controller.signal);
  return {
    next: () => inner.next(),
    return: () => {
      controller.abort();
      return inner.return(undefined);
    },
    throw: (error?: unknown) => {
      controller.abort();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Resolves on the next `wake()` or when `signal` aborts (check `signal.aborted` after). */
export function waiter(signal: AbortSignal): { wait(): Promise<void>; wake(): void } {
  let resolve: (() => void) | undefined;
  const wake = () => {
    const pending = resolve;
    resolve = undefined;
    pending?.();
  };
  signal.addEventListener('abort', wake, { once: true });
  return {
    wait: () => (signal.aborted ? Promise.resolve() : new Promise<void>((r) => (resolve = r))),
    wake,
  };
}
