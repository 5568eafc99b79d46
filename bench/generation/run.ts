// AI generation, timed from the model to the client (issue 6): model token → OUTLINE_CHUNK event at
// a graphql-ws client of the router, a streamed slide object → its SLIDE event (the slide written
// into the deck on the way), the first slide of a job, and deck assembly for 30 content pages —
// the template filler alone, and end to end (first to last SLIDE) with the model's answer arriving
// all at once. A fake OpenAI-compatible model (test/fake-openai.ts) streams in this process, so
// its write times and the client's receive times share one clock. Starts (and stops) its own
// Postgres and Redis unless DATABASE_URL and REDIS_URL are set.
//
//   npx tsx bench/generation/run.ts        BENCH_JOBS=3  BENCH_ASSEMBLY_JOBS=3  BENCH_FILL_RUNS=30
//
// The configuration is read from process.env on first use, so the environment the stack runs with
// is fixed here, before any project module is imported (they are all imported dynamically below).
useStackBenchEnvironment();

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { PptistDocument } from '../../lib/pptist/document.js'; // types only: erased, load nothing
import type { FakeOpenAI, FakeReply } from '../../test/fake-openai.js';
import type { Stack } from '../../test/stack.js';
import { startProcessStack } from '../process-stack.js';
// bench-kit, ai-deck and pipeline-probes load no project module at top level: the project modules,
// imported below, still read the environment set above.
import { type Percentiles, commandLine, cpuModel, nearestRankPercentiles, positiveNumberFromEnv, printMachineLine, printTable, roundToThousandths as round, runBench, startServicesAndStack, stopAtEnd, topologyFromEnv, useStackBenchEnvironment } from '../bench-kit.js';
import { seededRandom } from '../../test/seeded-random.js';
import { type AiDeck, aiDeck, between } from './ai-deck.js';
import { installProbes, PauseWatch, PipelineRecord, type ProcessPauses, probes } from './pipeline-probes.js';

const settings = {
  jobs: positiveNumberFromEnv('BENCH_JOBS', 3, { integer: true }),
  assemblyJobs: positiveNumberFromEnv('BENCH_ASSEMBLY_JOBS', 3, { integer: true }),
  fillRuns: positiveNumberFromEnv('BENCH_FILL_RUNS', 30, { integer: true }),
  /** `one-process` (test/stack.ts, with the pipeline probes) or `processes` (as npm start runs it). */
  topology: topologyFromEnv(),
};

/** The probes wrap this process's classes: with the platform in its own processes they see nothing. */
const probed = () => settings.topology === 'one-process';
/** The model's pace: 4–8 characters a chunk, 10–30 ms apart (about 300 characters, ~75 tokens, a second). */
const PACE = { minChars: 4, maxChars: 8, minMs: 10, maxMs: 30 } as const;
/** Before the first chunk, as a model's time to first token; the client has subscribed long before. */
const FIRST_TOKEN_MS = 300;
const FILL_WARM_UP_RUNS = 5;
/** The issue's goals. */
const GOAL_OVERHEAD_P99_MS = 20;
const GOAL_ASSEMBLY_MS = 100;
const TEMPLATE_FILE = new URL('../../prisma/templates/aurora.json', import.meta.url);

const EVENTS = 'subscription($jobId: ID!) { generationEvents(jobId: $jobId) { seq type payload } }';


interface Received {
  seq: number;
  type: string;
  payload: any;
  /** performance.now() when the client's sink got it. */
  at: number;
}

/** A chunk the fake model wrote: `text.slice(offset, end)`, handed to the socket at `at`. */
interface Written {
  offset: number;
  end: number;
  at: number;
}

type Account = { token: string; userId: string; modelName: string };

/** One event's latency (model wrote the chunk → client received the event) and where it went. */
interface Sample {
  latency: number;
  /** Chunk written → the runner had it (HTTP, the SDK's SSE parsing). */
  toWorker: number;
  /** Runner had it → emit started (outline: earlier events ahead; slides: template fill and slides ahead of it). */
  inWorker: number;
  /** The event's row inserted. */
  insert: number;
  /** Publish acknowledged by Redis, after the insert. */
  publish: number;
  /** Row inserted → client received (publish, the ai subgraph's subscription, the router, the WebSocket). */
  delivery: number;
}

const SAMPLE_PARTS = ['toWorker', 'inWorker', 'insert', 'publish', 'delivery'] as const;

type Stats = Percentiles & { max: number };
const statsOf = (samples: number[]): Stats => ({
  ...nearestRankPercentiles(samples.length > 0 ? samples : [Number.NaN]),
  count: samples.length,
  max: samples.reduce((m, s) => Math.max(m, s), Number.NEGATIVE_INFINITY),
});

/** The chunk of `written` that holds character `offset`. */
function chunkHolding(written: Written[], offset: number): Written {
  const chunk = written.find((w) => w.offset <= offset && offset < w.end);
  if (!chunk) throw new Error(`no chunk written holds character ${offset}`);
  return chunk;
}

/** The fake's onChunk hook: each chunk with the time it was handed to the socket. */
const recordingInto =
  (written: Written[]) =>
  ({ text, offset }: { text: string; offset: number }) =>
    void written.push({ offset, end: offset + text.length, at: performance.now() });

function pacedReply(text: string, seed: number, written: Written[]): FakeReply {
  const random = seededRandom(seed);
  return {
    text,
    firstTokenDelayMs: FIRST_TOKEN_MS,
    chunkSize: () => between(random, PACE.minChars, PACE.maxChars),
    delayMs: () => PACE.minMs + random() * (PACE.maxMs - PACE.minMs),
    onChunk: recordingInto(written),
  };
}

/** The whole answer in one chunk: what follows is the platform's time, not the model's. */
function atOnceReply(text: string, written: Written[]): FakeReply {
  return { text, firstTokenDelayMs: FIRST_TOKEN_MS, chunkSize: [...text].length, onChunk: recordingInto(written) };
}

/** Follows a job over graphql-ws until its stream ends, stamping each event as the client's sink gets it. */
async function follow(url: string, token: string, jobId: string): Promise<Received[]> {
  const { wsClient } = await import('../../test/stack.js');
  const client = wsClient(url, { authorization: `Bearer ${token}` });
  const events: Received[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ generationEvents: Omit<Received, 'at'> }>(
        { query: EVENTS, variables: { jobId } },
        {
          next: (result) => {
            const at = performance.now();
            if (result.errors || !result.data) return reject(new Error(`generationEvents: ${JSON.stringify(result.errors ?? result).slice(0, 300)}`));
            events.push({ ...result.data.generationEvents, at });
          },
          error: (error) => reject(error instanceof Error ? error : new Error(`generationEvents failed: ${JSON.stringify(error).slice(0, 300)}`)),
          complete: resolve,
        },
      );
    });
  } finally {
    await client.dispose();
  }
  return events;
}

class Bench {
  private accounts = 0;

  constructor(
    private readonly stack: Pick<Stack, 'routerUrl' | 'subgraphUrls'>,
    private readonly fake: FakeOpenAI,
  ) {}

  private get graphql(): string {
    return `${this.stack.routerUrl}/graphql`;
  }

  /** A fresh account with a personal model on the fake server (the per-user job limits stay out of the way). */
  async account(): Promise<Account> {
    const { gql, signUp } = await import('../../test/stack.js');
    const user = await signUp(this.stack.routerUrl, `Generator ${++this.accounts}`);
    const modelName = `bench-model-${this.accounts}`;
    const created = await gql(
      this.graphql,
      'mutation($input: CreateAiModelInput!) { createAiModel(input: $input) { model { name } error { code message } } }',
      { input: { name: modelName, providerModel: 'fake-model', baseUrl: this.fake.url, apiKey: `sk-bench-${user.userId}`, inputPrice: 1, outputPrice: 2 } },
      user.token,
    );
    if (!created.data?.createAiModel?.model) throw new Error(`createAiModel failed: ${JSON.stringify(created).slice(0, 500)}`);
    return { token: user.token, userId: user.userId, modelName };
  }

  /**
   * Starts a job with these model answers queued, follows it through the router to its end (with
   * `alsoOnSubgraph`, on the ai subgraph itself too, by a second client) and returns what the
   * clients and the pipeline saw; `pauses` watches the process while the job runs.
   */
  async generate(
    input: Record<string, unknown>,
    replies: FakeReply[],
    { alsoOnSubgraph = false, pauses }: { alsoOnSubgraph?: boolean; pauses?: PauseWatch } = {},
  ): Promise<{ jobId: string; events: Received[]; onSubgraph: Received[]; record: PipelineRecord; account: Account }> {
    const { gql } = await import('../../test/stack.js');
    const account = await this.account();
    this.fake.script(...replies);
    const record = new PipelineRecord();
    probes.current = record;
    try {
      const started = await gql(
        this.graphql,
        'mutation($input: StartGenerationInput!) { startGeneration(input: $input) { job { id } error { code message field } } }',
        { input: { ...input, model: account.modelName, language: 'en' } },
        account.token,
      );
      const jobId = started.data?.startGeneration?.job?.id as string | undefined;
      if (!jobId) throw new Error(`startGeneration failed: ${JSON.stringify(started).slice(0, 500)}`);
      pauses?.watch();
      const [events, onSubgraph] = await Promise.all([
        follow(this.stack.routerUrl, account.token, jobId),
        alsoOnSubgraph ? follow(this.stack.subgraphUrls.ai.replace(/\/graphql$/, ''), account.token, jobId) : [],
      ]);
      const last = events.at(-1);
      if (last?.type !== 'SUCCEEDED') throw new Error(`job ${jobId} ended with ${last?.type}: ${JSON.stringify(last?.payload).slice(0, 300)}`);
      return { jobId, events, onSubgraph, record, account };
    } finally {
      pauses?.stop();
      probes.current = null;
    }
  }

  /** The deck a job wrote holds every slide its SLIDE events announced. */
  async checkDeck(account: Account, events: Received[]): Promise<void> {
    const { gql } = await import('../../test/stack.js');
    const slides = events.filter((e) => e.type === 'SLIDE');
    const deckId = slides[0]?.payload.deckId as string;
    const announced = slides.reduce((sum, e) => sum + (e.payload.deckSlideIds as string[]).length, 0);
    const deck = await gql(this.graphql, 'query($id: ID!) { deck(id: $id) { slideCount } }', { id: deckId }, account.token);
    const count = deck.data?.deck?.slideCount;
    if (count !== announced) throw new Error(`deck ${deckId} holds ${count} slides, the SLIDE events announced ${announced}`);
  }
}

/** The client must be subscribed before the model writes, or the first events come from the log replay, late. */
function checkSubscribedInTime(events: Received[], written: Written[], what: string): void {
  if (!(events[0] && written[0] && events[0].at < written[0].at)) throw new Error(`the client was not subscribed before the model started writing the ${what}`);
}

function sampleOf(jobId: string, event: Received, writtenAt: number, parsedAt: number | undefined, record: PipelineRecord): Sample {
  const emit = record.emits.get(`${jobId}:${event.seq}`);
  if (!probed()) return { latency: event.at - writtenAt, toWorker: Number.NaN, inWorker: Number.NaN, insert: Number.NaN, publish: Number.NaN, delivery: Number.NaN };
  if (!emit || parsedAt === undefined) throw new Error(`no pipeline timing for event ${event.seq} (${event.type}) of job ${jobId}`);
  return {
    latency: event.at - writtenAt,
    toWorker: parsedAt - writtenAt,
    inWorker: emit.startedAt - parsedAt,
    insert: emit.insertedAt - emit.startedAt,
    publish: emit.publishedAt - emit.insertedAt,
    delivery: event.at - emit.insertedAt,
  };
}

/** OUTLINE_CHUNK samples: each event against the chunk holding the newline that completed its last line. */
function outlineSamples(jobId: string, deck: AiDeck, events: Received[], written: Written[], record: PipelineRecord): Sample[] {
  const chunks = events.filter((e) => e.type === 'OUTLINE_CHUNK');
  const streamed = chunks.map((e) => e.payload.chunk as string).join('');
  if (streamed !== deck.outline) throw new Error(`job ${jobId}: the OUTLINE_CHUNK events do not add up to the outline the model wrote`);
  const newlines = [...deck.outline.matchAll(/\n/g)].map((match) => match.index);
  let lines = 0;
  return chunks.map((event, k) => {
    lines += (event.payload.chunk as string).split('\n').length - 1;
    return sampleOf(jobId, event, chunkHolding(written, newlines[lines - 1]!).at, record.outlineLinesAt[k], record);
  });
}

/** SLIDE samples: each event against the chunk holding its slide object's closing brace. */
function slideSamples(jobId: string, deck: AiDeck, events: Received[], written: Written[], record: PipelineRecord): Sample[] {
  const slides = events.filter((e) => e.type === 'SLIDE');
  if (slides.length !== deck.slides.length || slides.some((e, i) => e.payload.index !== i)) {
    throw new Error(`job ${jobId}: expected SLIDE events 0…${deck.slides.length - 1}, got ${slides.map((e) => e.payload.index).join(',')}`);
  }
  return slides.map((event, i) => sampleOf(jobId, event, chunkHolding(written, deck.closingBraces[i]!).at, record.slidesParsedAt[i], record));
}

interface FillResult {
  /** ms per deck, one per measured run. */
  runs: number[];
  pptSlides: number;
  warnings: number;
}

/** The template filler alone: a new filler (as each job makes) and every AI slide of the deck, per run. */
async function measureFill(deck: AiDeck): Promise<FillResult> {
  const { TemplateFiller } = await import('../../lib/pptist/template-filler.js');
  const template = JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as PptistDocument;
  const runs: number[] = [];
  let pptSlides = 0;
  let warnings = 0;
  for (let run = 0; run < FILL_WARM_UP_RUNS + settings.fillRuns; run++) {
    const startedAt = performance.now();
    const filler = new TemplateFiller(template);
    pptSlides = deck.slides.reduce((sum, slide) => sum + filler.fill(slide).length, 0);
    const ms = performance.now() - startedAt;
    warnings = filler.warnings.length;
    if (run >= FILL_WARM_UP_RUNS) runs.push(ms);
  }
  return { runs, pptSlides, warnings };
}

interface AssemblyRun {
  /** The model's whole answer written → SUCCEEDED received: the job succeeds once every slide is in the deck. */
  deckDone: number;
  /** The model's whole answer written → last SLIDE received. */
  lastSlide: number;
  slides: number;
}

interface RouterHop {
  /** The same OUTLINE_CHUNK events, as the router's client and the ai subgraph's own client got them. */
  router: Sample[];
  subgraph: Sample[];
  /** Per event: received through the router − received from the subgraph. */
  extra: number[];
}

interface Results {
  fill: FillResult;
  outline: Sample[];
  slides: Sample[];
  firstSlides: Sample[];
  hop: RouterHop;
  assembly: AssemblyRun[];
  assemblySamples: Sample[];
  /** Calls made while the paced jobs ran, and while the assembly jobs did. */
  pacedCalls: Map<string, number[]>;
  assemblyCalls: Map<string, number[]>;
  pacedPauses: ProcessPauses;
  seconds: { paced: number; total: number };
}

function mergeCalls(into: Map<string, number[]>, from: Map<string, number[]>): void {
  for (const [call, durations] of from) into.set(call, [...(into.get(call) ?? []), ...durations]);
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const deck = aiDeck(1);
  process.stderr.write(`bench: the template filler alone, ${FILL_WARM_UP_RUNS} + ${settings.fillRuns} runs…\n`);
  const fill = await measureFill(deck);

  const stack = await startServicesAndStack({
    seed: true, // the product template the jobs fill (aurora)
    startStack: async () => {
      if (settings.topology === 'processes') return startProcessStack();
      const { startStack } = await import('../../test/stack.js');
      return startStack();
    },
  });
  const { startFakeOpenAI } = await import('../../test/fake-openai.js');
  const fake = await startFakeOpenAI();
  stopAtEnd(() => fake.close());
  if (probed()) await installProbes();
  const bench = new Bench(stack, fake);

  // Not counted: connections, JIT, the agent's first token and template read.
  process.stderr.write('bench: warm-up job…\n');
  await bench.generate({ topic: 'Warm-up', slideCount: 30 }, [atOnceReply(deck.outline, []), atOnceReply(deck.slidesText, [])]);

  const outline: Sample[] = [];
  const slides: Sample[] = [];
  const firstSlides: Sample[] = [];
  const pacedCalls = new Map<string, number[]>();
  const pacedFrom = performance.now();
  const pauses = new PauseWatch();
  for (let job = 0; job < settings.jobs; job++) {
    process.stderr.write(`bench: paced job ${job + 1} of ${settings.jobs} (outline, then ${deck.slides.length} slides at the model's pace)…\n`);
    const outlineWritten: Written[] = [];
    const slidesWritten: Written[] = [];
    const { jobId, events, record, account } = await bench.generate({ topic: `Water networks ${job + 1}`, slideCount: 30 }, [
      pacedReply(deck.outline, 100 + job, outlineWritten),
      pacedReply(deck.slidesText, 200 + job, slidesWritten),
    ], { pauses });
    checkSubscribedInTime(events, outlineWritten, 'outline');
    outline.push(...outlineSamples(jobId, deck, events, outlineWritten, record));
    const jobSlides = slideSamples(jobId, deck, events, slidesWritten, record);
    slides.push(...jobSlides);
    firstSlides.push(jobSlides[0]!);
    mergeCalls(pacedCalls, record.calls);
    await bench.checkDeck(account, events);
  }
  const pacedPauses = pauses.result();
  const pacedSeconds = (performance.now() - pacedFrom) / 1000;

  // A separate job, so the headline jobs have one subscriber each, as a user's client would.
  process.stderr.write('bench: one more outline, followed through the router and on the ai subgraph itself (the router hop)…\n');
  const hopWritten: Written[] = [];
  const hopJob = await bench.generate({ mode: 'OUTLINE', topic: 'Water networks, hop', slideCount: 30 }, [pacedReply(deck.outline, 300, hopWritten)], { alsoOnSubgraph: true });
  checkSubscribedInTime(hopJob.events, hopWritten, 'outline');
  checkSubscribedInTime(hopJob.onSubgraph, hopWritten, 'outline');
  const onSubgraphAt = new Map(hopJob.onSubgraph.map((e) => [e.seq, e.at]));
  const hop: RouterHop = {
    router: outlineSamples(hopJob.jobId, deck, hopJob.events, hopWritten, hopJob.record),
    subgraph: outlineSamples(hopJob.jobId, deck, hopJob.onSubgraph, hopWritten, hopJob.record),
    extra: hopJob.events.filter((e) => e.type === 'OUTLINE_CHUNK').map((e) => e.at - onSubgraphAt.get(e.seq)!),
  };

  const assembly: AssemblyRun[] = [];
  const assemblySamples: Sample[] = [];
  const assemblyCalls = new Map<string, number[]>();
  for (let job = 0; job < settings.assemblyJobs; job++) {
    process.stderr.write(`bench: assembly job ${job + 1} of ${settings.assemblyJobs} (the model's ${deck.slides.length} slides at once)…\n`);
    const written: Written[] = [];
    const { jobId, events, record, account } = await bench.generate({ outline: deck.outline }, [atOnceReply(deck.slidesText, written)]);
    checkSubscribedInTime(events, written, 'slides');
    const received = events.filter((e) => e.type === 'SLIDE');
    assemblySamples.push(...slideSamples(jobId, deck, events, written, record));
    const succeeded = events.find((e) => e.type === 'SUCCEEDED')!;
    assembly.push({ deckDone: succeeded.at - written[0]!.at, lastSlide: received.at(-1)!.at - written[0]!.at, slides: received.length });
    mergeCalls(assemblyCalls, record.calls);
    await bench.checkDeck(account, events);
  }

  printResults(
    { fill, outline, slides, firstSlides, hop, assembly, assemblySamples, pacedCalls, assemblyCalls, pacedPauses, seconds: { paced: pacedSeconds, total: (performance.now() - startedAt) / 1000 } },
    deck,
  );
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');


/** The pipeline probes' split of each event's latency and of the calls (one-process topology only). */
function printWhereTimeGoes(r: Results, deck: AiDeck, deckDone: Stats): void {
  const aiSlides = deck.slides.length;
  console.log('where the time goes, p50 / p99 ms of each step of an event:');
  console.log('  toWorker = chunk written → runner has it (HTTP, SDK) · inWorker = → emit starts (slides: template fill; the deck write follows the event) · insert = event row · publish = Redis ack · delivery = row inserted → client (publish, ai subgraph subscription, router, WebSocket)');
  const parts = (samples: Sample[]) =>
    SAMPLE_PARTS.map((part) => {
      const s = statsOf(samples.map((sample) => sample[part]));
      return `${part} ${ms(s.p50)} / ${ms(s.p99)}`;
    }).join(' · ');
  console.log(`  OUTLINE_CHUNK, paced       ${parts(r.outline)}`);
  console.log(`  SLIDE, paced               ${parts(r.slides)}`);
  console.log(`  first SLIDE of a job       ${parts(r.firstSlides)}`);
  console.log(`  SLIDE, all at once         ${parts(r.assemblySamples)}`);
  const calls = (map: Map<string, number[]>) =>
    [...map.entries()]
      .map(([call, durations]) => {
        const s = statsOf(durations);
        return `${call} ×${s.count} ${ms(s.p50)} / ${ms(s.p99)}`;
      })
      .join(' · ');
  console.log(`  calls, paced jobs          ${calls(r.pacedCalls)}`);
  console.log(`  calls, assembly jobs       ${calls(r.assemblyCalls)}`);
  const slidesWritten = r.assembly.reduce((sum, a) => sum + a.slides, 0);
  const perSlide = [...r.assemblyCalls.entries()].filter(([call]) => !call.startsWith('decks:')).map(([call, durations]) => [call, durations.reduce((sum, d) => sum + d, 0) / slidesWritten] as const);
  console.log(
    `  assembly, ms a slide       ${perSlide.map(([call, mean]) => `${call} ${mean.toFixed(1)}`).join(' + ')} = ${perSlide.reduce((sum, [, mean]) => sum + mean, 0).toFixed(1)} (each call's total over the jobs ÷ their slides, set-up calls included) against ${(deckDone.p50 / aiSlides).toFixed(1)} measured end to end`,
  );
  for (const [phase, map] of [['paced', r.pacedCalls], ['assembly', r.assemblyCalls]] as const) {
    const mean = (call: string) => statsOf(map.get(call) ?? []).mean;
    const split = (roundTrip: string, service: string) => {
      const rest = mean(roundTrip) - mean('decks: authorize') - mean(service);
      return `${roundTrip} ${ms(mean(roundTrip))} = access check ${ms(mean('decks: authorize'))} + ${service.replace('decks: ', '')} ${ms(mean(service))} + ${ms(rest)} HTTP, GraphQL, token check`;
    };
    console.log(`  decks round trips, mean ms (${phase}): ${split('applyDeckOperations', 'decks: applyBatch')}; ${split('updateDeckPresence', 'decks: presence heartbeat')}`);
  }
}

function printResults(r: Results, deck: AiDeck): void {
  const outline = statsOf(r.outline.map((s) => s.latency));
  const slides = statsOf(r.slides.map((s) => s.latency));
  const first = statsOf(r.firstSlides.map((s) => s.latency));
  const fill = statsOf(r.fill.runs);
  const deckDone = statsOf(r.assembly.map((a) => a.deckDone));
  const lastSlide = statsOf(r.assembly.map((a) => a.lastSlide));
  const aiSlides = deck.slides.length;
  const verdict = (met: boolean) => (met ? 'pass' : 'MISS');

  console.log('AI generation benchmark: model → client event latency through the router, and deck assembly');
  printMachineLine();
  console.log(`command: ${commandLine('bench/generation/run.ts')}`);
  console.log(
    `fake model (test/fake-openai.ts, in this process) streams ${PACE.minChars}–${PACE.maxChars} characters a chunk every ${PACE.minMs}–${PACE.maxMs} ms after ${FIRST_TOKEN_MS} ms: ` +
      `a ${deck.pages}-page outline (${deck.outline.length} characters, ${deck.outline.split('\n').length - 1} lines), then ${aiSlides} slide objects (${deck.slidesText.length} characters: cover, contents, ${deck.slides.filter((s) => s.type === 'transition').length} transitions, ${deck.pages} content, end)`,
  );
  console.log(
    `${settings.jobs} paced DECK jobs one after another (${r.seconds.paced.toFixed(0)} s), each followed by one graphql-ws client through the router; latency = client received the event − the fake handed the chunk that completed it (the line's newline, the slide's closing brace) to its socket`,
  );
  console.log(
    probed()
      ? 'router, subgraphs, ai worker, fake model and client share ONE Node process and event loop (Postgres and Redis on the same machine)'
      : 'BENCH_TOPOLOGY=processes: router, each subgraph and the ai worker in their own Node processes, as npm start runs them; the fake model and the client in this one (all on this machine, with Postgres and Redis)',
  );
  console.log('');

  printTable([
    ['figure', 'samples', 'p50 ms', 'p99 ms', 'max ms', 'per slide ms', 'goal', 'result'],
    ['model token → OUTLINE_CHUNK at client', String(outline.count), ms(outline.p50), ms(outline.p99), ms(outline.max), '', `p99 < ${GOAL_OVERHEAD_P99_MS} ms`, verdict(outline.p99 < GOAL_OVERHEAD_P99_MS)],
    ['model slide → SLIDE at client', String(slides.count), ms(slides.p50), ms(slides.p99), ms(slides.max), '', `p99 < ${GOAL_OVERHEAD_P99_MS} ms`, verdict(slides.p99 < GOAL_OVERHEAD_P99_MS)],
    ['first slide of a job → its SLIDE at client', String(first.count), ms(first.p50), ms(first.p99), ms(first.max), '', `p99 < ${GOAL_OVERHEAD_P99_MS} ms`, verdict(first.p99 < GOAL_OVERHEAD_P99_MS)],
    [`assembly, template filler only (${aiSlides} AI → ${r.fill.pptSlides} slides)`, String(fill.count), ms(fill.p50), ms(fill.p99), ms(fill.max), (fill.p50 / aiSlides).toFixed(2), `< ${GOAL_ASSEMBLY_MS} ms a deck`, verdict(fill.p50 < GOAL_ASSEMBLY_MS)],
    [`assembly end to end, answer → deck done (${aiSlides})`, String(deckDone.count), ms(deckDone.p50), ms(deckDone.p99), ms(deckDone.max), (deckDone.p50 / aiSlides).toFixed(1), `< ${GOAL_ASSEMBLY_MS} ms a deck`, verdict(deckDone.p50 < GOAL_ASSEMBLY_MS)],
  ]);
  console.log(`assembly rows: one sample per deck, p50 = median deck; per slide = median ÷ ${aiSlides} AI slides; end to end = the model's whole answer written → SUCCEEDED at the client (sent once every slide is in the deck)`);
  console.log(`the model's whole answer written → the last SLIDE at the client: median ${ms(lastSlide.p50)} ms; template filler warnings: ${r.fill.warnings}`);
  console.log('');

  if (probed()) printWhereTimeGoes(r, deck, deckDone);
  const hopRouter = statsOf(r.hop.router.map((s) => s.latency));
  const hopSubgraph = statsOf(r.hop.subgraph.map((s) => s.latency));
  const hopExtra = statsOf(r.hop.extra);
  console.log(
    `  router hop (one more outline job, two clients): through the router p50 ${ms(hopRouter.p50)} / p99 ${ms(hopRouter.p99)}, on the ai subgraph itself p50 ${ms(hopSubgraph.p50)} / p99 ${ms(hopSubgraph.p99)}; the router adds p50 ${ms(hopExtra.p50)} / p99 ${ms(hopExtra.p99)} / max ${ms(hopExtra.max)} ms per event`,
  );
  const p = r.pacedPauses;
  console.log(
    `  process while the paced jobs streamed: ${p.gcCount} GC pauses (${ms(p.gcTotalMs)} ms in all, longest ${ms(p.gcMaxMs)} ms); event loop delay p99 ${ms(p.loopDelayP99Ms)} ms, max ${ms(p.loopDelayMaxMs)} ms`,
  );
  console.log(`  total run ${r.seconds.total.toFixed(0)} s`);
  console.log('');

  const stats = (s: Stats) => ({ count: s.count, meanMs: round(s.mean), p50Ms: round(s.p50), p99Ms: round(s.p99), maxMs: round(s.max) });
  const breakdown = (samples: Sample[]) => Object.fromEntries(SAMPLE_PARTS.map((part) => [part, stats(statsOf(samples.map((s) => s[part])))]));
  const callStats = (map: Map<string, number[]>) => Object.fromEntries([...map.entries()].map(([call, durations]) => [call, stats(statsOf(durations))]));
  console.log(
    JSON.stringify({
      bench: 'generation',
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpuModel(),
      nodeEnv: process.env.NODE_ENV,
      settings: { ...settings, pace: PACE, firstTokenMs: FIRST_TOKEN_MS, pages: deck.pages, aiSlides, outlineChars: deck.outline.length, slidesChars: deck.slidesText.length },
      outlineChunk: { ...stats(outline), breakdown: breakdown(r.outline) },
      slide: { ...stats(slides), breakdown: breakdown(r.slides) },
      firstSlide: stats(first),
      assemblyFill: { ...stats(fill), aiSlides, pptSlides: r.fill.pptSlides },
      assemblyEndToEnd: { deckDone: stats(deckDone), lastSlide: stats(lastSlide), breakdown: breakdown(r.assemblySamples) },
      calls: { paced: callStats(r.pacedCalls), assembly: callStats(r.assemblyCalls) },
      routerHop: { router: stats(hopRouter), subgraph: stats(hopSubgraph), extra: stats(hopExtra) },
      pacedPauses: Object.fromEntries(Object.entries(r.pacedPauses).map(([name, value]) => [name, round(value)])),
      goals: { overheadP99Ms: GOAL_OVERHEAD_P99_MS, assemblyMs: GOAL_ASSEMBLY_MS },
    }),
  );
}

await runBench(main);
