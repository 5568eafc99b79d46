import { inbox, stoppable, waiter } from './stoppable.js';

describe('stoppable', () => {
  it('ends a generator that is waiting for an event, running its finally', async () => {
    const cleaned: string[] = [];
    const stream = stoppable(async function* (signal) {
      const { wait } = waiter(signal);
      try {
        yield 1;
        // Nothing ever wakes this wait except the stop.
        while (!signal.aborted) await wait();
      } finally {
        cleaned.push('unsubscribed');
      }
    });
    expect(await stream.next()).toEqual({ value: 1, done: false });
    const pending = stream.next();
    await new Promise((r) => setTimeout(r, 10));
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(cleaned).toEqual(['unsubscribed']);
  });

  it('a plain async generator would not stop (why stoppable exists)', async () => {
    let finished = false;
    const generator = (async function* () {
      try {
        yield 1;
        await new Promise(() => undefined);
      } finally {
        finished = true;
      }
    })();
    await generator.next();
    void generator.next();
    const returned = generator.return(undefined);
    const settled = await Promise.race([returned.then(() => 'returned'), new Promise((r) => setTimeout(() => r('still waiting'), 50))]);
    expect(settled).toBe('still waiting');
    expect(finished).toBe(false);
  });
});

describe('inbox', () => {
  it('yields what was pushed, in order, waiting in between, until closed and drained', async () => {
    const box = inbox<number>(new AbortController().signal);
    box.push(1);
    const seen: number[] = [];
    const reading = (async () => {
      for await (const item of box.items()) seen.push(item);
    })();
    await new Promise((r) => setTimeout(r, 10));
    box.push(2);
    box.push(3);
    box.close();
    await reading;
    expect(seen).toEqual([1, 2, 3]);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const box = inbox<number>(controller.signal);
    const reading = (async () => {
      const seen: number[] = [];
      for await (const item of box.items()) seen.push(item);
      return seen;
    })();
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect(await reading).toEqual([]);
  });
});
