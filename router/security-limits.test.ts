import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { buildASTSchema, buildSchema, getIntrospectionQuery, type GraphQLError, parse, specifiedRules, validate } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { rejections } from '../lib/metrics.js';
import {
  createQueryLimitsRule,
  measureDocument,
  productionHardening,
  QUERY_LIMITS,
  tokenLimitedParse,
  useSecurityLimits,
} from './security-limits.js';

const SDL = /* GraphQL */ `
  type Query {
    me: User
    deck(id: ID!): Deck
    myImages(first: Int = 20): [Image!]!
  }
  type User {
    id: ID!
    name: String!
    manager: User
    decks: [Deck!]!
  }
  type Deck {
    id: ID!
    title: String!
    owner: User!
  }
  type Image {
    id: ID!
    owner: User!
  }
`;
const schema = buildSchema(SDL);
const SUPERGRAPH_FILE = resolve(fileURLToPath(import.meta.url), '../../schema/supergraph.graphql');
const FULL_INTROSPECTION = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});

/** Every error a server would report: graphql's own rules plus the limits. */
function errorsOf(query: string, against = schema): readonly GraphQLError[] {
  return validate(against, parse(query), [...specifiedRules, createQueryLimitsRule()]);
}
const codesOf = (query: string, against = schema) => errorsOf(query, against).map((error) => error.extensions.code);
const only = (document: string) => [...measureDocument(parse(document), schema).values()][0]!;

/** `{ me { manager { … { id } } } }` with `depth` levels of fields: depth without any list fan-out. */
function managerChain(depth: number): string {
  return `{ me { ${'manager { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;
}

describe('depth', () => {
  it("admits the platform's deepest real query (6)", () => {
    expect(only('{ me { decks { owner { decks { owner { name } } } } } }').depth).toBe(6);
    expect(errorsOf('{ me { decks { owner { decks { owner { name } } } } } }')).toEqual([]);
  });

  it(`admits depth ${QUERY_LIMITS.maxDepth} and refuses ${QUERY_LIMITS.maxDepth + 1} with QUERY_TOO_DEEP`, () => {
    expect(errorsOf(managerChain(QUERY_LIMITS.maxDepth))).toEqual([]);
    const [error, ...others] = errorsOf(managerChain(QUERY_LIMITS.maxDepth + 1));
    expect(others).toEqual([]);
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', limit: QUERY_LIMITS.maxDepth, actual: QUERY_LIMITS.maxDepth + 1 });
    expect(error?.message).toBe(`Query depth ${QUERY_LIMITS.maxDepth + 1} exceeds the limit of ${QUERY_LIMITS.maxDepth}`);
  });

  it('follows fragment spreads and inline fragments', () => {
    const query = `
      query { me { ...A } }
      fragment A on User { manager { ... on User { manager { ...B } } } }
      fragment B on User { manager { manager { manager { manager { manager { id } } } } } }`;
    expect(only(query).depth).toBe(9);
    expect(codesOf(query)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('does not hang on fragment cycles (validation reports the cycle)', () => {
    const query = `
      query { me { ...A } }
      fragment A on User { manager { ...B } }
      fragment B on User { manager { ...A } }`;
    expect(only(query).depth).toBe(3);
    expect(errorsOf(query).map((error) => error.message)).toEqual(['Cannot spread fragment "A" within itself via "B".']);
  });

  it('measures each fragment once, so doubling spreads cannot blow up', () => {
    const levels = 60;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1 ? `fragment F${i} on User { id }` : `fragment F${i} on User { a: manager { ...F${i + 1} } b: manager { ...F${i + 1} } }`,
    );
    const started = Date.now();
    const measured = only(`query { me { ...F0 } } ${fragments.join(' ')}`);
    expect(Date.now() - started).toBeLessThan(500);
    expect(measured.aliases).toBeGreaterThan(2 ** 59);
    expect(measured.cost).toBeGreaterThan(QUERY_LIMITS.maxCost);
  });
});

describe('aliases and directives', () => {
  const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `d${i}: deck(id: "${i}") { id }`).join(' ')} }`;

  it(`admits ${QUERY_LIMITS.maxAliases} aliases and refuses ${QUERY_LIMITS.maxAliases + 1} with TOO_MANY_ALIASES`, () => {
    expect(errorsOf(aliased(QUERY_LIMITS.maxAliases))).toEqual([]);
    const errors = errorsOf(aliased(QUERY_LIMITS.maxAliases + 1));
    expect(errors.map((error) => error.extensions.code)).toEqual(['TOO_MANY_ALIASES']);
    expect(errors[0]?.message).toBe(`Query uses ${QUERY_LIMITS.maxAliases + 1} aliases; the limit is ${QUERY_LIMITS.maxAliases}`);
  });

  it('counts aliases inside fragments each time they are spread', () => {
    const query = `{ me { ...Names manager { ...Names } } } fragment Names on User { ${Array.from({ length: 16 }, (_, i) => `n${i}: name`).join(' ')} }`;
    expect(only(query).aliases).toBe(32);
    expect(codesOf(query)).toEqual(['TOO_MANY_ALIASES']);
  });

  it(`refuses more than ${QUERY_LIMITS.maxDirectives} directives with TOO_MANY_DIRECTIVES`, () => {
    const directives = (n: number) => `query($yes: Boolean = true) { me { ${Array.from({ length: n }, () => 'id @include(if: $yes)').join(' ')} } }`;
    expect(errorsOf(directives(QUERY_LIMITS.maxDirectives))).toEqual([]);
    expect(codesOf(directives(QUERY_LIMITS.maxDirectives + 1))).toEqual(['TOO_MANY_DIRECTIVES']);
  });
});

describe('cost', () => {
  it('multiplies list children by the default list size', () => {
    // me 1 + decks (1 + 10 × (id 1 + owner (1 + name 1)))
    expect(only('{ me { decks { id owner { name } } } }').cost).toBe(1 + 1 + 10 * (1 + 2));
  });

  it('refuses nested lists with QUERY_TOO_COMPLEX, naming the limit and the cost', () => {
    const query = '{ me { decks { owner { decks { owner { decks { id title owner { name } } } } } } } }';
    const errors = errorsOf(query);
    expect(errors.map((error) => error.extensions.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errors[0]?.message).toMatch(new RegExp(`^Query cost \\d+ exceeds the limit of ${QUERY_LIMITS.maxCost}$`));
  });

  it('uses a literal first, capped at maxListSize; a variable costs maxListSize; an omitted one its default', () => {
    expect(only('{ myImages(first: 2) { id } }').cost).toBe(1 + 2);
    expect(only('{ myImages(first: 100000) { id } }').cost).toBe(1 + QUERY_LIMITS.maxListSize);
    expect(only('query($n: Int) { myImages(first: $n) { id } }').cost).toBe(1 + QUERY_LIMITS.maxListSize);
    expect(only('{ myImages { id } }').cost).toBe(1 + 20);
  });

  it('admits a full page of 100 images with their owners', () => {
    expect(errorsOf('{ myImages(first: 100) { id owner { id name } } }')).toEqual([]);
  });
});

describe('tokens', () => {
  const limitedParse = tokenLimitedParse(parse, QUERY_LIMITS.maxTokens);
  // `{`, `}` and one name per field: 2 + n tokens.
  const fields = (n: number) => `{ ${'__typename '.repeat(n)}}`;

  it(`parses ${QUERY_LIMITS.maxTokens} tokens and refuses more with TOO_MANY_TOKENS`, () => {
    expect(() => limitedParse(fields(QUERY_LIMITS.maxTokens - 2))).not.toThrow();
    expect(() => limitedParse(fields(QUERY_LIMITS.maxTokens - 1))).toThrow(
      expect.objectContaining({
        message: `Query has more than ${QUERY_LIMITS.maxTokens} tokens, the limit`,
        extensions: expect.objectContaining({ code: 'TOO_MANY_TOKENS', limit: QUERY_LIMITS.maxTokens }),
      }),
    );
  });

  it('leaves other syntax errors alone', () => {
    expect(() => limitedParse('{ me { ')).toThrow(expect.objectContaining({ message: 'Syntax Error: Expected Name, found <EOF>.' }));
  });
});

describe('introspection', () => {
  // Built with its join directives, which validation ignores: the platform's real types and fields.
  const supergraph = buildASTSchema(parse(readFileSync(SUPERGRAPH_FILE, 'utf8')), { assumeValidSDL: true });

  it.each([
    ['standard', getIntrospectionQuery()],
    ['with every option (GraphiQL)', FULL_INTROSPECTION],
  ])('the %s introspection query passes', (_name, query) => {
    expect(() => tokenLimitedParse(parse, QUERY_LIMITS.maxTokens)(query)).not.toThrow();
    expect(errorsOf(query)).toEqual([]);
    expect(errorsOf(query, supergraph)).toEqual([]);
  });

  it("the platform's deepest real query passes against the supergraph", () => {
    expect(errorsOf('{ me { decks { owner { decks { owner { name } } } } } }', supergraph)).toEqual([]);
  });
});

describe('useSecurityLimits in a yoga server', () => {
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: SDL,
      resolvers: {
        Query: { me: () => ({ id: 'u1', name: 'Ada' }) },
        User: { manager: (user: { id: string; name: string }) => user, decks: () => [] },
      },
    }),
    plugins: [useSecurityLimits()],
    logging: false,
  });

  async function post(query: string, accept = 'application/json') {
    const response = await yoga.fetch('http://yoga.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
  }

  it('answers a normal query with 200', async () => {
    expect(await post('{ me { name manager { name } } }')).toEqual({ status: 200, body: { data: { me: { name: 'Ada', manager: { name: 'Ada' } } } } });
  });

  it.each(['application/json', 'application/graphql-response+json'])('refuses a too-deep query with 400 (Accept: %s)', async (accept) => {
    const { status, body } = await post(managerChain(QUERY_LIMITS.maxDepth + 1), accept);
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_DEEP', limit: QUERY_LIMITS.maxDepth, actual: QUERY_LIMITS.maxDepth + 1 });
  });

  it('counts every refusal, including repeats that yoga answers from its caches', async () => {
    const deep = { layer: 'router', reason: 'query_too_deep' };
    const tokens = { layer: 'router', reason: 'too_many_tokens' };
    const [deepBefore, tokensBefore] = [rejections.get(deep), rejections.get(tokens)];
    const tooManyTokens = `{ ${'__typename '.repeat(QUERY_LIMITS.maxTokens)}}`;
    for (let i = 0; i < 2; i++) {
      expect((await post(managerChain(QUERY_LIMITS.maxDepth + 2))).status).toBe(400);
      const refused = await post(tooManyTokens);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_TOKENS');
    }
    expect(rejections.get(deep) - deepBefore).toBe(2);
    expect(rejections.get(tokens) - tokensBefore).toBe(2);
  });
});

describe('production hides suggestions', () => {
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'enum Role { USER ADMIN } type Query { count(role: Role): Int }',
      resolvers: { Query: { count: () => 1 } },
    }),
    plugins: productionHardening('production').plugins,
    logging: false,
  });

  it('also in execution errors (a mistyped enum value in a variable)', async () => {
    const response = await yoga.fetch('http://yoga.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: 'query($role: Role) { count(role: $role) }', variables: { role: 'ADMN' } }),
    });
    const body = (await response.json()) as { errors?: { message: string }[] };
    expect(body.errors?.map((error) => error.message)).toEqual(['Variable "$role" got invalid value "ADMN"; Value "ADMN" does not exist in "Role" enum.']);
  });
});

describe('productionHardening in the real gateway', () => {
  function gatewayFor(nodeEnv: 'development' | 'production') {
    const hardening = productionHardening(nodeEnv);
    return createGatewayRuntime({
      supergraph: () => readFileSync(SUPERGRAPH_FILE, 'utf8'),
      logging: false,
      graphqlEndpoint: '/graphql',
      landingPage: false,
      graphiql: false,
      ...hardening.options,
      plugins: () => [useSecurityLimits(), ...hardening.plugins],
    });
  }
  const development = gatewayFor('development');
  const production = gatewayFor('production');
  afterAll(async () => {
    await development.dispose();
    await production.dispose();
  });

  async function post(gateway: typeof production, query: string) {
    const response = await gateway.fetch('http://router.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
  }

  it("development answers GraphiQL's introspection query and suggests field names", async () => {
    const introspection = await post(development, FULL_INTROSPECTION);
    expect(introspection.status).toBe(200);
    expect(introspection.body.data.__schema.queryType.name).toBe('Query');
    expect((await post(development, '{ me { nme } }')).body.errors?.[0]?.message).toBe('Cannot query field "nme" on type "User". Did you mean "name"?');
  });

  it('production refuses introspection and keeps field names to itself', async () => {
    const introspection = await post(production, FULL_INTROSPECTION);
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await post(production, '{ me { nme } }');
    expect(typo.body.errors?.map((error) => error.message)).toEqual(['Cannot query field "nme" on type "User".']);
  });

  it('production still enforces the limits with 400', async () => {
    const deep = await post(production, '{ me { decks { owner { decks { owner { decks { owner { decks { id } } } } } } } } }');
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_DEEP', 'QUERY_TOO_COMPLEX']);
  });

  it('production refuses a GET without a CSRF header (a cross-site <img> or link) and admits one with it', async () => {
    const url = `http://router.test/graphql?query=${encodeURIComponent('{ __typename }')}`;
    expect((await production.fetch(url, { headers: { accept: 'application/json' } })).status).toBe(403);
    const withHeader = await production.fetch(url, { headers: { accept: 'application/json', 'x-graphql-client-name': 'router-warm-up' } });
    expect(withHeader.status).toBe(200);
    expect(await withHeader.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
