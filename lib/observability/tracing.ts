// OpenTelemetry tracing for every process: one trace per request from the router through the
// subgraphs, Prisma and Redis, and through a BullMQ job's data into the worker and the model and
// storage calls it makes. Off unless spans have somewhere to go (an OTLP endpoint, the local
// slow-operation printout, or a test's exporter): then no provider is registered and the API's
// no-op tracer costs a function call per span.
//
// The code instruments itself with `withSpan` and the carrier helpers below rather than relying on
// module patching: the processes are ESM, where require hooks see nothing, and the points that
// matter (HTTP in, subgraph fetch, job hand-off, model, storage) are few and ours.
import {
  type Attributes,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { config } from '../config.js';
import { traceRedisCommands } from './redis-spans.js';
import { SlowTraceReporter } from './slow-traces.js';

export { SpanKind, type Span };

const TRACER_NAME = 'ai-pptist';

export interface TracingOptions {
  /** The resource's service name: the process ('router', 'ai-worker', 'platform' when all run in one). */
  service: string;
  /** Spans also go here, synchronously (tests use an InMemorySpanExporter). */
  exporter?: SpanExporter;
  otlpEndpoint?: string;
  /** Print traces slower than this many ms as a tree on stderr. */
  slowMs?: number;
  /** The share of new traces recorded (0–1, default all); a client's sampled traceparent is always followed. */
  sampleRatio?: number;
}

const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Traces start only where work enters the platform: a request (SERVER span) or a queued job
 * (CONSUMER span). Parentless spans of background housekeeping — a timer's Prisma queries, say —
 * would otherwise each become a one-span trace.
 */
function entryPointSampler(ratio: number): Sampler {
  const share = new TraceIdRatioBasedSampler(ratio);
  return {
    shouldSample: (context, traceId, _name, kind) =>
      kind === SpanKind.SERVER || kind === SpanKind.CONSUMER ? share.shouldSample(context, traceId) : { decision: SamplingDecision.NOT_RECORD },
    toString: () => `EntryPointSampler(${ratio})`,
  };
}

let running: { provider: TracerProvider; contextManager: AsyncLocalStorageContextManager; undo: () => void } | null = null;

/** Starts tracing when it has an exporter; returns whether it is on. Once per process. */
export function startTracing(options: TracingOptions): boolean {
  if (running) return true;
  const processors: SpanProcessor[] = [];
  if (options.exporter) processors.push(new SimpleSpanProcessor({ exporter: options.exporter }));
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) }));
  }
  if (options.slowMs !== undefined) processors.push(new SlowTraceReporter(options.slowMs, (text) => process.stderr.write(text)));
  if (processors.length === 0) return false;

  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service }),
    spanProcessors: processors,
    // A child follows its parent's decision (a client's traceparent included); a root needs an entry point.
    sampler: new ParentBasedSampler({ root: entryPointSampler(options.sampleRatio ?? 1) }),
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  // Prisma reports its spans through a global it reads per query; enabling sets it.
  const prisma = new PrismaInstrumentation();
  prisma.setTracerProvider(provider);
  prisma.enable();
  const undoRedis = traceRedisCommands(tracer);
  running = {
    provider,
    contextManager,
    undo: () => {
      prisma.disable();
      undoRedis();
    },
  };
  return true;
}

/** Tracing as the configuration asks: OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, the slow printout when TRACE_SLOW_MS is. */
export function startTracingFromConfig(service: string): boolean {
  const c = config();
  return startTracing({ service: c.OTEL_SERVICE_NAME ?? service, otlpEndpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT, slowMs: c.TRACE_SLOW_MS, sampleRatio: c.TRACE_SAMPLE_RATIO });
}

/** Flushes what is pending and turns tracing off (last step of a shutdown; tests between runs). */
export async function stopTracing(): Promise<void> {
  if (!running) return;
  const { provider, contextManager, undo } = running;
  running = null;
  undo();
  await provider.forceFlush();
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  contextManager.disable();
  context.disable();
}

export function tracingEnabled(): boolean {
  return running !== null;
}

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Runs `work` in a new span, a child of the active one (or of `parent`): the span records the
 * exception and an error status when the work throws, and ends when it settles.
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  options: { kind?: SpanKind; parent?: Context } = {},
): Promise<T> {
  if (!running) return work(NO_SPAN);
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes }, options.parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function markFailed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** The active trace as W3C headers (`traceparent`, `tracestate`), to carry across a queue or a socket. */
export function traceCarrier(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The context a carrier (request headers, a job's data) names; the root context when it names none. */
export function contextFrom(carrier: Record<string, string | string[] | undefined> | null | undefined): Context {
  if (!carrier) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier, {
    get: (c, key) => {
      const value = c[key];
      return Array.isArray(value) ? value[0] : value;
    },
    keys: (c) => Object.keys(c),
  });
}

/** The active span's trace id, for log lines; undefined when nothing is traced. */
export function activeTraceId(): string | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const spanContext = span.spanContext();
  return trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/** `traceparent` of a span, for a response header. */
export function traceparentOf(span: Span): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier.traceparent;
}
