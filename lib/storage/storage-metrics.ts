// Object storage metrics and spans: every call by driver, operation and outcome, and its latency. A wrapper
// rather than code in each driver, so both drivers (and any later one) are measured the same way.
import { counter, histogram } from '../metrics.js';
import { SpanKind, withSpan } from '../observability/tracing.js';
import type { ObjectStorage } from './object-storage.js';

export const storageCalls = counter('pptist_storage_calls_total', 'Object storage calls by driver, operation and outcome (ok, error)');
export const storageDuration = histogram('pptist_storage_call_duration_seconds', 'Object storage call latency by driver and operation');

const OPERATIONS = new Set<string>(['put', 'get', 'head', 'delete', 'signedGetUrl', 'signedPutUrl']);

async function measure<T>(driver: string, operation: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let outcome = 'error';
  try {
    const result = await withSpan(`storage ${operation}`, { 'pptist.storage.driver': driver, 'pptist.storage.operation': operation }, run, { kind: SpanKind.CLIENT });
    outcome = 'ok';
    return result;
  } finally {
    storageCalls.inc({ driver, operation, outcome });
    storageDuration.observe({ driver, operation }, (performance.now() - started) / 1000);
  }
}

/**
 * `storage` with each call counted and timed (a listing page by page as it is read). A proxy, so
 * the driver stays what it was (its class, its own properties) for everything that looks at it.
 */
export function meteredStorage<T extends ObjectStorage>(storage: T): T {
  const driver = storage.kind;
  return new Proxy(storage, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (OPERATIONS.has(property)) return (...args: unknown[]) => measure(driver, property, () => method.apply(target, args) as Promise<unknown>);
      if (property !== 'list') return method.bind(target);
      return (prefix: string): AsyncIterable<string> => ({
        [Symbol.asyncIterator]() {
          const iterator = target.list(prefix)[Symbol.asyncIterator]();
          return {
            next: () => measure(driver, 'list', () => iterator.next()),
            return: async (value?: unknown) => (await iterator.return?.(value)) ?? { done: true as const, value: undefined },
          };
        },
      });
    },
  });
}
