// `npm run generate` as a user runs it: the CLI as a child process against the real stack (no model
// is registered, so the offline writer answers at once), plus its stream parser and option checks.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePptistDocument } from '../lib/pptist/document.js';
import { importDocumentFile } from '../lib/pptist/file.js';
import { type Stack, signUp, startStack } from '../test/stack.js';
import { parseOptions, serverSentEvents, slideTitle } from './generate.js';

const SCRIPT = fileURLToPath(new URL('./generate.ts', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `whenStderr` is called with stderr so far as it grows (to interrupt it). */
function runCli(args: string[], env: Record<string, string>, whenStderr?: (stderr: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      whenStderr?.(stderr, child);
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/**
 * A pass-through to the router that cuts the first event stream after `events` events, as a flaky
 * network would; records the Last-Event-ID of the streams that follow.
 */
async function cuttingProxy(target: string, events: number): Promise<{ url: string; resumedAfter: string[]; close(): Promise<void> }> {
  const resumedAfter: string[] = [];
  let cut = false;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const forwarded = ['authorization', 'content-type', 'accept', 'last-event-id'].filter((name) => req.headers[name]);
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: Object.fromEntries(forwarded.map((name) => [name, String(req.headers[name])])),
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    const isEvents = /\/events$/.test(req.url ?? '');
    if (isEvents && req.headers['last-event-id']) resumedAfter.push(String(req.headers['last-event-id']));
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
    const cutThis = isEvents && !cut;
    cut ||= cutThis;
    let text = '';
    let sent = 0;
    for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
      if (!cutThis) {
        res.write(chunk);
        continue;
      }
      text += Buffer.from(chunk).toString('utf8');
      const blocks = text.split('\n\n');
      text = blocks.pop()!;
      for (const block of blocks) {
        // Cut once the last event left (destroy() drops whatever is still buffered).
        if (/^id: /m.test(block) && ++sent === events) return void res.write(`${block}\n\n`, () => res.socket?.destroy());
        res.write(`${block}\n\n`);
      }
    }
    res.end();
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, resumedAfter, close: () => new Promise((closed) => server.close(() => closed()).closeAllConnections()) };
}

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'pptist-generate-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('npm run generate', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ legacyAnonymousAccess: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('follows the job with a slide title per line and writes the deck as a PPTist .json file', async () => {
    const { token } = await signUp(stack.routerUrl);
    const out = join(workDir, 'deck.json');
    const run = await runCli(['Tides', '--slides', '5', '--out', out, '--url', stack.routerUrl], { PPTIST_TOKEN: token });
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });

    const parsed = parsePptistDocument(JSON.parse(readFileSync(out, 'utf8')));
    if (!parsed.ok) throw new Error(parsed.message);
    const types = parsed.document.slides.map((slide) => slide.type);
    expect(types[0]).toBe('cover');
    expect(types.at(-1)).toBe('end');
    expect(types).toContain('content');

    // Every slide the job wrote, titled as the platform's own event log has it, in order.
    const jobId = run.stderr.match(/^Job ([0-9a-f-]{36})/m)?.[1];
    const events = await fetch(`${stack.routerUrl}/api/v1/generations/${jobId}/events`, { headers: { authorization: `Bearer ${token}` } });
    const slides: { index: number; slide: { type: string; data: { title?: string } } }[] = [];
    for await (const message of serverSentEvents(events.body as unknown as AsyncIterable<Uint8Array>)) {
      const event = JSON.parse(message.data) as { type: string; payload: (typeof slides)[number] };
      if (event.type === 'SLIDE') slides.push(event.payload);
    }
    expect(slides[0]!.slide).toMatchObject({ type: 'cover', data: { title: 'Tides' } });
    const printed = run.stderr.split('\n').filter((line) => /^ *\d+\. /.test(line));
    expect(printed).toEqual(slides.map(({ index, slide }) => `${String(index + 1).padStart(3)}. ${slideTitle(slide)}`));
    expect(printed[0]).toBe('  1. Tides');

    // Not a terminal: plain lines, no redrawing.
    expect(run.stderr).not.toMatch(/[\r\x1b]/);
    expect(run.stderr).toMatch(/^Usage: 0 prompt \+ 0 completion tokens/m);
    const deckId = run.stdout.match(/^Deck ([0-9a-f-]{36}): /m)?.[1];
    expect(run.stdout).toBe(`Wrote ${out}: ${parsed.document.slides.length} slides\nDeck ${deckId}: ${stack.routerUrl}/api/v1/decks/${deckId}\n`);
    const deck = await fetch(`${stack.routerUrl}/api/v1/decks/${deckId}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await deck.json()).data).toMatchObject({ title: 'Tides', slide_count: parsed.document.slides.length });
  }, 60_000);

  it('writes the encrypted format for a .pptist path and takes the outline from a file', async () => {
    const { token } = await signUp(stack.routerUrl);
    const outlineFile = join(workDir, 'outline.md');
    const outline = '# Rivers\n## Where they start\n### Springs\n- Groundwater\n### Glaciers\n- Meltwater\n## Where they end\n### Deltas\n- Sediment\n';
    writeFileSync(outlineFile, outline);
    const out = join(workDir, 'rivers.pptist');
    const run = await runCli(['--outline-file', outlineFile, '--out', out, '--url', stack.routerUrl, '--lang', 'ja'], { PPTIST_TOKEN: token });
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
    expect(run.stderr).toMatch(/^Job [0-9a-f-]{36}: Rivers \(from the outline, ja\)$/m);
    expect(run.stderr).toMatch(/^Outline: Rivers \(8 slides planned\)$/m);
    for (const title of ['Rivers', 'Where they start', 'Springs', 'Glaciers', 'Deltas']) expect(run.stderr).toMatch(new RegExp(`^ *\\d+\\. ${title}$`, 'm'));
    const bytes = readFileSync(out);
    expect(bytes.toString('utf8').startsWith('{')).toBe(false);
    const imported = importDocumentFile(bytes, out);
    if (!imported.ok) throw new Error(imported.message);
    expect(imported.document.title).toBe('Rivers');
  }, 60_000);

  it('resumes a dropped event stream with Last-Event-ID, missing no slide and repeating none', async () => {
    const { token } = await signUp(stack.routerUrl);
    const proxy = await cuttingProxy(stack.routerUrl, 3);
    try {
      const run = await runCli(['Tides', '--slides', '5', '--out', join(workDir, 'resumed.json'), '--url', proxy.url], { PPTIST_TOKEN: token });
      expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
      expect(run.stderr).toMatch(/^! Connection lost \(.+\); reconnecting, attempt 1 of 5$/m);
      expect(proxy.resumedAfter).toEqual(['3']);
      const printed = run.stderr.split('\n').filter((line) => /^ *\d+\. /.test(line));
      expect(printed.map((line) => Number(line.trim().split('.')[0]))).toEqual(printed.map((_line, i) => i + 1));
      expect(printed.at(-1)).toMatch(/^ *\d+\. The end$/);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('says why when the platform refuses the token, and exits 1', async () => {
    const run = await runCli(['Tides', '--out', join(workDir, 'never.json'), '--url', stack.routerUrl], { PPTIST_TOKEN: 'not-a-token' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\(INVALID_TOKEN, HTTP 401\)/);
  }, 30_000);
});

describe('npm run generate, interrupted', () => {
  // No worker: the job stays queued, so Ctrl-C always finds it unfinished.
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ legacyAnonymousAccess: false, worker: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('cancels the job on Ctrl-C and exits 130', async () => {
    const { token } = await signUp(stack.routerUrl);
    let interrupted = false;
    const run = await runCli(['Tides', '--out', join(workDir, 'never.json'), '--url', stack.routerUrl], { PPTIST_TOKEN: token }, (stderr, child) => {
      if (!interrupted && /^Job /m.test(stderr)) interrupted = child.kill('SIGINT');
    });
    expect(`${run.code}\n${run.stderr}`).toMatch(/^130\n/);
    const jobId = run.stderr.match(/^Job ([0-9a-f-]{36})/m)?.[1];
    expect(run.stderr).toContain(`Job ${jobId} cancelled`);
    const job = await fetch(`${stack.routerUrl}/api/v1/generations/${jobId}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await job.json()).data).toMatchObject({ status: 'cancelled' });
  }, 30_000);
});

describe('the event stream parser', () => {
  async function* chunks(...pieces: string[]) {
    for (const piece of pieces) yield new TextEncoder().encode(piece);
  }
  const collect = async (...pieces: string[]) => {
    const events = [];
    for await (const event of serverSentEvents(chunks(...pieces))) events.push(event);
    return events;
  };

  it('reassembles events split anywhere, skips keepalive comments and retry lines, and joins data lines', async () => {
    const events = await collect('retry: 2000\n\n: keep', 'alive\n\nid: 1\nda', 'ta: {"seq":1}\r', '\n\r\nid: 2\ndata: a\ndata: b\n\nevent: error\ndata: {"error_code":"INTERNAL_ERROR"}\n\n', 'id: 3\ndata: unfinished');
    expect(events).toEqual([{ id: '1', data: '{"seq":1}' }, { id: '2', data: 'a\nb' }, { event: 'error', data: '{"error_code":"INTERNAL_ERROR"}' }]);
  });

  it('decodes a multi-byte character split between reads', async () => {
    const bytes = new TextEncoder().encode('data: 潮汐\n\n');
    async function* split() {
      yield bytes.subarray(0, 8);
      yield bytes.subarray(8);
    }
    const events = [];
    for await (const event of serverSentEvents(split())) events.push(event);
    expect(events).toEqual([{ data: '潮汐' }]);
  });
});

describe('the command line', () => {
  const defaults = { url: 'http://127.0.0.1:4000', cwd: '/home/me/talks' };

  it('defaults to 10 English content pages written to ./<topic slug>.json', () => {
    expect(parseOptions(['Ocean', 'tides', 'explained!'], defaults)).toMatchObject({
      topic: 'Ocean tides explained!',
      slides: 10,
      language: 'en',
      out: '/home/me/talks/ocean-tides-explained.json',
      format: 'json',
      url: defaults.url,
    });
    expect(parseOptions(['潮汐', '--out', '../x.PPTIST', '--url', 'http://h:1/'], defaults)).toMatchObject({ out: '/home/me/x.PPTIST', format: 'pptist', url: 'http://h:1' });
    expect(parseOptions(['潮汐', '--out', '/tmp/a.json'], defaults)?.out).toBe('/tmp/a.json');
    expect(parseOptions(['潮汐'], defaults)?.out).toBe('/home/me/talks/潮汐.json');
    expect(parseOptions(['--help'], defaults)).toBeNull();
  });

  it.each([
    [[], 'Give a topic'],
    [['x', '--slides', '4'], '--slides is a whole number from 5 to 30'],
    [['x', '--slides', '31'], '--slides is a whole number from 5 to 30'],
    [['x', '--slides', '7.5'], '--slides is a whole number from 5 to 30'],
    [['x', '--lang', 'fr'], '--lang is one of en, zh-CN, ja'],
    [['x', '--colour', 'red'], "Unknown option '--colour'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv, defaults)).toThrow(message);
  });

  it('says when the platform is not there, and exits 1', async () => {
    const closed = createServer();
    await new Promise<void>((listening) => closed.listen(0, '127.0.0.1', listening));
    const { port } = closed.address() as AddressInfo;
    await new Promise((done) => closed.close(done));
    const run = await runCli(['Tides', '--url', `http://127.0.0.1:${port}`], { PPTIST_TOKEN: 'any', INIT_CWD: workDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Cannot reach http://127.0.0.1:${port} (ECONNREFUSED)\n`);
  }, 30_000);

  it('exits 2 with the usage on a bad command line', async () => {
    const run = await runCli(['--slides', '3', 'x'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--slides is a whole number from 5 to 30\n\nUsage: npm run generate/);
  }, 30_000);
});
