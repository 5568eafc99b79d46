// Incremental parser for the AIPPT slide objects (REST-COMPAT.md section 3) a model streams: a JSON
// array, JSON Lines or bare objects, inside ```json fences, amid chatter, and often slightly broken.
// One pass over the characters finds each top-level object's closing brace, so a slide is handed on
// in the push that completes it; only the object in progress is held. Each object is then parsed on
// its own (JSON.parse, else the tolerant reader below) and coerced into the shared schema.
// Boundaries come from '{'/'}' outside strings and comments, so a closing brace the model leaves out
// is repaired only at the very end of the stream; one missing mid-stream joins what follows to it.

import { AipptSlideSchema, type AipptItem, type AipptSlide } from '../../lib/pptist/aippt.js';

// String delimiters models use besides '"'. Asymmetric pairs nest, so “a “b” c” is one string.
const CLOSING_QUOTE = new Map([
  ['"', '"'],
  ["'", "'"],
  ['“', '”'],
  ['‘', '’'],
  ['「', '」'],
  ['『', '』'],
  ['＂', '＂'],
]);

// After these a quote other than '"' opens a string; elsewhere it is an apostrophe in bare text.
const TOKEN_BOUNDARY = new Set(['{', '[', ',', ':', '}', ']', '，', '：']);
const SLIDE_TYPES = new Set<string>(AipptSlideSchema.options.flatMap((option) => [...option.shape.type.values]));
// Deeper than any slide object; bounds the tolerant reader's recursion on hostile input.
const MAX_DEPTH = 64;
// A colon further in than a heading's length is punctuation inside a sentence, not "Title: text".
const ITEM_TITLE = /^([^:：\n]{1,40})[:：]([\s\S]*)$/;

const isSpace = (c: string): boolean => c <= ' ' || c === '\u3000' || c === '\u00a0' || c === '\ufeff';
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export class AipptStreamParser {
  /** Warnings gathered so far (repaired objects, dropped fragments, with a short reason). */
  readonly warnings: string[] = [];

  private depth = 0; // '{' nesting of the object in progress; 0 between objects
  private text = ''; // the object in progress, up to the end of the previous chunk
  private quote = ''; // closing delimiter of the string being read; '' outside strings
  private opener = '';
  private nested = 0;
  private escaped = false;
  private comment: '' | 'line' | 'block' = '';
  private slash = false; // a '/' that may start a comment
  private star = false; // a '*' that may end a block comment
  private tokenStart = true;
  // Comments start only after a gap or a delimiter, so the '//' in `url: http://x` stays text.
  private afterGap = true;
  private objects = 0;
  private emitted = 0;

  /** Feed the next chunk; returns every slide whose object became complete in it, in order. */
  push(chunk: string): AipptSlide[] {
    const slides: AipptSlide[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charAt(i);
      if (this.depth === 0) {
        // Between objects everything but '{' is chatter, fences, commas or an array wrapper.
        if (c === '{') {
          this.open();
          start = i;
        }
        continue;
      }
      if (!this.step(c)) continue;
      const text = this.text + chunk.slice(start, i + 1);
      this.text = '';
      slides.push(...this.finish(text, false));
    }
    if (this.depth > 0) this.text += chunk.slice(start);
    this.emitted += slides.length;
    return slides;
  }

  /** End of stream: repairs or drops the unfinished tail (never waits for more input); returns the last slides and warnings. */
  end(): { slides: AipptSlide[]; warnings: string[] } {
    const slides = this.depth > 0 ? this.finish(this.text, true) : [];
    this.depth = 0;
    this.text = '';
    this.emitted += slides.length;
    if (this.emitted === 0) this.warn('no slide objects found in the stream');
    return { slides, warnings: [...this.warnings] };
  }

  private open(): void {
    this.depth = 1;
    this.quote = '';
    this.escaped = false;
    this.comment = '';
    this.slash = false;
    this.tokenStart = true;
    this.afterGap = true;
  }

  /** Advances the lexer inside a top-level object; true when c is its closing brace. */
  private step(c: string): boolean {
    if (this.quote) {
      if (this.escaped) this.escaped = false;
      else if (c === '\\') this.escaped = true;
      else if (c === this.quote && this.nested > 0) this.nested--;
      else if (c === this.quote) {
        this.quote = '';
        this.tokenStart = this.afterGap = true;
      } else if (c === this.opener) this.nested++;
      return false;
    }
    if (this.comment === 'line') {
      if (c === '\n') this.comment = '';
      return false;
    }
    if (this.comment === 'block') {
      if (this.star && c === '/') this.comment = '';
      else this.star = c === '*';
      return false;
    }
    if (this.slash) {
      this.slash = false;
      if (c === '/' || c === '*') {
        this.comment = c === '/' ? 'line' : 'block';
        this.star = false;
        return false;
      }
      this.tokenStart = this.afterGap = false;
    }
    if (c === '/' && this.afterGap) {
      this.slash = true;
      return false;
    }
    if (isSpace(c)) {
      this.afterGap = true;
      return false;
    }
    const closer = CLOSING_QUOTE.get(c);
    if (closer && (c === '"' || this.tokenStart)) {
      this.quote = closer;
      this.opener = c;
      this.nested = 0;
      return false;
    }
    if (c === '{') this.depth++;
    else if (c === '}' && --this.depth === 0) return true;
    this.tokenStart = TOKEN_BOUNDARY.has(c);
    this.afterGap = this.tokenStart && c !== ':' && c !== '：';
    return false;
  }

  private finish(text: string, truncated: boolean): AipptSlide[] {
    const n = ++this.objects;
    const parsed = parseObject(text);
    if (!parsed) {
      this.warn(`object ${n}: dropped (${truncated ? 'cut off by the end of the stream, ' : ''}not JSON even after repair): ${preview(text)}`);
      return [];
    }
    const { value, cut } = parsed;
    // A wrapper {"slides": [...]} is unwrapped once its closing brace arrives, so its slides all come
    // at its end rather than one by one; models rarely wrap, and a partial wrapper is not yet JSON.
    const wrapped: unknown[] | undefined = isRecord(value) && Array.isArray(value.slides) ? value.slides : undefined;
    const candidates = wrapped ?? [value];
    const slides: AipptSlide[] = [];
    candidates.forEach((candidate, i) => {
      const slide = toSlide(candidate, cut);
      if (slide) slides.push(slide);
      else {
        const where = wrapped ? `object ${n} slide ${i + 1}` : `object ${n}`;
        const why = truncated && isRecord(candidate) && cut.has(candidate) ? `cut off by the end of the stream, ${dropReason(candidate)}` : dropReason(candidate);
        this.warn(`${where}: dropped (${why}): ${preview(JSON.stringify(candidate) ?? '')}`);
      }
    });
    if (slides.length && truncated) this.warn(`object ${n}: cut off by the end of the stream, closed and kept what was complete`);
    else if (slides.length && parsed.repaired) this.warn(`object ${n}: repaired malformed JSON`);
    return slides;
  }

  private warn(message: string): void {
    this.warnings.push(message);
  }
}

const NOTHING_CUT: ReadonlySet<object> = new Set();

function parseObject(text: string): { value: unknown; cut: ReadonlySet<object>; repaired: boolean } | undefined {
  try {
    return { value: JSON.parse(text), cut: NOTHING_CUT, repaired: false };
  } catch {
    // not strict JSON: the tolerant reader decides
  }
  const loose = readLoose(text);
  return loose && { ...loose, repaired: true };
}

/** The repair step: reads JSON with the usual model mistakes, closing whatever the text leaves open. */
export function repairJsonObject(text: string): unknown | undefined {
  return readLoose(text)?.value;
}

/** Coerces a near-miss into the AIPPT schema; undefined when it is not a slide. */
export function normaliseAipptSlide(value: unknown): AipptSlide | undefined {
  return toSlide(value, NOTHING_CUT);
}

function readLoose(text: string): { value: unknown; cut: ReadonlySet<object> } | undefined {
  const reader = new LooseJsonReader(text);
  try {
    return { value: reader.read(), cut: reader.cut };
  } catch (error) {
    if (error instanceof RepairFailed) return undefined;
    throw error;
  }
}

class RepairFailed extends Error {}

// A value the text ended inside. Scalars cut short are dropped with their key; cut containers are
// kept, closed, and recorded in `cut` so the normaliser can drop half-written items.
const CUT = Symbol('cut');
const BARE_KEY = /[^\s:：,，{}[\]"'“”‘’「」『』＂/]+/y;
const KEY_AHEAD = /[A-Za-z_$][\w$-]*\s*[:：]/y;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const LITERALS = new Map<string, boolean | null>([
  ['true', true],
  ['false', false],
  ['null', null],
  ['none', null],
]);
const ESCAPES = new Map([
  ['n', '\n'],
  ['t', '\t'],
  ['r', '\r'],
  ['b', '\b'],
  ['f', '\f'],
]);

// Recursive descent with recovery: trailing and missing commas, any quote pair as delimiters,
// unquoted keys and values, raw newlines in strings, comments, unescaped inner quotes, mismatched
// or missing closers. Fails (RepairFailed) where no reading makes sense, such as a key with no value.
class LooseJsonReader {
  readonly cut = new Set<object>();
  private pos = 0;

  constructor(private readonly s: string) {}

  read(): unknown {
    this.pos = this.s.search(/[{[]/);
    if (this.pos < 0) throw new RepairFailed();
    return this.value(0);
  }

  private value(depth: number): unknown {
    this.skipTrivia(false);
    const c = this.s[this.pos];
    if (c === undefined) return CUT;
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    const closer = CLOSING_QUOTE.get(c);
    return closer ? this.string(c, closer) : this.bare();
  }

  private object(depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) throw new RepairFailed();
    const record: Record<string, unknown> = {};
    this.pos++;
    for (;;) {
      this.skipTrivia(true);
      const c = this.s[this.pos];
      if (c === undefined) return this.cutOff(record);
      if (c === '}') {
        this.pos++;
        return record;
      }
      if (c === ']') {
        this.pos++;
        continue;
      }
      const key = this.key(c);
      if (key === CUT) return this.cutOff(record);
      this.skipTrivia(false);
      const separator = this.s[this.pos];
      if (separator === undefined) return this.cutOff(record);
      if (separator === ':' || separator === '：') this.pos++;
      else if (separator !== '{' && separator !== '[' && !CLOSING_QUOTE.has(separator)) throw new RepairFailed();
      const value = this.value(depth);
      if (value === CUT) return this.cutOff(record);
      if (key !== '__proto__') record[key] = value;
    }
  }

  private array(depth: number): unknown[] {
    if (depth > MAX_DEPTH) throw new RepairFailed();
    const list: unknown[] = [];
    this.pos++;
    for (;;) {
      this.skipTrivia(true);
      const c = this.s[this.pos];
      if (c === undefined) return this.cutOff(list);
      if (c === ']') {
        this.pos++;
        return list;
      }
      if (c === '}') return list; // unclosed array: the brace belongs to the enclosing object
      const value = this.value(depth);
      if (value === CUT) return this.cutOff(list);
      list.push(value);
    }
  }

  private key(c: string): string | typeof CUT {
    const closer = CLOSING_QUOTE.get(c);
    if (closer) return this.string(c, closer);
    BARE_KEY.lastIndex = this.pos;
    const match = BARE_KEY.exec(this.s);
    if (!match) throw new RepairFailed();
    this.pos += match[0].length;
    return this.pos >= this.s.length ? CUT : match[0];
  }

  private string(opener: string, closer: string): string | typeof CUT {
    const s = this.s;
    let out = '';
    let run = this.pos + 1;
    let nested = 0;
    for (let i = run; i < s.length; i++) {
      const c = s.charAt(i);
      if (c === '\\') {
        const next = s[i + 1];
        if (next === undefined) break;
        out += s.slice(run, i);
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
          i += 5;
        } else if (next === 'u' && i + 6 > s.length) break;
        else {
          out += ESCAPES.get(next) ?? next;
          i += 1;
        }
        run = i + 1;
      } else if (c === closer) {
        if (nested > 0) nested--;
        else if (opener !== closer || this.endsString(i + 1)) {
          this.pos = i + 1;
          return out + s.slice(run, i);
        }
      } else if (c === opener) nested++;
    }
    this.pos = s.length;
    return CUT;
  }

  // A symmetric quote ends its string only where a delimiter, a line end, another string or a key
  // follows; otherwise it is an unescaped quote in the text ("the "best" deck").
  private endsString(j: number): boolean {
    const s = this.s;
    while (s[j] === ' ' || s[j] === '\t') j++;
    const c = s[j];
    if (c === undefined || c === '\n' || c === '\r' || TOKEN_BOUNDARY.has(c) || CLOSING_QUOTE.has(c)) return true;
    if (c === '/' && (s[j + 1] === '/' || s[j + 1] === '*')) return true;
    KEY_AHEAD.lastIndex = j;
    return KEY_AHEAD.test(s);
  }

  private bare(): unknown {
    const s = this.s;
    const start = this.pos;
    let i = start;
    for (; i < s.length; i++) {
      const c = s.charAt(i);
      if (c === ',' || c === '}' || c === ']' || c === '\n' || c === '\r') break;
      if (c === '/' && (s[i + 1] === '/' || s[i + 1] === '*') && isSpace(s.charAt(i - 1))) break;
    }
    this.pos = i;
    if (i >= s.length) return CUT; // the word may have gone on in text that never came
    const word = s.slice(start, i).trim();
    if (!word) throw new RepairFailed();
    if (NUMBER.test(word)) return Number(word);
    const literal = word.toLowerCase();
    return LITERALS.has(literal) ? LITERALS.get(literal) : word;
  }

  private skipTrivia(commas: boolean): void {
    const s = this.s;
    for (;;) {
      const c = s[this.pos];
      if (c === undefined) return;
      if (isSpace(c) || (commas && (c === ',' || c === '，'))) this.pos++;
      else if (c === '/' && s[this.pos + 1] === '/') {
        const end = s.indexOf('\n', this.pos);
        this.pos = end < 0 ? s.length : end + 1;
      } else if (c === '/' && s[this.pos + 1] === '*') {
        const end = s.indexOf('*/', this.pos + 2);
        this.pos = end < 0 ? s.length : end + 2;
      } else return;
    }
  }

  private cutOff<T extends object>(container: T): T {
    this.cut.add(container);
    return container;
  }
}

function toSlide(value: unknown, cut: ReadonlySet<object>): AipptSlide | undefined {
  if (!isRecord(value)) return undefined;
  const type = typeof value.type === 'string' ? value.type.trim().toLowerCase() : '';
  // Fields beside `type` instead of under `data` are a near miss too.
  const data = isRecord(value.data) ? value.data : value;
  // A slide the stream cut off is kept only with something complete in it.
  const truncated = cut.has(value) || cut.has(data);
  let slide: unknown;
  switch (type) {
    case 'cover':
    case 'transition': {
      const title = asText(data.title);
      if (title !== undefined) slide = { type, data: { title, text: asText(data.text) ?? '' } };
      break;
    }
    case 'contents': {
      const items = completeEntries(data.items, cut).map(contentsEntry).filter((item) => item !== undefined);
      if (Array.isArray(data.items) && !(truncated && items.length === 0)) slide = { type, data: { items } };
      break;
    }
    case 'content': {
      const title = asText(data.title);
      const items = completeEntries(data.items, cut).map(contentItem).filter((item) => item !== undefined);
      if (title !== undefined && Array.isArray(data.items) && !(truncated && items.length === 0)) slide = { type, data: { title, items } };
      break;
    }
    case 'end':
      slide = { type, data: {} };
      break;
  }
  const parsed = AipptSlideSchema.safeParse(slide);
  return parsed.success ? parsed.data : undefined;
}

function completeEntries(list: unknown, cut: ReadonlySet<object>): unknown[] {
  return Array.isArray(list) ? list.filter((entry) => !(typeof entry === 'object' && entry !== null && cut.has(entry))) : [];
}

function contentsEntry(entry: unknown): string | undefined {
  return isRecord(entry) ? (asText(entry.title) ?? asText(entry.text)) : asText(entry);
}

function contentItem(entry: unknown): AipptItem | undefined {
  if (typeof entry === 'string') {
    const line = entry.trim();
    if (!line) return undefined;
    const match = ITEM_TITLE.exec(line);
    const title = match?.[1]?.trim();
    return title ? { title, text: match?.[2]?.trim() ?? '' } : { title: line, text: '' };
  }
  if (!isRecord(entry)) return undefined;
  const title = asText(entry.title);
  if (title === undefined) return undefined;
  const content = Array.isArray(entry.content) ? entry.content.map(asText).filter((line) => line !== undefined).join('\n') : asText(entry.content);
  return { title, text: asText(entry.text) ?? content ?? '' };
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function dropReason(value: unknown): string {
  if (!isRecord(value) || typeof value.type !== 'string') return 'not a slide';
  const type = value.type.trim().toLowerCase();
  return SLIDE_TYPES.has(type) ? `incomplete ${type} slide` : `unrecognised slide type ${JSON.stringify(value.type)}`;
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}
