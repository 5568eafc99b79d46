// Image uploads and their processing, through the router: upload throughput of the REST facade
// (POST /api/v1/images/upload, one and four at a time), the GraphQL presigned path (request → PUT →
// confirm), the time from the confirm's answer until the image is READY, split into the job's wait
// in the queue and its run in the media worker, next to processImage alone. A 1600×1200 photo JPEG
// and a 400×300 chart PNG, made in memory. Starts (and stops) its own Postgres and Redis unless
// DATABASE_URL and REDIS_URL are set; images go to a temporary folder (local-disk driver).
//
//   npx tsx bench/media/run.ts        BENCH_UPLOADS=60  BENCH_PRESIGNED_UPLOADS=30  BENCH_PROCESS_RUNS=30
//
// The configuration is read from process.env on first use, so the environment the stack runs with
// is fixed here, before any project module is imported (they are all imported dynamically below).
useStackBenchEnvironment();
useThrowawayImageStorage();

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import sharp from 'sharp';
import type { ImageJobData } from '../../lib/queues.js'; // types only: erased, load nothing
import type { Stack } from '../../test/stack.js';
// bench-kit and sample-images load no project module at top level: the project modules, imported
// below, still read the environment set above.
import { type Percentiles, commandLine, cpuModel, nearestRankPercentiles, positiveNumberFromEnv, printMachineLine, printTable, roundToThousandths as round, runBench, startServicesAndStack, stopAtEnd, useStackBenchEnvironment } from '../bench-kit.js';
import { type SampleImage, sampleImages } from './sample-images.js';

const CONCURRENCIES = [1, 4] as const;
const settings = {
  uploads: positiveNumberFromEnv('BENCH_UPLOADS', 60, { integer: true }),
  presignedUploads: positiveNumberFromEnv('BENCH_PRESIGNED_UPLOADS', 30, { integer: true }),
  processRuns: positiveNumberFromEnv('BENCH_PROCESS_RUNS', 30, { integer: true }),
  // Off by default: in a deployment the media worker is a process of its own (docker-compose.yml);
  // here it shares the router's event loop and, on a small VM, its CPUs.
  processDuringUploads: process.env.BENCH_PROCESS_DURING_UPLOADS === '1',
};
/** Per row, not counted: connections, JIT, sharp's first decode of the format. */
const WARM_UP = 4;
const POLL_MS = 20;
const READY_TIMEOUT_MS = 30_000;

/**
 * The local-disk driver under a temporary folder of the run's own, removed when the run ends
 * (bench-kit's default folder stays behind, and this run writes a few hundred images there).
 */
function useThrowawayImageStorage(): void {
  const dir = mkdtempSync(join(tmpdir(), 'pptist-bench-media-'));
  process.env.STORAGE_DRIVER = 'local';
  process.env.LOCAL_STORAGE_DIR = dir;
  // Registered first, so it runs last: after the stack that writes there has stopped.
  stopAtEnd(async () => rmSync(dir, { recursive: true, force: true }));
}

type Account = { token: string; userId: string };

interface UploadRow {
  concurrency: number;
  latency: Percentiles;
  seconds: number;
  uploadsPerSecond: number;
  megabytesPerSecond: number;
  /** Processing of the row's uploads once the queue was let go: images per second, worker concurrency 2. */
  drainPerSecond: number;
}

interface PresignedSample {
  request: number;
  put: number;
  confirm: number;
  /** Confirm answered → READY seen by polling GET /api/v1/images/{id}. */
  ready: number;
  /** BullMQ's stamps: added → a worker took it, and took it → finished. */
  queued: number;
  run: number;
}

interface ImageResult {
  image: SampleImage;
  uploads: UploadRow[];
  presigned: PresignedSample[];
  processImage: Percentiles;
}

interface Problems {
  count: number;
  first?: string;
}

const problems: Problems = { count: 0 };
function problem(what: string): void {
  problems.count++;
  problems.first ??= what.slice(0, 400);
}

async function main(): Promise<void> {
  const stack = await startServicesAndStack({
    seed: false,
    startStack: async () => {
      const { startStack } = await import('../../test/stack.js');
      return startStack();
    },
  });
  const { signUp } = await import('../../test/stack.js');
  const { createImageQueue, closeQueue } = await import('../../lib/queues.js');
  // The stack's own queue, to hold processing back while uploads are timed and to read each job's stamps.
  const queue = createImageQueue(stack.queuePrefix);
  stopAtEnd(() => closeQueue(queue));
  const account = await signUp(stack.routerUrl, 'Image uploader');
  const images = await sampleImages();
  const startLoad = loadavg()[0]!;

  const results: ImageResult[] = [];
  for (const image of images) {
    // processImage first, on an idle process: nothing else is running yet.
    process.stderr.write(`bench: ${image.label}: processImage…\n`);
    const processImage = await timeProcessImage(image);
    const uploads: UploadRow[] = [];
    for (const concurrency of CONCURRENCIES) {
      process.stderr.write(`bench: ${image.label}: REST uploads, ${concurrency} at a time…\n`);
      uploads.push(await uploadRow(stack, queue, account, image, concurrency));
    }
    process.stderr.write(`bench: ${image.label}: presigned uploads, each followed to READY…\n`);
    const presigned = await presignedSamples(stack, queue, account, image);
    results.push({ image, uploads, presigned, processImage });
  }
  await checkAllReady(account);
  printResults(stack, results, startLoad);
}

/** processImage on a fresh copy of the bytes each time, as each job reads its own from storage (libvips caches by input). */
async function timeProcessImage(image: SampleImage): Promise<Percentiles> {
  const { processImage } = await import('../../subgraphs/media/image-processing.js');
  const samples: number[] = [];
  for (let i = 0; i < WARM_UP + settings.processRuns; i++) {
    const bytes = Buffer.from(image.bytes);
    const started = performance.now();
    await processImage(bytes, image.format);
    if (i >= WARM_UP) samples.push(performance.now() - started);
  }
  return nearestRankPercentiles(samples);
}

async function restUpload(stack: Stack, account: Account, image: SampleImage): Promise<{ ms: number; id: string | null }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(image.bytes)], { type: image.mimeType }), image.filename);
  const started = performance.now();
  const response = await fetch(`${stack.routerUrl}/api/v1/images/upload`, { method: 'POST', headers: { authorization: `Bearer ${account.token}` }, body: form });
  const body = (await response.json()) as { data?: { image_id?: string }; error_code?: string; message?: string };
  const ms = performance.now() - started;
  const id = response.status === 201 ? (body.data?.image_id ?? null) : null;
  if (!id) problem(`POST /api/v1/images/upload answered ${response.status}: ${JSON.stringify(body)}`);
  return { ms, id };
}

/**
 * `settings.uploads` uploads, `concurrency` at a time, with the queue paused (unless
 * BENCH_PROCESS_DURING_UPLOADS=1) so the figure is the upload path's own; then the queue is let go
 * and the row's images are processed before the next row starts.
 */
async function uploadRow(stack: Stack, queue: Queue<ImageJobData>, account: Account, image: SampleImage, concurrency: number): Promise<UploadRow> {
  if (!settings.processDuringUploads) await queue.pause();
  const rowStarted = Date.now();
  const ids: string[] = [];
  const keep = (id: string | null) => {
    if (id) ids.push(id);
  };
  for (let i = 0; i < WARM_UP; i++) keep((await restUpload(stack, account, image)).id);

  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < settings.uploads) {
        next++;
        const { ms, id } = await restUpload(stack, account, image);
        latencies.push(ms);
        keep(id);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  // Paused, every job of the row starts when the queue is let go; otherwise, from the row's first upload.
  const released = settings.processDuringUploads ? rowStarted : Date.now();
  if (!settings.processDuringUploads) await queue.resume();
  const jobs = await finishedJobs(queue, ids);
  const lastFinished = Math.max(...jobs.map((job) => job.finishedOn ?? Number.NaN));
  return {
    concurrency,
    latency: nearestRankPercentiles(latencies),
    seconds,
    uploadsPerSecond: latencies.length / seconds,
    megabytesPerSecond: (latencies.length * image.bytes.length) / 1e6 / seconds,
    drainPerSecond: jobs.length / ((lastFinished - released) / 1000),
  };
}

/** The images' jobs once every one has finished (jobId is the image id); a failed job is a problem. */
async function finishedJobs(queue: Queue<ImageJobData>, ids: string[]) {
  const deadline = Date.now() + READY_TIMEOUT_MS + ids.length * 2000;
  for (;;) {
    // Cheap check first: reading every job while many are still queued would load the event loop the worker runs on.
    const counts = await queue.getJobCounts('wait', 'active', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) {
      const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
      if (jobs.every((job) => job?.finishedOn)) {
        for (const job of jobs) if ((await job!.getState()) !== 'completed') problem(`processing ${job!.id} failed: ${job!.failedReason}`);
        return jobs.map((job) => job!);
      }
    }
    if (Date.now() > deadline) throw new Error(`the image queue did not drain: ${JSON.stringify(counts)}`);
    await sleep(POLL_MS);
  }
}

/** The GraphQL path, one image at a time: request, PUT the bytes, confirm, then poll until READY. */
async function presignedSamples(stack: Stack, queue: Queue<ImageJobData>, account: Account, image: SampleImage): Promise<PresignedSample[]> {
  const { gql } = await import('../../test/stack.js');
  const graphql = `${stack.routerUrl}/graphql`;
  const samples: PresignedSample[] = [];
  for (let i = 0; i < WARM_UP + settings.presignedUploads; i++) {
    const t0 = performance.now();
    const requested = await gql(
      graphql,
      'mutation($f: String!, $t: String!) { requestImageUpload(filename: $f, contentType: $t) { upload { imageId uploadUrl contentType } error { code message } } }',
      { f: image.filename, t: image.mimeType },
      account.token,
    );
    const upload = requested.data?.requestImageUpload?.upload as { imageId: string; uploadUrl: string; contentType: string } | undefined;
    if (!upload) throw new Error(`requestImageUpload failed: ${JSON.stringify(requested).slice(0, 400)}`);
    const t1 = performance.now();
    // Without PUBLIC_URL the local driver signs URLs for 127.0.0.1:PORT (4000), not for the port this
    // stack's router took: the same path and signature, sent to the router that serves /storage/*.
    const signed = new URL(upload.uploadUrl);
    const put = await fetch(new URL(signed.pathname + signed.search, stack.routerUrl), { method: 'PUT', headers: { 'content-type': upload.contentType }, body: new Uint8Array(image.bytes) });
    await put.arrayBuffer();
    if (put.status !== 200) throw new Error(`PUT to the upload URL answered ${put.status}`);
    const t2 = performance.now();
    const confirmed = await gql(graphql, 'mutation($id: ID!) { confirmImageUpload(imageId: $id) { image { id status } error { code message } } }', { id: upload.imageId }, account.token);
    const t3 = performance.now();
    if (confirmed.data?.confirmImageUpload?.image?.status !== 'PROCESSING') throw new Error(`confirmImageUpload: ${JSON.stringify(confirmed).slice(0, 400)}`);
    const t4 = await readyAt(stack, account, upload.imageId);
    const job = await queue.getJob(upload.imageId);
    if (!job?.processedOn || !job.finishedOn) throw new Error(`no finished job for image ${upload.imageId}`);
    if (i >= WARM_UP) samples.push({ request: t1 - t0, put: t2 - t1, confirm: t3 - t2, ready: t4 - t3, queued: job.processedOn - job.timestamp, run: job.finishedOn - job.processedOn });
  }
  return samples;
}

/** When GET /api/v1/images/{id} first says ready (performance.now()); polled every POLL_MS, as a client would. */
async function readyAt(stack: Stack, account: Account, id: string): Promise<number> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const response = await fetch(`${stack.routerUrl}/api/v1/images/${id}`, { headers: { authorization: `Bearer ${account.token}` } });
    const body = (await response.json()) as { data?: { storage_status?: string } };
    const status = body.data?.storage_status;
    if (status === 'ready') return performance.now();
    if (status !== 'processing') throw new Error(`image ${id}: GET answered ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    await sleep(POLL_MS);
  }
  throw new Error(`image ${id} was not READY after ${READY_TIMEOUT_MS} ms`);
}

/** Every image the run uploaded must have been processed: READY, none FAILED or left behind. */
async function checkAllReady(account: Account): Promise<void> {
  const { createPrisma } = await import('../../lib/db.js');
  const prisma = createPrisma();
  try {
    const byStatus = await prisma.image.groupBy({ by: ['status'], where: { ownerId: account.userId }, _count: true });
    for (const group of byStatus) if (group.status !== 'READY') problem(`${group._count} images ended ${group.status}`);
  } finally {
    await prisma.$disconnect();
  }
}


const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const p50p99 = (s: Percentiles) => `${ms(s.p50)} / ${ms(s.p99)}`;
const stat = (samples: PresignedSample[], field: keyof PresignedSample) => nearestRankPercentiles(samples.map((s) => s[field]));

function printResults(stack: Stack, results: ImageResult[], startLoad: number): void {
  console.log('Media benchmark: image upload throughput and processing time per image, through the router');
  printMachineLine();
  console.log(`command: ${commandLine('bench/media/run.ts')}`);
  console.log(
    `sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, ${sharp.concurrency()} libvips threads per image, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}; media worker concurrency 2; storage: local disk (${process.env.LOCAL_STORAGE_DIR}); load average at start ${startLoad.toFixed(2)}`,
  );
  console.log(
    `REST: POST /api/v1/images/upload (multipart "file", Bearer token), ${settings.uploads} timed uploads per row after ${WARM_UP} not counted; latency = request sent → JSON answer read (the router asks the graph for an upload URL, writes the bytes to disk, confirms: the media subgraph reads them back and checks them); ` +
      (settings.processDuringUploads ? 'the media worker processes while uploads run' : 'the image queue is paused while a row uploads, then let go (drain = images processed per second)'),
  );
  console.log(
    `GraphQL presigned: requestImageUpload → PUT uploadUrl → confirmImageUpload, one at a time, ${settings.presignedUploads} per image after ${WARM_UP}; each then polled (GET /api/v1/images/{id} every ${POLL_MS} ms) until READY before the next`,
  );
  console.log(`processImage (subgraphs/media/image-processing.ts) alone: ${settings.processRuns} runs after ${WARM_UP}, on a fresh copy of the bytes, while nothing else runs`);
  console.log('all in one process: router, subgraphs, media worker and this client share one event loop; MB = 10^6 bytes; nearest-rank percentiles, so with 100 samples or fewer p99 is the slowest one');
  console.log(`router ${stack.routerUrl}`);
  console.log('');

  const column = (pick: (r: ImageResult) => string) => results.map(pick);
  const row = (concurrency: number, pick: (u: UploadRow) => string) => column((r) => pick(r.uploads.find((u) => u.concurrency === concurrency)!));
  const rows: string[][] = [['', ...column((r) => r.image.label)]];
  for (const concurrency of CONCURRENCIES) {
    rows.push(
      [`REST upload, ${concurrency} at a time: uploads/s`, ...row(concurrency, (u) => u.uploadsPerSecond.toFixed(1))],
      ['  MB/s', ...row(concurrency, (u) => u.megabytesPerSecond.toFixed(2))],
      ['  latency p50 / p99 ms', ...row(concurrency, (u) => p50p99(u.latency))],
      ['  then processed, images/s', ...row(concurrency, (u) => u.drainPerSecond.toFixed(1))],
    );
  }
  rows.push(
    ['GraphQL presigned, request+PUT+confirm p50 ms', ...column((r) => ms(nearestRankPercentiles(r.presigned.map((s) => s.request + s.put + s.confirm)).p50))],
    ['  request / PUT / confirm p50 ms', ...column((r) => `${ms(stat(r.presigned, 'request').p50)} / ${ms(stat(r.presigned, 'put').p50)} / ${ms(stat(r.presigned, 'confirm').p50)}`)],
    ['confirm answered → READY seen, p50 / p99 ms', ...column((r) => p50p99(stat(r.presigned, 'ready')))],
    ['  job waited in the queue p50 / p99 ms', ...column((r) => p50p99(stat(r.presigned, 'queued')))],
    ['  job ran in the worker p50 / p99 ms', ...column((r) => p50p99(stat(r.presigned, 'run')))],
    ['processImage alone, median / p99 ms', ...column((r) => p50p99(r.processImage))],
    ['READY p50 − processImage median ms', ...column((r) => ms(stat(r.presigned, 'ready').p50 - r.processImage.p50))],
  );
  printTable(rows);
  console.log('');
  if (problems.count > 0) console.log(`${problems.count} problems; first: ${problems.first}`);

  const stats = (s: Percentiles) => ({ count: s.count, meanMs: round(s.mean), p50Ms: round(s.p50), p99Ms: round(s.p99) });
  console.log(
    JSON.stringify({
      bench: 'media',
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpuModel(),
      nodeEnv: process.env.NODE_ENV,
      loadAverageAtStart: round(startLoad),
      settings: { ...settings, warmUp: WARM_UP, pollMs: POLL_MS },
      images: results.map((r) => ({
        image: { format: r.image.format, width: r.image.width, height: r.image.height, bytes: r.image.bytes.length },
        uploads: r.uploads.map((u) => ({ concurrency: u.concurrency, uploadsPerSecond: round(u.uploadsPerSecond), megabytesPerSecond: round(u.megabytesPerSecond), latency: stats(u.latency), drainPerSecond: round(u.drainPerSecond) })),
        presigned: Object.fromEntries((['request', 'put', 'confirm', 'ready', 'queued', 'run'] as const).map((field) => [field, stats(stat(r.presigned, field))])),
        processImage: stats(r.processImage),
      })),
      problems: problems.count,
    }),
  );
  if (problems.count > 0) {
    console.error('bench: some uploads or processing jobs failed (see above)');
    process.exitCode = 1;
  }
}

await runBench(main);
