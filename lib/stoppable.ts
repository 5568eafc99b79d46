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

/**
 * Messages that callbacks (a pub/sub listener, a socket, a stream) push, read in order by one
 * async generator: `items()` yields each as it arrives, waiting in between, until `close()` is
 * called and the queue is drained, or `signal` aborts.
 */
export function inbox<T>(signal: AbortSignal): { push(item: T): void; close(): void; items(): AsyncGenerator<T> } {
  const queue: T[] = [];
  let closed = false;
  const { wait, wake } = waiter(signal);
  return {
    push(item) {
      queue.push(item);
      wake();
    },
    close() {
      closed = true;
      wake();
    },
    async *items() {
      while (!signal.aborted) {
        while (queue.length > 0) yield queue.shift()!;
        if (closed) return;
        await wait();
      }
    },
  };
}

/** Whether a value can be iterated with `for await` (a subscription's stream, not a single result). */
export const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
