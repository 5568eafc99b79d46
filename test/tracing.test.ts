// One trace from the client through the router, the ai subgraph, the BullMQ job and the worker's
// model call: spans go to an in-memory exporter in this process (the whole stack runs here), and
// the test follows each span's parent up to the client's own span.
import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { startTracing, stopTracing } from '../lib/observability/tracing.js';
import { followGeneration, stackWithFakeModels, userWithModel } from './generation-kit.js';

const OUTLINE = `# Tides
## Causes
### The moon
- Gravity pulls the oceans
- Two bulges a day
`;
const exporter = new InMemorySpanExporter();
beforeAll(() => {
  startTracing({ service: 'platform', exporter });
});
// Hooks run in the order they are declared: tracing starts before the stack and stops after it.
const env = stackWithFakeModels();
afterAll(() => stopTracing());

const idOf = (span: ReadableSpan) => span.spanContext().spanId;

/** The span and its ancestors in this trace, nearest first. */
function ancestry(span: ReadableSpan, byId: Map<string, ReadableSpan>): ReadableSpan[] {
  const chain = [span];
  for (let parent = byId.get(span.parentSpanContext?.spanId ?? ''); parent; parent = byId.get(parent.parentSpanContext?.spanId ?? '')) chain.push(parent);
  return chain;
}

async function until<T>(find: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

it('a generation is one trace: client → router → ai subgraph → queued job → worker → model call, with Prisma and Redis inside', async () => {
  const user = await userWithModel(env.stack, env.fake);
  const model = user.model.name;
  env.fake.script({ text: OUTLINE, chunkSize: 40 });

  // The client's own span: the router continues it.
  const traceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  const response = await fetch(`${env.stack.routerUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}`, traceparent: `00-${traceId}-${clientSpanId}-01` },
    body: JSON.stringify({
      query: 'mutation Generate($input: StartGenerationInput!) { startGeneration(input: $input) { job { id } error { code } } }',
      variables: { input: { topic: 'Tides', model, mode: 'OUTLINE' } },
    }),
  });
  const body = (await response.json()) as { data: { startGeneration: { job: { id: string } } } };
  const jobId = body.data.startGeneration.job.id;
  // The trace comes back to the client, continued by the router's span.
  expect(response.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

  await followGeneration(env.stack, user.token, jobId, { until: (events) => ['SUCCEEDED', 'FAILED'].includes(events.at(-1)!.type) });

  const spansOfTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const job = await until(() => spansOfTrace().find((s) => s.kind === SpanKind.CONSUMER && s.name === 'job ai-generation generate'), 'the job span');
  const spans = spansOfTrace();
  const byId = new Map(spans.map((s) => [idOf(s), s]));

  const routerSpan = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['pptist.service'] === 'router')!;
  expect(routerSpan).toBeDefined();
  expect(routerSpan.parentSpanContext?.spanId).toBe(clientSpanId);
  expect(routerSpan.name).toBe('router mutation Generate');
  expect(response.headers.get('traceparent')).toContain(idOf(routerSpan));

  // router → the fetch to the ai subgraph → the ai subgraph's server span
  const aiServer = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['pptist.service'] === 'ai')!;
  expect(aiServer).toBeDefined();
  const fetchToAi = byId.get(aiServer.parentSpanContext!.spanId)!;
  expect(fetchToAi).toMatchObject({ kind: SpanKind.CLIENT, attributes: expect.objectContaining({ 'pptist.subgraph': 'ai' }) });
  expect(fetchToAi.parentSpanContext?.spanId).toBe(idOf(routerSpan));

  // … → the job, queued inside the ai subgraph's request, run by the worker
  expect(ancestry(job, byId)).toContain(aiServer);

  // … → the worker's model call, and the database and Redis work inside the job
  const modelCall = spans.find((s) => s.kind === SpanKind.CLIENT && s.name === `model ${model}`)!;
  expect(modelCall).toBeDefined();
  expect(ancestry(modelCall, byId)).toEqual(expect.arrayContaining([job, aiServer, fetchToAi, routerSpan]));
  const underJob = spans.filter((s) => ancestry(s, byId).includes(job));
  expect(underJob.some((s) => s.name.startsWith('prisma:'))).toBe(true);
  expect(underJob.some((s) => s.name.startsWith('redis '))).toBe(true);
  // Every span of the trace hangs from the client's span: nothing is orphaned.
  for (const span of spans) expect(ancestry(span, byId).at(-1)!.parentSpanContext?.spanId).toBe(clientSpanId);
});

it('a request without traceparent starts a trace of its own and gets it back', async () => {
  const response = await fetch(`${env.stack.routerUrl}/api/v1/auth/me`);
  const traceparent = response.headers.get('traceparent');
  expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  const traceId = traceparent!.split('-')[1]!;
  const span = await until(() => exporter.getFinishedSpans().find((s) => s.spanContext().traceId === traceId && s.kind === SpanKind.SERVER), 'the router span');
  expect(span.parentSpanContext).toBeUndefined();
  expect(span.attributes['http.response.status_code']).toBe(401);
  expect(span.name).toBe('router GET /api/v1/auth/me');
});
