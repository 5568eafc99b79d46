import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { SlowTraceReporter } from './slow-traces.js';

function setUp(slowMs: number) {
  const printed: string[] = [];
  const provider = new TracerProvider({ spanProcessors: [new SlowTraceReporter(slowMs, (text) => printed.push(text))] });
  return { tracer: provider.getTracer('test'), printed };
}

/** A span whose start and end are given (ms since an arbitrary origin), so no test waits. */
function span(tracer: ReturnType<typeof setUp>['tracer'], name: string, startMs: number, endMs: number, parent = ROOT_CONTEXT, kind = SpanKind.INTERNAL) {
  const s = tracer.startSpan(name, { startTime: [0, startMs * 1e6], kind }, parent);
  return { span: s, end: () => s.end([0, endMs * 1e6]), context: trace.setSpan(parent, s) };
}

it('prints a slow trace as an indented tree in start order when its root ends, and forgets it', () => {
  const { tracer, printed } = setUp(100);
  const root = span(tracer, 'router mutation Save', 0, 250, ROOT_CONTEXT, SpanKind.SERVER);
  const fetch = span(tracer, 'subgraph decks', 20, 200, root.context);
  const query = span(tracer, 'prisma:client:operation', 40, 90, fetch.context);
  const redis = span(tracer, 'redis publish', 5, 7, root.context);
  query.end();
  fetch.end();
  redis.end();
  expect(printed).toEqual([]);
  root.end();
  expect(printed).toHaveLength(1);
  const lines = printed[0]!.split('\n');
  expect(lines[0]).toMatch(/^slow: 250 ms .* router mutation Save trace [0-9a-f]{32}$/);
  expect(lines.slice(2, 6).map((l) => l.replace(/^\s*\d+ ms \+\s*[\d.]+ ms  /, ''))).toEqual([
    'router mutation Save',
    '  redis publish',
    '  subgraph decks',
    '    prisma:client:operation',
  ]);
  expect(lines[4]).toMatch(/^\s+20 ms \+\s+180\.0 ms/);
});

it('stays quiet for a fast trace, and treats a span with a remote parent as a root', () => {
  const { tracer, printed } = setUp(100);
  span(tracer, 'router query Me', 0, 30, ROOT_CONTEXT, SpanKind.SERVER).end();
  expect(printed).toEqual([]);
  // A worker's job: its parent is the request that queued it, in another process (or long ended).
  const remote = trace.setSpanContext(context.active(), { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true });
  const job = span(tracer, 'job ai-generation generate', 0, 400, remote, SpanKind.CONSUMER);
  span(tracer, 'model fake', 10, 390, job.context, SpanKind.CLIENT).end();
  job.end();
  expect(printed).toHaveLength(1);
  expect(printed[0]).toMatch(new RegExp(`^slow: 400 ms .* job ai-generation generate trace ${'a'.repeat(32)}`));
  expect(printed[0]).toContain('  model fake');
});
