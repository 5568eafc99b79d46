// Live co-editing on one deck, through the router: how long an edit takes to reach the other editors
// (mutation sent → `deckEvents` event received by each other editor's graphql-ws subscription), with
// 10 and with 50 editors at an editor's pace; how many batches one deck applies per second when every
// editor sends as fast as it can; and whether any acknowledged operation was lost on the way. Starts
// (and stops) its own Postgres and Redis unless DATABASE_URL and REDIS_URL are set.
//
//   npx tsx bench/collab/run.ts        BENCH_EDITS_PER_EDITOR=20  BENCH_EDIT_INTERVAL_MS=400  BENCH_SECONDS=10
//
// The configuration is read from process.env on first use, so the environment the stack runs with
// is fixed here, before any project module is imported (they are all imported dynamically below).
useStackBenchEnvironment();

import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Stack as FullStack } from '../../test/stack.js'; // types only: erased, load nothing
import type { BatchResult, comparable as Comparable, DeckEventPayload, DeckFollower } from '../../test/deck-follower.js';
import type { DeckOperation, DeckState } from '../../subgraphs/decks/deck-operations.js';
// bench-kit loads no project module at top level: the project modules, imported below, still read the environment set above.
import { type Percentiles, cpuModel, nearestRankPercentiles, positiveNumberFromEnv, printMachineLine, printTable, roundToThousandths as round, runBench, startServicesAndStack, topologyFromEnv, useStackBenchEnvironment } from '../bench-kit.js';
import { startProcessStack } from '../process-stack.js';

/** What the bench uses of a stack, whichever topology runs it. */
type Stack = Pick<FullStack, 'routerUrl'>;

const SLIDES = 60;
const ELEMENTS_PER_SLIDE = 3;
/** Edits per editor before each scenario's measurements, not counted (connections, JIT, caches). */
const WARM_UP_EDITS = 2;
/** BENCH_EDITORS=50 (or "10,50"): run only these rows, e.g. to profile one; 10 and 50 by default. */
function editorCountsFromEnv(): number[] {
  const raw = process.env.BENCH_EDITORS;
  if (!raw) return [10, 50];
  const counts = raw.split(',').map(Number);
  if (!counts.every((n) => Number.isInteger(n) && n >= 2 && n <= SLIDES)) throw new Error(`BENCH_EDITORS must list whole numbers from 2 to ${SLIDES}, got ${raw}`);
  return counts;
}

/** The scenarios, in this order; each editor edits only its own slide, so there must be a slide each. */
const EDITOR_COUNTS = editorCountsFromEnv();
/** The goal for the 50-editor row. */
const GOAL_P99_MS = 50;
const settings = {
  editsPerEditor: positiveNumberFromEnv('BENCH_EDITS_PER_EDITOR', 20, { integer: true }),
  intervalMs: positiveNumberFromEnv('BENCH_EDIT_INTERVAL_MS', 400),
  seconds: positiveNumberFromEnv('BENCH_SECONDS', 10),
  catchUpSeconds: positiveNumberFromEnv('BENCH_CATCH_UP_SECONDS', 60),
  // The services in their own processes, as `npm start` runs them: the latency an editor meets is
  // the deployed platform's. In one process (BENCH_TOPOLOGY=one-process) the router, four subgraphs,
  // the workers and all fifty simulated editors share one JavaScript thread, which no deployment does.
  topology: topologyFromEnv('processes'),
};

type Account = { token: string; userId: string };

const slideId = (slide: number) => `s${slide}`;
const elementId = (slide: number, element: number) => `s${slide}-t${element}`;
/** Editor `editor`'s `k`-th edit: retyping the text of one of the elements on its own slide. */
const edit = (editor: number, k: number): DeckOperation[] => [
  { type: 'UPDATE_ELEMENT', slideId: slideId(editor), elementId: elementId(editor, k % ELEMENTS_PER_SLIDE), props: { content: `<p>Editor ${editor}, edit ${k}</p>` } },
];

async function createDeck(stack: Stack, owner: Account, editors: Account[]): Promise<{ id: string; revision: number }> {
  const { gql } = await import('../../test/stack.js');
  const graphql = `${stack.routerUrl}/graphql`;
  const { documentWithSlides, textElement } = await import('../../test/deck-follower.js');
  const slides = Array.from({ length: SLIDES }, (_, s) => ({
    id: slideId(s),
    background: { type: 'solid', color: '#ffffff' },
    elements: Array.from({ length: ELEMENTS_PER_SLIDE }, (_, e) => textElement(elementId(s, e), { left: 60, top: 40 + 100 * e, width: 600 })),
  }));
  const document = documentWithSlides('Co-edited by many', slides);
  const created = await gql(graphql, 'mutation($i: CreateDeckInput!) { createDeck(input: $i) { deck { id revision slideCount } error { code message } } }', { i: { title: document.title, document } }, owner.token);
  const deck = created.data?.createDeck?.deck as { id: string; revision: number; slideCount: number } | undefined;
  if (!deck || deck.slideCount !== SLIDES) throw new Error(`createDeck failed: ${JSON.stringify(created).slice(0, 500)}`);
  for (const editor of editors) {
    const shared = await gql(graphql, 'mutation($i: ShareDeckInput!) { shareDeck(input: $i) { deck { id } error { code message } } }', { i: { deckId: deck.id, userId: editor.userId, role: 'EDITOR' } }, owner.token);
    if (!shared.data?.shareDeck?.deck) throw new Error(`shareDeck failed: ${JSON.stringify(shared).slice(0, 500)}`);
  }
  return deck;
}

interface Tally {
  applied: number;
  conflicts: number;
  rejected: number;
  /** Mutations that came back with GraphQL errors or no answer (thrown by applyBatch). */
  failed: number;
  firstProblem?: string;
}

interface ScenarioResult {
  editors: number;
  /** Latency phase: one sample per (batch, other editor) delivery. */
  latency: Percentiles & { max: number };
  expectedDeliveries: number;
  latencyTally: Tally;
  /** Batches per second the editors sent in the latency phase (applied, over its wall time). */
  sentPerSecond: number;
  /** Share of latency-phase edits whose answer came after the editor's next edit was due. */
  heldBackShare: number;
  /** Mutation round trip (sent → answer read) in the latency phase. */
  mutation: Percentiles;
  /** Throughput phase. */
  throughputTally: Tally;
  throughputSeconds: number;
  appliedPerSecond: number;
  /** Mutation sent → some other editor received it, while every editor sends as fast as it can. */
  saturatedDelivery: Percentiles & { max: number };
  /** From the end of the throughput phase until every follower had the server's revision. */
  catchUpMs: number;
  check: LossCheck;
}

interface LossCheck {
  /** Acknowledged (APPLIED) batches of the scenario. */
  acknowledged: number;
  /** Revisions the deck moved by during the scenario (must equal `acknowledged`: nobody else edits). */
  logged: number;
  /** Acknowledged batches that at least one follower never received. */
  lostOps: number;
  /** Follower × batch deliveries missing, out of acknowledged × followers. */
  missingDeliveries: number;
  /** Follower streams that reported a gap or a duplicate, ended, or hold another document than the server. */
  gapsOrDuplicates: number;
  diverged: number;
  ended: number;
  serverRevision: number;
}

const emptyTally = (): Tally => ({ applied: 0, conflicts: 0, rejected: 0, failed: 0 });

function count(tally: Tally, outcome: BatchResult | Error): void {
  if (outcome instanceof Error) {
    tally.failed++;
    tally.firstProblem ??= outcome.message.slice(0, 300);
  } else if (outcome.status === 'APPLIED') tally.applied++;
  else if (outcome.status === 'CONFLICT') {
    tally.conflicts++;
    tally.firstProblem ??= `CONFLICT ${JSON.stringify(outcome.conflicts[0])}`;
  } else {
    tally.rejected++;
    tally.firstProblem ??= `REJECTED ${JSON.stringify(outcome.error)}`;
  }
}

const withMax = (samples: number[]) => ({ ...nearestRankPercentiles(samples.length > 0 ? samples : [Number.NaN]), count: samples.length, max: samples.reduce((m, s) => Math.max(m, s), Number.NEGATIVE_INFINITY) });

async function runScenario(stack: Stack, deckId: string, owner: Account, accounts: Account[]): Promise<ScenarioResult> {
  const { DeckFollower, applyBatch, comparable, serverState } = await import('../../test/deck-follower.js');
  const n = accounts.length;
  const url = stack.routerUrl;

  // Which batch was sent when, by whom; the followers' event handlers look their batch up here.
  let sent = new Map<string, { at: number; editor: number }>();
  let samples: number[] = [];
  const acknowledged = new Set<string>();
  const onEvent = (follower: number) => (event: DeckEventPayload) => {
    const now = performance.now();
    if (event.type !== 'OPERATIONS' || !event.batchId) return;
    const batch = sent.get(event.batchId);
    if (batch && batch.editor !== follower) samples.push(now - batch.at);
  };

  const start = await serverState(url, owner.token, deckId);
  const followers: DeckFollower[] = [];
  try {
    for (const [i, account] of accounts.entries()) followers.push(await DeckFollower.open(url, account.token, deckId, { onEvent: onEvent(i), keepPayloads: false }));
    // What each editor's own copy includes at least: its follower's revision, or its own last batch.
    const ownRevision = accounts.map(() => start.revision);
    const send = async (editor: number, k: number, tally: Tally): Promise<void> => {
      const batchId = randomUUID();
      sent.set(batchId, { at: performance.now(), editor });
      const baseRevision = Math.max(followers[editor]!.revision, ownRevision[editor]!);
      const outcome = await applyBatch(url, accounts[editor]!.token, { deckId, baseRevision, operations: edit(editor, k), batchId, clientId: `bench-editor-${editor}` }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      count(tally, outcome);
      if (!(outcome instanceof Error) && outcome.status === 'APPLIED') {
        acknowledged.add(batchId);
        ownRevision[editor] = Math.max(ownRevision[editor]!, outcome.revision);
      }
    };
    const settle = async () => {
      const { revision } = await serverState(url, owner.token, deckId);
      await Promise.all(followers.map((f) => f.waitForRevision(revision, settings.catchUpSeconds * 1000)));
    };

    // Warm-up: every subscription is open and has delivered, every path has run; not counted.
    const warmUp = emptyTally();
    for (let k = 0; k < WARM_UP_EDITS; k++) await Promise.all(accounts.map((_, i) => send(i, k, warmUp)));
    await settle();
    if (warmUp.applied !== WARM_UP_EDITS * n) throw new Error(`warm-up with ${n} editors: ${JSON.stringify(warmUp)}`);

    // Latency: each editor edits at its own pace, a gap of 0.5–1.5 × the interval between its sends
    // (the next edit waits for the previous answer, as an editor's client would), starting at random.
    process.stderr.write(`bench: ${n} editors, ${settings.editsPerEditor} edits each, one every ~${settings.intervalMs} ms…\n`);
    sent = new Map();
    samples = [];
    const latencyTally = emptyTally();
    const mutationMs: number[] = [];
    let heldBack = 0;
    const latencyStart = performance.now();
    await Promise.all(
      accounts.map(async (_, i) => {
        let next = performance.now() + Math.random() * settings.intervalMs;
        for (let k = WARM_UP_EDITS; k < WARM_UP_EDITS + settings.editsPerEditor; k++) {
          await sleep(Math.max(0, next - performance.now()));
          const at = performance.now();
          await send(i, k, latencyTally);
          mutationMs.push(performance.now() - at);
          next = at + settings.intervalMs * (0.5 + Math.random());
          // The answer came after this editor's next edit was due: the deck held the editor back.
          if (performance.now() > next) heldBack++;
        }
      }),
    );
    const latencyWallMs = performance.now() - latencyStart;
    await settle();
    const latencySamples = samples;
    const expectedDeliveries = [...sent.keys()].filter((id) => acknowledged.has(id)).length * (n - 1);

    // Throughput: every editor sends its next batch as soon as the previous one is answered.
    process.stderr.write(`bench: ${n} editors sending as fast as they can for ${settings.seconds} s…\n`);
    sent = new Map();
    samples = [];
    const throughputTally = emptyTally();
    const throughputStart = performance.now();
    const deadline = throughputStart + settings.seconds * 1000;
    await Promise.all(
      accounts.map(async (_, i) => {
        for (let k = WARM_UP_EDITS + settings.editsPerEditor; performance.now() < deadline; k++) await send(i, k, throughputTally);
      }),
    );
    const throughputEnd = performance.now();
    const server = await serverState(url, owner.token, deckId);
    await Promise.all(followers.map((f) => f.waitForRevision(server.revision, settings.catchUpSeconds * 1000).catch(() => undefined)));
    const catchUpMs = performance.now() - throughputEnd;
    const saturatedSamples = samples;
    sent = new Map();

    const check = checkLoss(followers, acknowledged, start.revision, server, comparable);
    const throughputSeconds = (throughputEnd - throughputStart) / 1000;
    return {
      editors: n,
      latency: withMax(latencySamples),
      expectedDeliveries,
      latencyTally,
      sentPerSecond: latencyTally.applied / (latencyWallMs / 1000),
      heldBackShare: heldBack / (n * settings.editsPerEditor),
      mutation: nearestRankPercentiles(mutationMs),
      throughputTally,
      throughputSeconds,
      appliedPerSecond: throughputTally.applied / throughputSeconds,
      saturatedDelivery: withMax(saturatedSamples),
      catchUpMs,
      check,
    };
  } finally {
    await Promise.all(followers.map((f) => f.close().catch(() => undefined)));
  }
}

/**
 * Every acknowledged batch must have reached every follower, each revision exactly once (the
 * follower flags a gap or a duplicate), and every follower's copy must be the server's document.
 */
function checkLoss(
  followers: DeckFollower[],
  acknowledged: Set<string>,
  startRevision: number,
  server: { revision: number; state: DeckState },
  comparable: typeof Comparable,
): LossCheck {
  const expected = comparable(server.state);
  const lost = new Set<string>();
  let missingDeliveries = 0;
  let gapsOrDuplicates = 0;
  let diverged = 0;
  let ended = 0;
  for (const follower of followers) {
    const operations = follower.events.filter((e) => e.type === 'OPERATIONS');
    const seen = new Set(operations.map((e) => e.batchId));
    for (const batchId of acknowledged) {
      if (seen.has(batchId)) continue;
      lost.add(batchId);
      missingDeliveries++;
    }
    const revisions = operations.map((e) => e.revision);
    if (follower.error !== undefined || new Set(revisions).size !== revisions.length || follower.events.some((e) => e.type !== 'OPERATIONS')) gapsOrDuplicates++;
    if (follower.ended) ended++;
    if (follower.revision !== server.revision || !isDeepStrictEqual(comparable(follower.state), expected)) diverged++;
  }
  const logged = server.revision - startRevision;
  return {
    acknowledged: acknowledged.size,
    logged,
    // A batch acknowledged but missing from the log would be lost too (nobody else writes to the deck).
    lostOps: lost.size + Math.max(0, acknowledged.size - logged),
    missingDeliveries,
    gapsOrDuplicates,
    diverged,
    ended,
    serverRevision: server.revision,
  };
}

async function main(): Promise<void> {
  const stack = await startServicesAndStack({
    seed: false,
    startStack: async () => {
      if (settings.topology === 'processes') return startProcessStack();
      const { startStack } = await import('../../test/stack.js');
      return startStack();
    },
  });
  const { signUp } = await import('../../test/stack.js');

  const most = Math.max(...EDITOR_COUNTS);
  process.stderr.write(`bench: signing up an owner and ${most} editors…\n`);
  const owner = await signUp(stack.routerUrl, 'Deck owner');
  const editors: Account[] = [];
  for (let i = 0; i < most; i++) editors.push(await signUp(stack.routerUrl, `Editor ${i + 1}`));

  // The same accounts for both scenarios (the 10 editors are the first 10 of the 50), each scenario
  // on a fresh deck of its own, so both rows start from the same document at revision 0.
  const results: ScenarioResult[] = [];
  for (const editorCount of EDITOR_COUNTS) {
    const deck = await createDeck(stack, owner, editors.slice(0, editorCount));
    results.push(await runScenario(stack, deck.id, owner, editors.slice(0, editorCount)));
  }
  printResults(stack, results);
}

function printResults(stack: Stack, results: ScenarioResult[]): void {
  console.log('Co-editing benchmark: edit → other editors latency and sustained batches on one deck, through the router');
  printMachineLine();
  console.log(
    `one deck per row, ${SLIDES} slides × ${ELEMENTS_PER_SLIDE} text elements, fresh at revision 0; each editor is its own account (shared as EDITOR), follows the deck with one graphql-ws deckEvents subscription (test/deck-follower.ts) and edits only its own slide: one UPDATE_ELEMENT (text content) per batch`,
  );
  console.log(
    `latency: ${settings.editsPerEditor} edits per editor after ${WARM_UP_EDITS} not counted, one every ${settings.intervalMs / 2}–${settings.intervalMs * 1.5} ms (${(1000 / settings.intervalMs).toFixed(1)} edits/s per editor asked; each waits for the previous answer); time = applyDeckOperations sent → event received by each OTHER editor's subscription`,
  );
  console.log(`throughput: every editor sends its next batch as soon as the previous one is answered, for ${settings.seconds} s; ops/s = APPLIED batches / wall time (1 operation per batch)`);
  console.log(
    settings.topology === 'processes'
      ? 'BENCH_TOPOLOGY=processes: router, each subgraph and the workers in their own Node processes, as npm start runs them; all editors in this one (all on this machine, with Postgres and Redis)'
      : 'subgraphs in-process: router, subgraphs and all editors share ONE event loop, as in bench/gateway and bench/decks',
  );
  console.log(`router ${stack.routerUrl}/graphql`);
  console.log('');

  const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
  printTable([
    ['editors', 'p50 ms', 'p99 ms', 'max ms', 'deliveries', 'edits/s sent', 'ops/s sustained', 'conflicts', 'lost ops'],
    ...results.map((r) => [
      String(r.editors),
      ms(r.latency.p50),
      ms(r.latency.p99),
      ms(r.latency.max),
      r.latency.count === r.expectedDeliveries ? String(r.latency.count) : `${r.latency.count} of ${r.expectedDeliveries}`,
      r.sentPerSecond.toFixed(1),
      r.appliedPerSecond.toFixed(1),
      String(r.latencyTally.conflicts + r.throughputTally.conflicts),
      String(r.check.lostOps),
    ]),
  ]);
  for (const r of results) {
    console.log(
      `${r.editors} editors: applyDeckOperations answer p50 ${ms(r.mutation.p50)} / p99 ${ms(r.mutation.p99)} ms at the editors' pace; ` +
        `flat out ${r.throughputTally.applied} batches in ${r.throughputSeconds.toFixed(1)} s, delivered to the others p50 ${ms(r.saturatedDelivery.p50)} / p99 ${ms(r.saturatedDelivery.p99)} / max ${ms(r.saturatedDelivery.max)} ms, ` +
        `followers caught up ${ms(r.catchUpMs)} ms after the last answer`,
    );
  }
  for (const r of results) {
    const c = r.check;
    console.log(
      `${r.editors} editors: lost operations: ${c.lostOps} (${c.acknowledged} acknowledged batches, deck moved ${c.logged} revisions to ${c.serverRevision}; ${c.missingDeliveries} missing deliveries across ${r.editors} followers; ` +
        `${c.gapsOrDuplicates} streams with a gap, duplicate or other event; ${c.diverged} copies differ from the server; ${c.ended} streams ended)`,
    );
    const failures = [r.latencyTally, r.throughputTally].filter((t) => t.rejected + t.failed > 0);
    for (const t of failures) console.log(`${r.editors} editors: ${t.rejected} rejected, ${t.failed} failed mutations; first: ${t.firstProblem}`);
  }
  for (const r of results) {
    // Each editor waits for its previous answer, so a deck that cannot keep up slows the editors down
    // instead of piling up requests: the rate sent falls short, and the latency is queueing.
    if (r.heldBackShare > 0.1) {
      const asked = r.editors * (1000 / settings.intervalMs);
      console.log(
        `${r.editors} editors: the deck could not keep up with the editors' pace: ${(100 * r.heldBackShare).toFixed(0)}% of the answers came after the editor's next edit was due (${asked.toFixed(1)} edits/s asked, ${r.sentPerSecond.toFixed(1)} sent); the latency above is mostly waiting in line`,
      );
    }
  }
  const fifty = results.find((r) => r.editors === 50);
  if (fifty) {
    const met = fifty.latency.p99 < GOAL_P99_MS && fifty.check.lostOps === 0;
    console.log(`goal (p99 < ${GOAL_P99_MS} ms with 50 editors, zero lost operations): ${met ? 'met' : 'MISSED'} (p99 ${ms(fifty.latency.p99)} ms, lost ${fifty.check.lostOps})`);
  }
  console.log('');

  const stats = (s: Percentiles & { max?: number }) => ({ count: s.count, meanMs: round(s.mean), p50Ms: round(s.p50), p99Ms: round(s.p99), ...(s.max !== undefined && { maxMs: round(s.max) }) });
  console.log(
    JSON.stringify({
      bench: 'collab',
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpuModel(),
      nodeEnv: process.env.NODE_ENV,
      settings: { ...settings, slides: SLIDES, elementsPerSlide: ELEMENTS_PER_SLIDE, warmUpEdits: WARM_UP_EDITS },
      scenarios: results.map((r) => ({
        editors: r.editors,
        latency: { ...stats(r.latency), expectedDeliveries: r.expectedDeliveries },
        sentPerSecond: round(r.sentPerSecond),
        heldBackShare: round(r.heldBackShare),
        mutation: stats(r.mutation),
        latencyBatches: r.latencyTally,
        throughput: { seconds: round(r.throughputSeconds), appliedPerSecond: round(r.appliedPerSecond), ...r.throughputTally, delivery: stats(r.saturatedDelivery), catchUpMs: round(r.catchUpMs) },
        check: r.check,
      })),
    }),
  );

  const broken = results.filter((r) => {
    const c = r.check;
    return c.lostOps + c.gapsOrDuplicates + c.diverged + c.ended > 0 || r.latency.count !== r.expectedDeliveries || r.latencyTally.rejected + r.latencyTally.failed + r.throughputTally.rejected + r.throughputTally.failed > 0;
  });
  if (broken.length > 0) {
    console.error(`bench: operations were lost, streams broke or mutations failed with ${broken.map((r) => r.editors).join(' and ')} editors (see above)`);
    process.exitCode = 1;
  }
}

await runBench(main);
