// Which operations the router sends straight to one subgraph: decided from the supergraph's
// ownership of the root fields and the subgraph's own schema (no field it needs the gateway for).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { passthroughRouting } from './subgraph-passthrough.js';

const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));
const URLS = { users: 'http://u/graphql', decks: 'http://d/graphql', ai: 'http://a/graphql', media: 'http://m/graphql' };

describe('with the platform schema', () => {
  const route = passthroughRouting({ supergraphFile: join(SCHEMA_DIR, 'supergraph.graphql'), subgraphUrls: URLS });
  const subgraphOf = (query: string, operationName?: string) => route(parse(query), operationName)?.subgraph.name ?? null;

  it('passes each single-subgraph subscription to the subgraph that owns its root field', () => {
    expect(subgraphOf('subscription($d: ID!) { deckEvents(deckId: $d, afterRevision: 0) { type revision operations } }')).toBe('decks');
    expect(subgraphOf('subscription($j: ID!) { events: generationEvents(jobId: $j) { seq type payload __typename } }')).toBe('ai');
    expect(subgraphOf('subscription($d: ID!) { deckPresence(deckId: $d) { change participant { user { id } clientId } } }')).toBe('decks');
  });

  it('leaves to the gateway a subscription that selects another subgraph’s field', () => {
    // DeckParticipant.user is a User entity: its name lives in the users subgraph.
    expect(subgraphOf('subscription($d: ID!) { deckPresence(deckId: $d) { participant { user { id name } } } }')).toBeNull();
  });

  it('passes queries and mutations the same way, and leaves to the gateway roots of two subgraphs or another subgraph’s fields', () => {
    expect(subgraphOf('query($d: ID!) { deck(id: $d) { id title slides { id } } }')).toBe('decks');
    expect(subgraphOf('mutation($i: ApplyDeckOperationsInput!) { applyDeckOperations(input: $i) { status revision batch { batchId } } }')).toBe('decks');
    expect(subgraphOf('query { me { id name } }')).toBe('users');
    expect(subgraphOf('query($d: ID!) { me { id } deck(id: $d) { id } }')).toBeNull();
    // Deck.owner is a User entity: its name lives in the users subgraph.
    expect(subgraphOf('query($d: ID!) { deck(id: $d) { owner { id name } } }')).toBeNull();
    expect(subgraphOf('query { __schema { queryType { name } } }')).toBeNull();
  });

  it('routes the operation the request names, when the subgraph can take the whole document', () => {
    const document = 'query Q { me { id } } subscription S($d: ID!) { deckEvents(deckId: $d, afterRevision: 0) { revision } }';
    expect(subgraphOf(document, 'S')).toBeNull(); // the document goes as a whole, and decks has no Query.me
    const own = 'query Q($d: ID!) { deck(id: $d) { id } } subscription S($d: ID!) { deckEvents(deckId: $d, afterRevision: 0) { revision } }';
    expect(subgraphOf(own, 'S')).toBe('decks');
    expect(subgraphOf(own, 'Q')).toBe('decks');
    expect(subgraphOf(own)).toBeNull(); // two operations, none named: not for the router to guess
  });

  it('sends the subgraph the operation as written, aliases and all, with its own socket address', () => {
    const decided = route(parse('subscription($d: ID!) { e: deckEvents(deckId: $d, afterRevision: 0) { revision } }'), undefined);
    expect(decided?.query).toContain('e: deckEvents(deckId: $d, afterRevision: 0)');
    expect(decided?.subgraph.wsUrl).toBe('ws://d/graphql');
  });
});

describe('fields a subgraph only borrows', () => {
  let dir: string;
  let route: ReturnType<typeof passthroughRouting>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'passthrough-'));
    // The two pieces the router reads: the supergraph's graph names and root field ownership…
    writeFileSync(
      join(dir, 'supergraph.graphql'),
      `enum join__Graph { ALPHA @join__graph(name: "alpha", url: "http://alpha") }
       type Subscription { ticks: Tick! @join__field(graph: ALPHA) }`,
    );
    // …and the subgraph's own schema, with a field it declares but another subgraph resolves.
    writeFileSync(
      join(dir, 'alpha.graphql'),
      `extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@external", "@requires", "@extends"])
       type Subscription { ticks: Tick! }
       type Tick { n: Int! owner: Owner! }
       type Owner @key(fields: "id") @extends { id: ID! plan: String @external quota: Int @requires(fields: "plan") label: String }`,
    );
    route = passthroughRouting({ supergraphFile: join(dir, 'supergraph.graphql'), subgraphUrls: { alpha: 'http://alpha/graphql' } as never });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes through what the subgraph resolves itself', () => {
    expect(route(parse('subscription { ticks { n owner { id label } } }'), undefined)?.subgraph.name).toBe('alpha');
  });

  it('leaves @external and @requires fields to the gateway', () => {
    expect(route(parse('subscription { ticks { owner { plan } } }'), undefined)).toBeNull();
    expect(route(parse('subscription { ticks { owner { quota } } }'), undefined)).toBeNull();
  });
});
