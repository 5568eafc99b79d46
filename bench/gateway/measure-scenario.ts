// One benchmark scenario: a single GraphQL POST replayed by autocannon on a fixed number of
// connections. A benchmark of errors is worthless, so the response is checked before any load is
// sent, and every response of the warm-up and of the measured run must be a 200 with exactly that
// body (autocannon counts any other body as a mismatch).
import autocannon from 'autocannon';

export interface Scenario {
  name: string;
  /** What the table shows. */
  label: string;
  url: string;
  query: string;
  /** Why `data` is not what a caller should see, or undefined when it is. */
  checkData(data: unknown): string | undefined;
}

export interface LoadSettings {
  token: string;
  connections: number;
  durationSeconds: number;
  warmUpSeconds: number;
}

export interface Measurement {
  name: string;
  label: string;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyAvgMs: number;
  requests: number;
  durationSeconds: number;
}

export async function measureScenario(scenario: Scenario, settings: LoadSettings): Promise<Measurement> {
  const request = {
    method: 'POST' as const,
    headers: {
      'content-type': 'application/json',
      // Plain JSON: the router would otherwise be free to answer graphql-response+json with non-200s.
      accept: 'application/json',
      authorization: `Bearer ${settings.token}`,
    },
    body: JSON.stringify({ query: scenario.query }),
  };
  const expectedBody = await firstResponse(scenario, request);
  const load = (duration: number) =>
    autocannon({
      url: scenario.url,
      ...request,
      connections: settings.connections,
      duration,
      // The stack shares this process's event loop; the load generator gets a thread of its own so
      // it does not compete with the servers it measures.
      workers: 1,
      expectBody: expectedBody,
      title: scenario.name,
    });

  assertAllExpected(scenario, 'warm-up', await load(settings.warmUpSeconds));
  const result = await load(settings.durationSeconds);
  assertAllExpected(scenario, 'measured run', result);
  return {
    name: scenario.name,
    label: scenario.label,
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyAvgMs: result.latency.average,
    requests: result.requests.total,
    durationSeconds: result.duration,
  };
}

async function firstResponse(scenario: Scenario, request: RequestInit & { body: string }): Promise<string> {
  const response = await fetch(scenario.url, request);
  const body = await response.text();
  const fail = (why: string) => new Error(`${scenario.name}: ${why}; first response was ${response.status} ${body.slice(0, 500)}`);
  if (response.status !== 200) throw fail('expected status 200');
  let parsed: { data?: unknown; errors?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw fail('response is not JSON');
  }
  if (parsed.errors !== undefined) throw fail('response has errors');
  const problem = scenario.checkData(parsed.data);
  if (problem) throw fail(problem);
  return body;
}

function assertAllExpected(scenario: Scenario, phase: string, result: autocannon.Result): void {
  const problems = [
    result['2xx'] === 0 && 'no 2xx response',
    Object.keys(result.statusCodeStats).some((status) => status !== '200') && `statuses other than 200: ${JSON.stringify(result.statusCodeStats)}`,
    result.mismatches > 0 && `${result.mismatches} responses differed from the first one`,
    result.errors > 0 && `${result.errors} connection errors`,
    result.timeouts > 0 && `${result.timeouts} timeouts`,
  ].filter((problem): problem is string => typeof problem === 'string');
  if (problems.length > 0) throw new Error(`${scenario.name} (${phase}): ${problems.join('; ')}`);
}
