import { stoppable, waiter } from './stoppable.js';

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
