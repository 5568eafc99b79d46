import { replayThenLive } from './event-stream.js';

type E = { seq: number; last?: boolean };

function bus() {
  const listeners = new Set<(e: E) => void>();
  return {
    publish: (e: E) => listeners.forEach((l) => l(e)),
    subscribe: async (l: (e: E) => void) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    size: () => listeners.size,
  };
}

async function collect(iter: AsyncGenerator<E>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const e of iter) seqs.push(e.seq);
  return seqs;
}

describe('replayThenLive', () => {
  it('delivers the log after the cursor, then live events, without duplicating the seam', async () => {
    const b = bus();
    const log: E[] = [{ seq: 1 }, { seq: 2 }, { seq: 3 }];
    const stream = replayThenLive<E>({
      subscribe: b.subscribe,
      // An event published while the log is being read is both logged and delivered live.
      replay: async () => {
        b.publish({ seq: 3 });
        return log;
      },
      position: (e) => e.seq,
      after: 1,
      isTerminal: (e) => e.last === true,
    });
    const done = collect(stream);
    await new Promise((r) => setTimeout(r, 10));
    b.publish({ seq: 4 });
    b.publish({ seq: 4 });
    b.publish({ seq: 5, last: true });
    b.publish({ seq: 6 });
    expect(await done).toEqual([2, 3, 4, 5]);
    expect(b.size()).toBe(0);
  });

  it('ends at once when the log already holds the terminal event', async () => {
    const b = bus();
    const stream = replayThenLive<E>({
      subscribe: b.subscribe,
      replay: async () => [{ seq: 1 }, { seq: 2, last: true }],
      position: (e) => e.seq,
      after: 0,
      isTerminal: (e) => e.last === true,
    });
    expect(await collect(stream)).toEqual([1, 2]);
    expect(b.size()).toBe(0);
  });

  it('fills a gap from the log when a live event skips positions (lost or overtaken message)', async () => {
    const b = bus();
    const log: E[] = [];
    const stream = replayThenLive<E>({
      subscribe: b.subscribe,
      replay: async (after) => log.filter((e) => e.seq > after),
      position: (e) => e.seq,
      after: 0,
      isTerminal: (e) => e.last === true,
    });
    const done = collect(stream);
    await new Promise((r) => setTimeout(r, 10));
    log.push({ seq: 1 }, { seq: 2 }, { seq: 3, last: true });
    // Event 1 and 2 never arrive live (published during a Redis outage); 3 does.
    b.publish({ seq: 3, last: true });
    expect(await done).toEqual([1, 2, 3]);
  });

  it('catches up from the log on a loss signal even when no later event arrives', async () => {
    const b = bus();
    const log: E[] = [];
    let signal: (() => void) | undefined;
    const stream = replayThenLive<E>({
      subscribe: b.subscribe,
      replay: async (after) => log.filter((e) => e.seq > after),
      position: (e) => e.seq,
      after: 0,
      isTerminal: (e) => e.last === true,
      onPossibleLoss: (notify) => {
        signal = notify;
        return () => (signal = undefined);
      },
    });
    const done = collect(stream);
    await new Promise((r) => setTimeout(r, 10));
    log.push({ seq: 1 }, { seq: 2, last: true });
    signal!();
    expect(await done).toEqual([1, 2]);
    expect(signal).toBeUndefined();
  });

  it('passes control events (no position) through in arrival order', async () => {
    const b = bus();
    type C = { seq: number | null; name: string };
    const listeners = new Set<(e: C) => void>();
    const stream = replayThenLive<C>({
      subscribe: async (l) => {
        listeners.add(l);
        return () => void listeners.delete(l);
      },
      replay: async () => [],
      position: (e) => e.seq,
      after: 0,
      isTerminal: (e) => e.name === 'end',
    });
    const names: string[] = [];
    const done = (async () => {
      for await (const e of stream) names.push(e.name);
    })();
    await new Promise((r) => setTimeout(r, 10));
    for (const e of [{ seq: null, name: 'ping' }, { seq: 1, name: 'one' }, { seq: null, name: 'ping' }, { seq: null, name: 'end' }]) listeners.forEach((l) => l(e));
    await done;
    expect(names).toEqual(['ping', 'one', 'ping', 'end']);
    expect(b.size()).toBe(0);
  });
});
