// The local view of where time goes, with no collector to install: every trace whose root span took
// at least `slowMs` is printed when it ends, as an indented tree of its spans with their durations.
// A root is a span with no parent in this process: the router's request, or a worker's job (whose
// parent, the request that queued it, ended long before).
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/** Traces kept while their root runs; the oldest go first (a root in another process never ends here). */
const MAX_OPEN_TRACES = 500;
const MAX_SPANS_PER_TRACE = 300;
const MAX_LINES = 60;

const ms = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;

export class SlowTraceReporter implements SpanProcessor {
  private readonly traces = new Map<string, ReadableSpan[]>();

  constructor(
    private readonly slowMs: number,
    private readonly write: (text: string) => void,
  ) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    const { traceId } = span.spanContext();
    const spans = this.traces.get(traceId) ?? [];
    if (spans.length < MAX_SPANS_PER_TRACE) spans.push(span);
    this.traces.delete(traceId);
    this.traces.set(traceId, spans);
    if (this.traces.size > MAX_OPEN_TRACES) this.traces.delete(this.traces.keys().next().value!);

    const parent = span.parentSpanContext;
    if (parent && !parent.isRemote) return;
    // A root ended: report the spans of its subtree if it was slow, and forget them either way.
    const subtree = spansUnder(span, spans);
    for (const s of subtree) spans.splice(spans.indexOf(s), 1);
    if (spans.length === 0) this.traces.delete(traceId);
    if (ms(span.duration) >= this.slowMs) this.write(renderTree(span, subtree));
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.traces.clear();
    return Promise.resolve();
  }
}

function spansUnder(root: ReadableSpan, spans: ReadableSpan[]): ReadableSpan[] {
  const children = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const parentId = span.parentSpanContext?.spanId;
    if (parentId) children.set(parentId, [...(children.get(parentId) ?? []), span]);
  }
  const out: ReadableSpan[] = [];
  const visit = (span: ReadableSpan) => {
    out.push(span);
    for (const child of children.get(span.spanContext().spanId) ?? []) visit(child);
  };
  visit(root);
  return out;
}

/** `slow: 812 ms router POST /graphql trace 4bf9…` then one indented line per span, in start order. */
export function renderTree(root: ReadableSpan, spans: ReadableSpan[]): string {
  const byParent = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const parentId = span.parentSpanContext?.spanId ?? '';
    byParent.set(parentId, [...(byParent.get(parentId) ?? []), span]);
  }
  const lines: string[] = [];
  const t0 = ms(root.startTime);
  const visit = (span: ReadableSpan, depth: number) => {
    if (lines.length >= MAX_LINES) return;
    const offset = (ms(span.startTime) - t0).toFixed(0).padStart(6);
    const duration = ms(span.duration).toFixed(1).padStart(8);
    const failed = span.status.code === 2 ? '  ✗' : '';
    lines.push(`${offset} ms +${duration} ms  ${'  '.repeat(depth)}${span.name}${failed}`);
    const children = (byParent.get(span.spanContext().spanId) ?? []).sort((a, b) => ms(a.startTime) - ms(b.startTime));
    for (const child of children) visit(child, depth + 1);
  };
  visit(root, 0);
  const more = spans.length > lines.length ? `\n  … ${spans.length - lines.length} more spans` : '';
  const service = String(root.resource.attributes['service.name'] ?? '');
  return `slow: ${ms(root.duration).toFixed(0)} ms ${service} ${root.name} trace ${root.spanContext().traceId}\n  start      took\n${lines.join('\n')}${more}\n\n`;
}
