import { Writable } from 'node:stream';
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { pino } from 'pino';
import { coded } from './errors.js';
import { createSubgraphServer, type RunningServer } from './subgraph-server.js';

const lines: Record<string, unknown>[] = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  }),
);

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      whoami: { type: GraphQLString, resolve: (_r, _a, ctx) => ctx.viewer?.userId ?? 'anonymous' },
      boom: {
        type: GraphQLString,
        resolve: () => {
          throw new Error('secret detail: connection string postgres://user:pw@db');
        },
      },
      denied: { type: GraphQLString, resolve: () => { throw coded('FORBIDDEN', 'No'); } },
    },
  }),
});

let server: RunningServer;
beforeAll(async () => {
  server = await createSubgraphServer({ name: 'probe', schema, log, context: (base) => base }).listen(0);
});
afterAll(() => server.close());

async function post(query: string, headers: Record<string, string> = {}) {
  const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
}

it('logs each operation with the request id the router sent', async () => {
  await post('query Probe { whoami }', { 'x-request-id': 'req-abc-123' });
  const line = lines.find((l) => l.requestId === 'req-abc-123');
  expect(line).toMatchObject({ msg: 'graphql operation', operationName: 'Probe', errors: 0 });
});

it('masks unexpected errors: a code and a generic message, no stack, no detail', async () => {
  const { body } = await post('{ boom }');
  expect(body.errors?.[0]).toEqual({ message: 'Internal server error', path: ['boom'], locations: [{ line: 1, column: 3 }], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  expect(JSON.stringify(body)).not.toContain('secret');
});

it('passes coded errors through without a stack trace', async () => {
  const { body } = await post('{ denied }');
  expect(body.errors?.[0]).toMatchObject({ message: 'No', extensions: { code: 'FORBIDDEN' } });
  expect(body.errors?.[0].extensions.stacktrace).toBeUndefined();
});

it('refuses a bad token instead of running anonymously', async () => {
  const { body } = await post('{ whoami }', { authorization: 'Bearer nope' });
  expect(body.data?.whoami ?? null).toBeNull();
  expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

it('answers /health', async () => {
  const response = await fetch(server.url.replace('/graphql', '/health'));
  expect(await response.json()).toEqual({ status: 'healthy', service: 'probe' });
});
