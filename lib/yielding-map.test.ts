import { mapYielding } from './yielding-map.js';

const busyFor = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('mapYielding', () => {
  it('maps in order and lets other work run between slices of long work', async () => {
    const done: number[] = [];
    let otherRanAfter = -1;
    setTimeout(() => (otherRanAfter = done.length), 1);
    const results = await mapYielding(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      (n) => {
        busyFor(3);
        done.push(n);
        return n * 10;
      },
      5,
    );
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    // Ten 3 ms items in 5 ms slices: the timer ran between slices, not only after the whole map.
    expect(otherRanAfter).toBeGreaterThan(0);
    expect(otherRanAfter).toBeLessThan(10);
  });

  it('does not yield while work is quick', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const seenTicks: number[] = [];
    await mapYielding(Array.from({ length: 100 }, (_, i) => i), () => seenTicks.push(ticks), 1000);
    clearInterval(ticker);
    expect(new Set(seenTicks)).toEqual(new Set([0]));
  });
});
