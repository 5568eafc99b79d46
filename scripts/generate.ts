// npm run generate -- "topic" [--slides N] [--lang en] [--out deck.json]: a deck from the terminal.
// Only a client of the public REST API, as a script on another machine would be: it signs in,
// starts a generation job, follows the job's Server-Sent Events with a live progress line, and
// downloads the finished deck as a PPTist file.
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { importDocumentFile } from '../lib/pptist/file.js';

const USAGE = `Usage: npm run generate -- "topic" [options]

  --slides N            content pages, 5 to 30 (default 10)
  --lang L              en, zh-CN or ja (default en)
  --style S             general, academic, business, education or marketing
  --template ID         the template that dresses the slides
  --model NAME          the model to ask (default: the platform's default)
  --source FILE         text to build the deck from (notes, an article, a report)
  --outline-file FILE   an outline (# title, ## chapter, ### page, - point): skips the outline stage
  --out PATH            where to write the deck (default ./<topic>.json; .pptist: encrypted)
  --url URL             the platform (default $PPTIST_URL or http://127.0.0.1:4000)
  -h, --help

Signs in with $PPTIST_TOKEN, else $PPTIST_EMAIL + $PPTIST_PASSWORD, else a local CLI account
created once and kept in .local/cli-account.json.`;

const LANGUAGES = ['en', 'zh-CN', 'ja'];
const TERMINAL_EVENTS = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
/** Reconnections in a row before giving up on the event stream; backoff 0.5 s doubling (~15 s in all). */
const MAX_RECONNECTS = 5;
/** Attempts at starting the job; the idempotency key makes a repeat return the same job. */
const START_ATTEMPTS = 3;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ACCOUNT_FILE = join(ROOT, '.local', 'cli-account.json');

class UsageError extends Error {}

/** A refusal from the API: its HTTP status and the envelope's error_code. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

// ------------------------------------------------------------------------------------ arguments

export interface Options {
  topic?: string;
  /** The topic, else the outline's title. */
  title: string;
  outline?: string;
  sourceText?: string;
  slides: number;
  language: string;
  style?: string;
  templateId?: string;
  model?: string;
  out: string;
  format: 'json' | 'pptist';
  url: string;
}

/** Null: --help. Throws UsageError on a bad command line. Relative paths are taken from `cwd`. */
export function parseOptions(argv: string[], defaults: { url: string; cwd: string }): Options | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        slides: { type: 'string', default: '10' },
        lang: { type: 'string', default: 'en' },
        style: { type: 'string' },
        template: { type: 'string' },
        model: { type: 'string' },
        source: { type: 'string' },
        'outline-file': { type: 'string' },
        out: { type: 'string' },
        url: { type: 'string', default: defaults.url },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return null;
  const topic = positionals.join(' ').trim() || undefined;
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(resolve(defaults.cwd, path), 'utf8'));
  const outline = read(values['outline-file']);
  if (!topic && !outline?.trim()) throw new UsageError('Give a topic (or --outline-file)');
  const slides = Number(values.slides);
  if (!/^\d+$/.test(values.slides) || slides < 5 || slides > 30) throw new UsageError('--slides is a whole number from 5 to 30');
  if (!LANGUAGES.includes(values.lang)) throw new UsageError(`--lang is one of ${LANGUAGES.join(', ')}`);
  const title = topic ?? outline!.match(/^#\s+(.+)$/m)?.[1]?.trim() ?? 'deck';
  const out = resolve(defaults.cwd, values.out ?? `${slugOf(title)}.json`);
  return {
    topic,
    title,
    outline,
    sourceText: read(values.source),
    slides,
    language: values.lang,
    style: values.style,
    templateId: values.template,
    model: values.model,
    out,
    format: extname(out).toLowerCase() === '.pptist' ? 'pptist' : 'json',
    url: values.url.replace(/\/+$/, ''),
  };
}

function slugOf(text: string): string {
  const slug = text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60).replace(/^-+|-+$/g, '');
  return slug || 'deck';
}

/**
 * The client's own environment. Not lib/config.ts: that validates the platform's server settings
 * (DATABASE_URL, signing keys…), which a client, possibly on another machine, does not have.
 */
function clientEnvironment(env: NodeJS.ProcessEnv = process.env) {
  return {
    url: env.PPTIST_URL || 'http://127.0.0.1:4000',
    // `npm run` moves to the package root; INIT_CWD is where the user typed the command.
    cwd: env.INIT_CWD || process.cwd(),
    token: env.PPTIST_TOKEN,
    email: env.PPTIST_EMAIL,
    password: env.PPTIST_PASSWORD,
  };
}

// ---------------------------------------------------------------------------------- the client

type Envelope<T> = { status: string; message: string; data: T; error_code?: string };
type Tokens = { access_token: string; refresh_token: string };

async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const envelope = JSON.parse(text) as Envelope<unknown>;
    return new ApiError(response.status, envelope.error_code ?? 'ERROR', envelope.message);
  } catch {
    return new ApiError(response.status, 'ERROR', `HTTP ${response.status} ${text.slice(0, 200)}`);
  }
}

/** The REST API with a bearer token; an expired token is refreshed once when we hold a refresh token. */
class PlatformClient {
  private accessToken?: string;
  private refreshToken?: string;

  constructor(readonly baseUrl: string) {}

  signedIn(tokens: { access_token: string; refresh_token?: string }): void {
    this.accessToken = tokens.access_token;
    this.refreshToken = tokens.refresh_token;
  }

  async fetch(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    const send = () =>
      fetch(`${this.baseUrl}${path}`, { ...init, headers: { ...(this.accessToken && { authorization: `Bearer ${this.accessToken}` }), ...init.headers } }).catch((error: Error) => {
        // fetch says only "fetch failed"; the reason (ECONNREFUSED…) is in its cause.
        const cause = error.cause as { code?: string; message?: string } | undefined;
        throw new Error(`Cannot reach ${this.baseUrl} (${cause?.code ?? cause?.message ?? error.message})`);
      });
    const response = await send();
    if (response.status !== 401 || !this.refreshToken) return response;
    // Access tokens live 15 minutes by default: a long job outlives them.
    const refreshToken = this.refreshToken;
    this.refreshToken = undefined;
    this.signedIn(await this.call<Tokens>('POST', '/api/v1/auth/refresh', { refresh_token: refreshToken }));
    return send();
  }

  /** A JSON request answered in the StandardResponse envelope: its data, or an ApiError. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(path, { method, ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    if (!response.ok) throw await apiErrorOf(response);
    return ((await response.json()) as Envelope<T>).data;
  }
}

// --------------------------------------------------------------------------------- credentials

async function signIn(client: PlatformClient, env: ReturnType<typeof clientEnvironment>, say: (line: string) => void): Promise<void> {
  if (env.token) return client.signedIn({ access_token: env.token });
  if (env.email && env.password) return client.signedIn(await client.call<Tokens>('POST', '/api/v1/auth/login', { email: env.email, password: env.password }));
  const saved = existsSync(ACCOUNT_FILE) ? (JSON.parse(readFileSync(ACCOUNT_FILE, 'utf8')) as { email: string; password: string }) : undefined;
  if (saved) {
    try {
      return client.signedIn(await client.call<Tokens>('POST', '/api/v1/auth/login', saved));
    } catch (error) {
      // The account belongs to another platform database (a reset, another --url): make a new one.
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
  }
  const account = { email: `cli-${randomBytes(6).toString('hex')}@pptist.invalid`, password: randomBytes(24).toString('base64url') };
  client.signedIn(await client.call<Tokens>('POST', '/api/v1/auth/register', { ...account, confirm_password: account.password, name: 'PPTist CLI' }));
  mkdirSync(dirname(ACCOUNT_FILE), { recursive: true, mode: 0o700 });
  writeFileSync(ACCOUNT_FILE, `${JSON.stringify(account, null, 2)}\n`, { mode: 0o600 });
  chmodSync(ACCOUNT_FILE, 0o600); // `mode` applies only when the file is new
  say(`Created the local CLI account ${account.email} (kept in ${ACCOUNT_FILE})`);
}

// ---------------------------------------------------------------------------------------- job

type Job = { id: string; status: string; deck_id: string | null; error: string | null; error_code: string | null };

async function startJob(client: PlatformClient, options: Options): Promise<Job> {
  const body = {
    topic: options.topic,
    outline: options.outline,
    source_text: options.sourceText,
    language: options.language,
    slide_count: options.slides,
    style: options.style,
    template_id: options.templateId,
    model: options.model,
    idempotency_key: `cli-${randomUUID()}`,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.call<Job>('POST', '/api/v1/generations', body);
    } catch (error) {
      // Only a lost connection or an unavailable gateway is worth repeating; the same key
      // returns the job if the first attempt did reach the platform.
      const transient = !(error instanceof ApiError) || error.status === 502 || error.status === 503 || error.status === 504;
      if (!transient || attempt === START_ATTEMPTS) throw error;
      await sleep(500 * 2 ** (attempt - 1));
    }
  }
}

// ------------------------------------------------------------------------------ event stream

export interface ServerSentEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Server-Sent Events from a byte or text stream (the WHATWG framing: fields, blank-line dispatch, `:` comments). */
export async function* serverSentEvents(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: { id?: string; event?: string; data: string[] } = { data: [] };
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    // The last piece may be half a line, and a \r at the end may be half of a \r\n: both wait.
    const held = buffer.endsWith('\r') ? '\r' : '';
    const lines = buffer.slice(0, buffer.length - held.length).split(/\r\n|\r|\n/);
    buffer = lines.pop()! + held;
    for (const line of lines) {
      if (line === '') {
        if (event.data.length > 0) yield { ...(event.id !== undefined && { id: event.id }), ...(event.event && { event: event.event }), data: event.data.join('\n') };
        event = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') event.data.push(value);
      else if (field === 'id') event.id = value;
      else if (field === 'event') event.event = value;
      // `retry:` is ignored: reconnecting is ours to pace (followEvents).
    }
  }
}

export interface GenerationEvent {
  seq: number;
  type: string;
  payload: Record<string, any>;
  at: string;
}

/** The stream dropped, or the platform ended it early: resume it. */
class DroppedStream extends Error {}

/**
 * Every event of the job, in order and once, until the terminal one; reconnects with Last-Event-ID
 * after a dropped connection. Returns the terminal event.
 */
async function followEvents(client: PlatformClient, jobId: string, onEvent: (event: GenerationEvent) => void, onReconnect: (attempt: number, reason: string) => void): Promise<GenerationEvent> {
  let lastSeq: number | undefined;
  for (let failures = 0; ; ) {
    try {
      const response = await client.fetch(`/api/v1/generations/${jobId}/events`, { headers: { accept: 'text/event-stream', ...(lastSeq !== undefined && { 'last-event-id': String(lastSeq) }) } });
      // The job had finished and we hold all its events (its terminal one went missing on the way).
      if (response.status === 204) return terminalEventOf(await client.call<Job>('GET', `/api/v1/generations/${jobId}`));
      if (!response.ok) throw await apiErrorOf(response);
      for await (const message of serverSentEvents(response.body as unknown as AsyncIterable<Uint8Array>)) {
        if (message.event === 'error') throw new DroppedStream(message.data);
        const event = JSON.parse(message.data) as GenerationEvent;
        if (lastSeq !== undefined && event.seq <= lastSeq) continue;
        lastSeq = event.seq;
        failures = 0;
        onEvent(event);
        if (TERMINAL_EVENTS.has(event.type)) return event;
      }
      throw new DroppedStream('the stream ended before the job did');
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) throw error;
      if (++failures > MAX_RECONNECTS) throw new Error(`Lost the job's event stream: ${(error as Error).message}`);
      onReconnect(failures, (error as Error).message);
      await sleep(500 * 2 ** (failures - 1));
    }
  }
}

function terminalEventOf(job: Job): GenerationEvent {
  const type = job.status.toUpperCase();
  if (!TERMINAL_EVENTS.has(type)) throw new DroppedStream(`the job is ${job.status} but its stream ended`);
  return { seq: -1, type, at: '', payload: { deckId: job.deck_id, code: job.error_code, message: job.error } };
}

// -------------------------------------------------------------------------------- progress

const SLIDE_LABELS: Record<string, string> = { contents: 'Contents', end: 'The end' };

export function slideTitle(slide: { type?: string; data?: { title?: unknown } } | undefined): string {
  const title = slide?.data?.title;
  if (typeof title === 'string' && title.trim()) return title.trim();
  return SLIDE_LABELS[slide?.type ?? ''] ?? slide?.type ?? 'Slide';
}

/**
 * What the user sees on stderr: lines that stay (slide titles, warnings) and, on a terminal, one
 * status line redrawn in place below them. Off a terminal only the plain lines are written.
 */
class ProgressView {
  private stage = 'queued';
  private done = 0;
  private total = 0;
  private latest = '';
  private readonly live: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.live = out.isTTY === true;
  }

  line(text: string): void {
    this.out.write(this.live ? `\r\x1b[2K${text}\n${this.status()}` : `${text}\n`);
  }

  update(change: { stage?: string; done?: number; total?: number; latest?: string }): void {
    if (change.stage && change.stage !== this.stage && !this.live) this.out.write(`Stage: ${change.stage}\n`);
    this.stage = change.stage ?? this.stage;
    this.done = change.done ?? this.done;
    this.total = change.total ?? this.total;
    this.latest = change.latest ?? this.latest;
    if (this.live) this.out.write(`\r\x1b[2K${this.status()}`);
  }

  /** Clears the status line, so what follows starts on a clean line. */
  close(): void {
    if (this.live) this.out.write('\r\x1b[2K');
  }

  private status(): string {
    const width = 20;
    const filled = this.total > 0 ? Math.min(width, Math.round((this.done / this.total) * width)) : 0;
    const bar = this.total > 0 ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total}  ` : '';
    const text = `${bar}${this.stage}${this.latest ? ` · ${this.latest}` : ''}`;
    // A line wider than the terminal wraps, and `\r` then redraws only its last row.
    const columns = this.out.columns || 80;
    return text.length < columns ? text : `${text.slice(0, columns - 2)}…`;
  }
}

function show(view: ProgressView, event: GenerationEvent): void {
  const p = event.payload;
  switch (event.type) {
    case 'QUEUED':
    case 'STARTED':
      return view.update({ stage: String(p.stage ?? 'queued') });
    case 'STAGE':
      return view.update({ stage: String(p.stage) });
    case 'OUTLINE_CHUNK': {
      const text = String(p.chunk ?? '').trim().replace(/^(#+|-)\s*/, '');
      return text ? view.update({ latest: text }) : undefined;
    }
    case 'OUTLINE_READY':
      view.line(`Outline: ${String(p.title)} (${Number(p.slidesTotal)} slides planned)`);
      return view.update({ total: Number(p.slidesTotal), latest: '' });
    case 'SLIDE': {
      // slidesTotal counts every slide (cover, contents, chapters, pages, end); index is 0-based
      // over the same slides, while slidesDone counts content pages only.
      const title = slideTitle(p.slide);
      view.update({ stage: 'slides', done: Number(p.index) + 1, total: Math.max(Number(p.slidesTotal), Number(p.index) + 1), latest: title });
      return view.line(`${String(Number(p.index) + 1).padStart(3)}. ${title}`);
    }
    case 'WARNING':
      return view.line(p.code === 'DEGRADED' ? `! Degraded: the model is unavailable, the offline writer took over (${String(p.message)})` : `! ${String(p.code)}: ${String(p.message)}`);
    default:
      return undefined;
  }
}

function usageLine(usage: { promptTokens?: number; completionTokens?: number; costUsd?: number } | undefined): string {
  const u = { promptTokens: 0, completionTokens: 0, costUsd: 0, ...usage };
  return `Usage: ${u.promptTokens} prompt + ${u.completionTokens} completion tokens, $${u.costUsd.toFixed(4)}`;
}

// ---------------------------------------------------------------------------------- export

/** The deck as a PPTist file, checked before it is written; returns its slide count. */
async function exportDeck(client: PlatformClient, deckId: string, options: Options): Promise<number> {
  const response = await client.fetch(`/api/v1/decks/${deckId}/export?format=${options.format}`);
  if (!response.ok) throw await apiErrorOf(response);
  const file = Buffer.from(await response.arrayBuffer());
  const parsed = importDocumentFile(file, options.out);
  if (!parsed.ok) throw new Error(`The platform sent a file that is not a PPTist document: ${parsed.message}`);
  mkdirSync(dirname(resolve(options.out)), { recursive: true });
  writeFileSync(options.out, file);
  return parsed.document.slides.length;
}

// ------------------------------------------------------------------------------------- main

async function cancelJob(client: PlatformClient, jobId: string): Promise<number> {
  console.error(`Cancelling job ${jobId}…`);
  try {
    const job = await client.call<Job>('POST', `/api/v1/generations/${jobId}/cancel`, {});
    console.error(`Job ${job.id} ${job.status}`);
  } catch (error) {
    console.error(`Could not cancel job ${jobId}: ${(error as Error).message}`);
  }
  return 130;
}

async function main(): Promise<number> {
  const env = clientEnvironment();
  let options: Options | null;
  try {
    options = parseOptions(process.argv.slice(2), env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }

  const view = new ProgressView();
  const client = new PlatformClient(options.url);
  let jobId: string | undefined;
  // Set by Ctrl-C; from then on the cancellation decides the exit (the job's CANCELLED event
  // usually arrives before the cancel request's answer).
  let interrupted: Promise<number> | undefined;
  process.on('SIGINT', () => {
    // A second Ctrl-C does not wait for the cancellation.
    process.removeAllListeners('SIGINT').on('SIGINT', () => process.exit(130));
    view.close();
    interrupted = jobId ? cancelJob(client, jobId) : Promise.resolve(130);
    void interrupted.then((code) => process.exit(code));
  });

  await signIn(client, env, (line) => view.line(line));
  const job = await startJob(client, options);
  jobId = job.id;
  view.line(`Job ${job.id}: ${options.title} (${options.outline ? 'from the outline' : `${options.slides} content pages`}, ${options.language})`);
  const end = await followEvents(
    client,
    job.id,
    (event) => show(view, event),
    (attempt, reason) => view.line(`! Connection lost (${reason}); reconnecting, attempt ${attempt} of ${MAX_RECONNECTS}`),
  ).catch((error: unknown) => {
    if (interrupted) return null;
    throw error;
  });
  if (interrupted || !end) return interrupted ?? 130;
  view.close();

  if (end.type !== 'SUCCEEDED') {
    console.error(end.type === 'FAILED' ? `Generation failed (${String(end.payload.code)}): ${String(end.payload.message)}` : 'The generation was cancelled');
    return 1;
  }
  const deckId = end.payload.deckId as string | null;
  if (end.payload.usage) console.error(`${usageLine(end.payload.usage)}${end.payload.degraded ? ' (degraded: written by the offline writer)' : ''}`);
  if (!deckId) throw new Error('The job succeeded without a deck');
  const slides = await exportDeck(client, deckId, options);
  console.log(`Wrote ${options.out}: ${slides} slides`);
  console.log(`Deck ${deckId}: ${options.url}/api/v1/decks/${deckId}`);
  return 0;
}

// Runs only as a script, so the test can import the parser and the option checks.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof ApiError ? `${error.message} (${error.code}, HTTP ${error.status})` : error instanceof Error ? error.message : String(error);
      console.error(`\n${message}`);
      process.exit(1);
    },
  );
}
