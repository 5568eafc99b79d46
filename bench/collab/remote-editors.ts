// The co-editing latency of bench/collab/run.ts, with the editors on an event loop of their own
// (a worker thread), as remote clients are: the platform's process then spends its time only on
// the platform's work (router, subgraphs), not also on 50 clients' sockets and copies.
//
//   npx tsx bench/collab/remote-editors.ts     BENCH_EDITORS=50 BENCH_EDITS_PER_EDITOR=10 BENCH_EDIT_INTERVAL_MS=2000
//
// The configuration is read from process.env on first use: fixed here, before any project module loads.
useStackBenchEnvironment();

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Stack } from '../../test/stack.js';
import { nearestRankPercentiles, positiveNumberFromEnv, printMachineLine, printTable, roundToThousandths as round, runBench, startServicesAndStack, useStackBenchEnvironment } from '../bench-kit.js';

const settings = {
  editors: positiveNumberFromEnv('BENCH_EDITORS', 50, { integer: true }),
  editsPerEditor: positiveNumberFromEnv('BENCH_EDITS_PER_EDITOR', 10, { integer: true }),
  intervalMs: positiveNumberFromEnv('BENCH_EDIT_INTERVAL_MS', 2000),
  // `subgraph`: editors follow the deck on the decks subgraph itself, not through the router (to see
  // what the router's share of the fan-out is); edits still go through the router.
  follow: process.env.BENCH_FOLLOW === 'subgraph' ? 'subgraph' : 'router',
};
const WARM_UP_EDITS = 2;

interface EditorsJob {
  routerUrl: string;
  followUrl: string;
  deckId: string;
  tokens: string[];
  editsPerEditor: number;
  intervalMs: number;
}

/** In the worker: every editor follows the deck and edits its own slide; returns send → other-editor latencies. */
async function runEditors(job: EditorsJob): Promise<{ samples: number[]; applied: number; answers: number[] }> {
  const { DeckFollower, applyBatch } = await import('../../test/deck-follower.js');
  const sent = new Map<string, { at: number; by: number; counted: boolean }>();
  const samples: number[] = [];
  const answers: number[] = [];
  let measuring = false;
  const followers = await Promise.all(
    job.tokens.map((token, index) =>
      DeckFollower.open(job.followUrl, token, job.deckId, {
        onEvent: (event) => {
          const origin = event.batchId ? sent.get(event.batchId) : undefined;
          if (origin && origin.by !== index && origin.counted) samples.push(performance.now() - origin.at);
        },
      }),
    ),
  );
  let applied = 0;
  const editLoop = async (index: number, edits: number) => {
    let base = followers[index]!.revision;
    for (let k = 0; k < edits; k++) {
      await sleep(job.intervalMs * (0.5 + Math.random()));
      const batchId = randomUUID();
      const at = performance.now();
      sent.set(batchId, { at, by: index, counted: measuring });
      const result = await applyBatch(job.routerUrl, job.tokens[index]!, {
        deckId: job.deckId,
        baseRevision: Math.max(base, followers[index]!.revision),
        batchId,
        operations: [{ type: 'UPDATE_ELEMENT', slideId: `s${index}`, elementId: `s${index}-t${k % 3}`, props: { content: `<p>${index}/${k}</p>` } }],
      });
      if (measuring) answers.push(performance.now() - at);
      if (result.status !== 'APPLIED') throw new Error(`batch ${result.status}: ${JSON.stringify(result.error ?? result.conflicts)}`);
      base = result.revision;
      applied++;
    }
  };
  await Promise.all(followers.map((_, i) => editLoop(i, WARM_UP_EDITS)));
  measuring = true;
  await Promise.all(followers.map((_, i) => editLoop(i, job.editsPerEditor)));
  const last = Math.max(...followers.map((f) => f.revision));
  await Promise.all(followers.map((f) => f.waitForRevision(last, 30_000)));
  await sleep(200);
  measuring = false;
  await Promise.all(followers.map((f) => f.close()));
  return { samples, applied, answers };
}

if (!isMainThread) {
  const result = await runEditors(workerData as EditorsJob);
  parentPort!.postMessage(result);
} else {
  await runBench(async () => {
    const { startStack, signUp, gql } = await import('../../test/stack.js');
    const stack: Stack = await startServicesAndStack({ seed: false, startStack: () => startStack() });
    const graphql = `${stack.routerUrl}/graphql`;
    const owner = await signUp(stack.routerUrl, 'Owner');
    const editors = [owner];
    for (let i = 1; i < settings.editors; i++) editors.push(await signUp(stack.routerUrl, `Editor ${i}`));
    const { documentWithSlides, textElement } = await import('../../test/deck-follower.js');
    const slides = Array.from({ length: Math.max(60, settings.editors) }, (_, s) => ({ id: `s${s}`, elements: [0, 1, 2].map((e) => textElement(`s${s}-t${e}`, { left: 60, top: 40 + 100 * e, width: 600 })) }));
    const created = await gql(graphql, 'mutation($i: CreateDeckInput!) { createDeck(input: $i) { deck { id } } }', { i: { title: 'Remote editors', document: documentWithSlides('Remote editors', slides) } }, owner.token);
    const deckId = created.data!.createDeck.deck.id as string;
    for (const editor of editors.slice(1)) await gql(graphql, 'mutation($i: ShareDeckInput!) { shareDeck(input: $i) { error { code } } }', { i: { deckId, userId: editor.userId, role: 'EDITOR' } }, owner.token);

    const followUrl = settings.follow === 'subgraph' ? stack.subgraphUrls.decks.replace(/\/graphql$/, '') : stack.routerUrl;
    const job: EditorsJob = { routerUrl: stack.routerUrl, followUrl, deckId, tokens: editors.map((e) => e.token), editsPerEditor: settings.editsPerEditor, intervalMs: settings.intervalMs };
    // The worker registers tsx itself before loading this file (loader flags do not reach workers here).
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(bootstrap, { eval: true, workerData: job });
    const result = await new Promise<{ samples: number[]; applied: number; answers: number[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const latency = nearestRankPercentiles(result.samples);
    const answer = nearestRankPercentiles(result.answers);
    printMachineLine();
    console.log(`editors in a worker thread (own event loop), following through the ${settings.follow}; platform (router + subgraphs) on the main thread; one edit per editor every ${0.5 * settings.intervalMs}–${1.5 * settings.intervalMs} ms`);
    printTable([
      ['editors', 'p50 ms', 'p99 ms', 'max ms', 'deliveries', 'answer p50 ms', 'answer p99 ms', 'batches'],
      [String(settings.editors), String(round(latency.p50)), String(round(latency.p99)), String(round(Math.max(...result.samples))), String(result.samples.length), String(round(answer.p50)), String(round(answer.p99)), String(result.applied)],
    ]);
    const expected = settings.editsPerEditor * settings.editors * (settings.editors - 1);
    console.log(`deliveries expected ${expected}, measured ${result.samples.length} (${expected - result.samples.length} missing)`);
  });
}
