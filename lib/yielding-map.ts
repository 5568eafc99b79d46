// Long synchronous work in a server process (a layout check measuring the text of fifty slides
// takes tens of milliseconds, more on a busy machine) holds up every request that arrives
// meanwhile: on a deck with fifty editors, every edit in that window waits for it. Mapping item by item and handing the event loop back whenever
// a slice of work has run for `sliceMs` keeps the work's own pace but lets requests in between.
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** The slice of uninterrupted work, well under an edit's latency budget. */
export const DEFAULT_SLICE_MS = 4;

/** `items.map(work)`, yielding to the event loop after every `sliceMs` of work. */
export async function mapYielding<T, R>(items: readonly T[], work: (item: T) => R, sliceMs = DEFAULT_SLICE_MS): Promise<R[]> {
  const results: R[] = [];
  let sliceStart = performance.now();
  for (const item of items) {
    if (performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
    results.push(work(item));
  }
  return results;
}
