// The deck page query (deck + owner + slides + collaborators + versions + myRole): its database round
// trips in the decks subgraph and its latency through the router, for a 30-slide deck next to a 5- and
// a 100-slide one, and the same query sent straight to the decks subgraph. Starts (and stops) its own
// Postgres and Redis unless DATABASE_URL and REDIS_URL are set.
//
//   npx tsx bench/decks/run.ts            BENCH_REQUESTS=500  BENCH_WARMUP=50
//
// The configuration is read from process.env on first use, so the environment the stack runs with
// is fixed here, before any project module is imported (they are all imported dynamically below).
useStackBenchEnvironment();

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Stack } from '../../test/stack.js'; // a type only: erased, loads nothing
import { DECK_PAGE_QUERY } from '../../test/deck-page-query.js';
import { pptistFixturesDir } from '../../test/pptist-fixtures.js'; // reads no configuration // a constant only: reads no configuration
// bench-kit loads no project module at top level: the project modules, imported below, still read the environment set above.
import { type Percentiles, cpuModel, nearestRankPercentiles, positiveNumberFromEnv, printMachineLine, printTable, roundToThousandths as round, runBench, startServicesAndStack, useStackBenchEnvironment } from '../bench-kit.js';

const SLIDE_COUNTS = [5, 30, 100] as const;
/** Editors and commenters, as on a team deck; the editors each save a named version. */
const COLLABORATOR_ROLES = ['EDITOR', 'EDITOR', 'COMMENTER', 'VIEWER', 'VIEWER'] as const;
// PPTist's own template (read at run time, never copied into the project): real elements, ~4 KB a slide.
const TEMPLATE = resolve(pptistFixturesDir(), 'template_1.json');
const settings = {
  requests: positiveNumberFromEnv('BENCH_REQUESTS', 200, { integer: true }),
  warmUp: positiveNumberFromEnv('BENCH_WARMUP', 20, { integer: true }),
};

const PAGE = DECK_PAGE_QUERY;
// The decks subgraph only knows a User's id; names come from the users subgraph, through the router.
const PAGE_DIRECT = `query($id: ID!) { deck(id: $id) {
  id title revision myRole hasShareLink owner { id }
  slides { id position type content }
  collaborators { role user { id } }
  versions { id name author { id } }
} }`;

type Account = { token: string; userId: string };
interface TemplateDocument {
  title: string;
  width: number;
  height: number;
  theme: unknown;
  slides: { id: string; [field: string]: unknown }[];
}

/** The template's slides in order, repeated as needed, each under a fresh id (ids are unique in a deck). */
function slidesFor(template: TemplateDocument, count: number) {
  return Array.from({ length: count }, (_, i) => ({ ...template.slides[i % template.slides.length]!, id: randomUUID() }));
}


async function createPageDeck(stack: Stack, template: TemplateDocument, slideCount: number, collaborators: Account[]) {
  const { gql, signUp } = await import('../../test/stack.js');
  const graphql = `${stack.routerUrl}/graphql`;
  const must = async (what: string, query: string, variables: Record<string, unknown>, token: string, ok: (data: any) => unknown) => {
    const result = await gql(graphql, query, variables, token);
    const value = result.data ? ok(result.data) : undefined;
    if (result.errors || !value) throw new Error(`${what} failed: ${JSON.stringify(result).slice(0, 500)}`);
    return value;
  };

  const owner = await signUp(stack.routerUrl, `Owner of the ${slideCount}-slide deck`);
  const title = `Bench deck, ${slideCount} slides`;
  const document = { title, width: template.width, height: template.height, theme: template.theme, slides: slidesFor(template, slideCount) };
  const deckId = (await must(
    'createDeck',
    'mutation($t: String!, $d: JSON) { createDeck(input: { title: $t, document: $d }) { deck { id slideCount } error { code message } } }',
    { t: title, d: document },
    owner.token,
    (data) => data.createDeck?.deck?.slideCount === slideCount && data.createDeck.deck.id,
  )) as string;
  for (const [index, collaborator] of collaborators.entries()) {
    await must(
      'shareDeck',
      'mutation($i: ShareDeckInput!) { shareDeck(input: $i) { deck { id } error { code message } } }',
      { i: { deckId, userId: collaborator.userId, role: COLLABORATOR_ROLES[index] } },
      owner.token,
      (data) => data.shareDeck?.deck?.id,
    );
  }
  // Versions by several people, so the page resolves more than one author.
  const authors = [owner, ...collaborators.filter((_, index) => COLLABORATOR_ROLES[index] === 'EDITOR')];
  for (const [index, author] of authors.entries()) {
    await must(
      'createDeckVersion',
      'mutation($id: ID!, $n: String!) { createDeckVersion(deckId: $id, name: $n) { id } }',
      { id: deckId, n: `Draft ${index + 1}` },
      author.token,
      (data) => data.createDeckVersion?.id,
    );
  }
  return { slideCount, deckId, owner, versions: authors.length };
}

type PageDeck = Awaited<ReturnType<typeof createPageDeck>>;

interface Scenario {
  deck: PageDeck;
  path: 'router' | 'direct';
  url: string;
  query: string;
}

interface Probe {
  body: string;
  roundTrips: number;
}

/** Why the page is not what its owner should see, or undefined when it is. */
function pageProblem(text: string, deck: PageDeck, path: Scenario['path']): string | undefined {
  type User = { id?: string; name?: string };
  type Page = {
    data?: {
      deck?: {
        id: string;
        myRole: string;
        hasShareLink: boolean | null;
        owner: User;
        slides: { content: { id: string; elements?: unknown[] } }[];
        collaborators: { role: string; user: User }[];
        versions: { author: User | null }[];
      } | null;
    };
    errors?: unknown;
  };
  const page = JSON.parse(text) as Page;
  const d = page.data?.deck;
  if (page.errors || !d) return `errors or no deck: ${text.slice(0, 300)}`;
  const named = (user: User | null) => (path === 'router' ? typeof user?.name === 'string' && user.name.length > 0 : typeof user?.id === 'string');
  const complete =
    d.id === deck.deckId &&
    d.myRole === 'OWNER' &&
    d.hasShareLink === false &&
    (path === 'router' ? d.owner.name === `Owner of the ${deck.slideCount}-slide deck` : d.owner.id === deck.owner.userId) &&
    d.slides.length === deck.slideCount &&
    d.slides.every((slide) => (slide.content.elements?.length ?? 0) > 0) &&
    d.collaborators.length === COLLABORATOR_ROLES.length &&
    d.collaborators.every((c) => named(c.user)) &&
    d.versions.length === deck.versions &&
    d.versions.every((v) => named(v.author));
  return complete
    ? undefined
    : `expected the owner's view of the ${deck.slideCount}-slide deck with ${COLLABORATOR_ROLES.length} collaborators and ${deck.versions} versions, ${path === 'router' ? 'with names' : 'with ids'}`;
}

/** One page query; the time runs from sending the request to having read the whole body. */
async function send(scenario: Scenario, counter: { count: number }) {
  counter.count = 0;
  const start = performance.now();
  const response = await fetch(scenario.url, {
    method: 'POST',
    // Plain JSON: the router would otherwise be free to answer graphql-response+json with non-200s.
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${scenario.deck.owner.token}` },
    body: JSON.stringify({ query: scenario.query, variables: { id: scenario.deck.deckId } }),
  });
  const body = await response.text();
  const ms = performance.now() - start;
  return { status: response.status, encoding: response.headers.get('content-encoding'), body, ms, roundTrips: counter.count };
}

const label = (scenario: Scenario) => `${scenario.deck.slideCount}-slide deck, ${scenario.path}`;

/** The first answer, checked in full; every later one must be that same body at that same cost. */
async function probe(scenario: Scenario, counter: { count: number }): Promise<Probe & { encoding: string | null }> {
  const first = await send(scenario, counter);
  const problem = first.status === 200 ? pageProblem(first.body, scenario.deck, scenario.path) : `status ${first.status}: ${first.body.slice(0, 300)}`;
  if (problem) throw new Error(`${label(scenario)}: ${problem}`);
  return { body: first.body, roundTrips: first.roundTrips, encoding: first.encoding };
}

async function timed(scenario: Scenario, expected: Probe, counter: { count: number }): Promise<number> {
  const { status, body, ms, roundTrips } = await send(scenario, counter);
  if (status !== 200 || body !== expected.body) throw new Error(`${label(scenario)}: status ${status}, a different body than the checked one: ${body.slice(0, 300)}`);
  if (roundTrips !== expected.roundTrips) throw new Error(`${label(scenario)}: ${roundTrips} database round trips, where the first request took ${expected.roundTrips}`);
  return ms;
}

interface Result {
  deck: PageDeck;
  // With 200 samples, p99 (nearest rank) is the second slowest.
  router: Probe & { stats: Percentiles };
  direct: Probe & { stats: Percentiles };
}

async function main(): Promise<void> {
  const template = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as TemplateDocument;
  const stack = await startServicesAndStack({
    seed: true,
    startStack: async () => {
      const { startStack } = await import('../../test/stack.js');
      return startStack({ countDeckQueries: true });
    },
  });
  const { signUp } = await import('../../test/stack.js');

  process.stderr.write(`bench: creating decks of ${SLIDE_COUNTS.join(', ')} slides, each shared with ${COLLABORATOR_ROLES.length} people…\n`);
  const collaborators: Account[] = [];
  for (let i = 0; i < COLLABORATOR_ROLES.length; i++) collaborators.push(await signUp(stack.routerUrl, `Collaborator ${i + 1}`));
  const decks: PageDeck[] = [];
  for (const slideCount of SLIDE_COUNTS) decks.push(await createPageDeck(stack, template, slideCount, collaborators));

  const scenarios: Scenario[] = decks.flatMap((deck) => [
    { deck, path: 'router' as const, url: `${stack.routerUrl}/graphql`, query: PAGE },
    { deck, path: 'direct' as const, url: stack.subgraphUrls.decks, query: PAGE_DIRECT },
  ]);
  const probes: Awaited<ReturnType<typeof probe>>[] = [];
  for (const scenario of scenarios) probes.push(await probe(scenario, stack.deckQueries));

  // Interleaved (each size and path in turn, one request at a time), so drift in machine load falls
  // on every row alike and the rows stay comparable.
  process.stderr.write(`bench: ${settings.warmUp} warm-up + ${settings.requests} measured page queries for each of ${scenarios.length} rows, interleaved…\n`);
  for (let i = 0; i < settings.warmUp; i++) {
    for (const [index, scenario] of scenarios.entries()) await timed(scenario, probes[index]!, stack.deckQueries);
  }
  const samples = scenarios.map(() => [] as number[]);
  for (let i = 0; i < settings.requests; i++) {
    for (const [index, scenario] of scenarios.entries()) samples[index]!.push(await timed(scenario, probes[index]!, stack.deckQueries));
  }

  const results: Result[] = decks.map((deck, d) => ({
    deck,
    router: { ...probes[2 * d]!, stats: nearestRankPercentiles(samples[2 * d]!) },
    direct: { ...probes[2 * d + 1]!, stats: nearestRankPercentiles(samples[2 * d + 1]!) },
  }));
  const encodings = [...new Set(probes.map((p) => p.encoding ?? 'none'))].join(', ');
  printResults(stack, results, encodings);
}

const kb = (body: string) => Buffer.byteLength(body) / 1024;

function printResults(stack: Stack, results: Result[], encodings: string): void {
  const versions = results[0]!.deck.versions;
  console.log('Deck page benchmark: database round trips and latency of one deck page query');
  printMachineLine();
  console.log(
    `page query: deck + owner + slides { content } + collaborators { user } + versions { author } + myRole, as the owner; each deck has ${COLLABORATOR_ROLES.length} collaborators and ${versions} versions; slides from PPTist's template_1.json, repeated`,
  );
  console.log(
    `${settings.requests} sequential requests per row after ${settings.warmUp} not counted, rows interleaved; time = request sent → whole body read; response content-encoding: ${encodings}`,
  );
  console.log('subgraphs in-process: router and subgraphs share ONE event loop with this client, as in bench/gateway');
  console.log(`router ${stack.routerUrl}/graphql · decks subgraph ${stack.subgraphUrls.decks} (direct rows: owner, users and authors as { id } only)`);
  console.log('');

  const ms = (value: number) => value.toFixed(2);
  printTable([
    ['deck', 'DB round trips', 'response KB', 'router p50 ms', 'router p99 ms', 'direct p50 ms', 'direct p99 ms', 'router − direct p50'],
    ...results.map((r) => [
      `${r.deck.slideCount} slides`,
      r.router.roundTrips === r.direct.roundTrips ? String(r.router.roundTrips) : `${r.router.roundTrips} (direct ${r.direct.roundTrips})`,
      kb(r.router.body).toFixed(1),
      ms(r.router.stats.p50),
      ms(r.router.stats.p99),
      ms(r.direct.stats.p50),
      ms(r.direct.stats.p99),
      ms(r.router.stats.p50 - r.direct.stats.p50),
    ]),
  ]);
  const roundTrips = new Set(results.flatMap((r) => [r.router.roundTrips, r.direct.roundTrips]));
  const roundTripsEqual = roundTrips.size === 1;
  console.log(
    roundTripsEqual
      ? `DB round trips: ${[...roundTrips][0]} per page query at every size, through the router and direct (every measured request counted, none differed)`
      : `DB round trips DIFFER across sizes (${results.map((r) => `${r.deck.slideCount} slides: ${r.router.roundTrips}`).join(', ')}): the page query grows with the deck`,
  );
  console.log(`response KB: the router's JSON body as read (direct: ${results.map((r) => kb(r.direct.body).toFixed(1)).join(' / ')} KB)`);
  console.log('');

  const statsJson = (s: Percentiles) => ({ count: s.count, meanMs: round(s.mean), p50Ms: round(s.p50), p99Ms: round(s.p99) });
  console.log(
    JSON.stringify({
      bench: 'decks',
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpuModel(),
      nodeEnv: process.env.NODE_ENV,
      settings: { ...settings, collaborators: COLLABORATOR_ROLES.length, versions },
      roundTripsEqual,
      decks: results.map((r) => ({
        slides: r.deck.slideCount,
        roundTrips: { router: r.router.roundTrips, direct: r.direct.roundTrips },
        router: { responseKB: round(kb(r.router.body)), ...statsJson(r.router.stats) },
        direct: { responseKB: round(kb(r.direct.body)), ...statsJson(r.direct.stats) },
      })),
    }),
  );
  if (!roundTripsEqual) {
    console.error('bench: the deck page query costs more database round trips for bigger decks');
    process.exitCode = 1;
  }
}

await runBench(main);
