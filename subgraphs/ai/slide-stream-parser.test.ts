import { AipptSlideSchema, type AipptSlide } from '../../lib/pptist/aippt.js';
import { pptistFixture } from '../../test/pptist-fixtures.js';
import { seededRandom } from '../../test/seeded-random.js';
import { AipptStreamParser, normaliseAipptSlide, repairJsonObject } from './slide-stream-parser.js';

// PPTist's example deck: 26 slides, its end slide written without `data` (a near miss normalised to {}).
const fixture = pptistFixture<Record<string, unknown>[]>('AIPPT.json');
const expected: AipptSlide[] = fixture.map((slide) => AipptSlideSchema.parse(slide.type === 'end' ? { type: 'end', data: {} } : slide));

/** A model's output and where each slide's closing brace sits in it. */
class Transcript {
  text = '';
  readonly closes: number[] = [];
  say(text: string): this {
    this.text += text;
    return this;
  }
  slide(text: string): this {
    expect(text.trimEnd().endsWith('}')).toBe(true);
    this.text += text.trimEnd();
    this.closes.push(this.text.length - 1);
    return this;
  }
}

function transcript(write: (t: Transcript, slide: Record<string, unknown>, i: number) => void, before = '', after = ''): Transcript {
  const t = new Transcript().say(before);
  fixture.forEach((slide, i) => write(t, slide, i));
  return t.say(after);
}

const compact = (value: unknown): string => JSON.stringify(value);
const pretty = (value: unknown, indent = ''): string => JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);

interface LooseStyle {
  key: (key: string) => string;
  string: (text: string) => string;
  colon?: string;
  separator?: string;
  trailingComma?: boolean;
  comment?: string;
}

/** Writes a value the way a careless model would; the content must survive the round trip. */
function loose(value: unknown, style: LooseStyle): string {
  const separator = style.separator ?? ', ';
  const trailing = style.trailingComma ? ',' : '';
  if (typeof value === 'string') return style.string(value);
  if (Array.isArray(value)) return `[${value.map((entry) => loose(entry, style)).join(separator)}${trailing}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).map(([key, entry]) => `${style.comment ?? ''}${style.key(key)}${style.colon ?? ': '}${loose(entry, style)}`);
    return `{${members.join(separator)}${members.length ? trailing : ''}}`;
  }
  return JSON.stringify(value);
}

const SINGLE_QUOTES: LooseStyle = { key: (key) => key, string: (text) => `'${text}'` };
const TRAILING_AND_COMMENTS: LooseStyle = {
  key: (key) => JSON.stringify(key),
  string: (text) => JSON.stringify(text),
  trailingComma: true,
  comment: '\n  // a note with "quotes", {braces} and [brackets]\n  ',
};
const CURLY_QUOTES: LooseStyle = { key: (key) => `“${key}”`, string: (text) => `“${text}”` };
const CORNER_QUOTES: LooseStyle = { key: (key) => `「${key}」`, string: (text) => `「${text}」`, colon: '：', separator: '，' };
const NO_COMMAS: LooseStyle = { key: (key) => key, string: (text) => JSON.stringify(text), separator: '\n' };
const BROKEN_STYLES = [SINGLE_QUOTES, TRAILING_AND_COMMENTS, CURLY_QUOTES, CORNER_QUOTES, NO_COMMAS];

const WELL_FORMED: [string, () => Transcript][] = [
  ['a compact JSON array', () => transcript((t, s, i) => t.say(i ? ',' : '').slide(compact(s)), '[', ']')],
  ['a pretty-printed JSON array', () => transcript((t, s, i) => t.say(i ? ',\n  ' : '\n  ').slide(pretty(s, '  ')), '[', '\n]\n')],
  ['JSON Lines', () => transcript((t, s) => t.slide(compact(s)).say('\n'))],
  ['objects separated by commas and newlines', () => transcript((t, s, i) => t.say(i ? ',\n' : '').slide(compact(s)))],
  ['objects with nothing between them', () => transcript((t, s) => t.slide(compact(s)))],
  ['pretty objects separated by blank lines', () => transcript((t, s) => t.slide(pretty(s)).say('\n\n'))],
  [
    'one ```json fence with chatter around it',
    () => transcript((t, s, i) => t.say(i ? ',\n' : '').slide(pretty(s)), "Here are your slides:\n\n```json\n[\n", "\n]\n```\n\nLet me know if you'd like changes!"),
  ],
  [
    'several fences with chatter between them',
    () =>
      transcript(
        (t, s, i) => {
          if (i % 5 === 0) t.say(`${i ? '\n```\n\n' : ''}Part ${i / 5 + 1} [of the deck] (it's "draft"):\n\n\`\`\`json\n`);
          t.slide(compact(s)).say('\n');
        },
        'Sure! ',
        '```\nThat is all.',
      ),
  ],
];

const BROKEN: [string, () => Transcript][] = [
  ['single-quoted strings and unquoted keys', () => transcript((t, s, i) => t.say(i ? ',\n' : '').slide(loose(s, SINGLE_QUOTES)), '[', ']')],
  ['trailing commas and // comments', () => transcript((t, s) => t.slide(loose(s, TRAILING_AND_COMMENTS)).say(',\n// next slide\n'), '[\n', ']')],
  ['curly quotes as delimiters', () => transcript((t, s) => t.slide(loose(s, CURLY_QUOTES)).say('\n'))],
  ['Chinese corner quotes and full-width punctuation', () => transcript((t, s) => t.slide(loose(s, CORNER_QUOTES)).say('\n'))],
  ['missing commas between members and between objects', () => transcript((t, s) => t.slide(loose(s, NO_COMMAS)).say('\n'), '```json\n[\n', '\n]\n```')],
  ['a different mistake in every slide', () => transcript((t, s, i) => t.slide(loose(s, BROKEN_STYLES[i % BROKEN_STYLES.length]!)).say(' '), 'Slides:\n')],
];


function randomChunks(text: string, seed: number): string[] {
  const random = seededRandom(seed);
  const chunks: string[] = [];
  for (let at = 0; at < text.length; ) {
    const size = 1 + Math.floor(random() * 50);
    chunks.push(text.slice(at, at + size));
    at += size;
  }
  return chunks;
}

const splits: [string, (text: string) => string[]][] = [
  ['random chunks of 1..50 characters (seed 1)', (text) => randomChunks(text, 1)],
  ['random chunks of 1..50 characters (seed 42)', (text) => randomChunks(text, 42)],
  ['random chunks of 1..50 characters (seed 2024)', (text) => randomChunks(text, 2024)],
  ['one character at a time', (text) => [...text]],
  ['one piece', (text) => [text]],
];

/** Feeds the chunks and checks every slide comes out of the push that carries its closing brace. */
function replay(t: Transcript, chunks: string[]): { slides: AipptSlide[]; warnings: string[] } {
  expect(chunks.join('')).toBe(t.text);
  const parser = new AipptStreamParser();
  const slides: AipptSlide[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    const due = t.closes.filter((close) => close >= offset && close < offset + chunk.length).length;
    const emitted = parser.push(chunk);
    expect(emitted).toEqual(expected.slice(slides.length, slides.length + due));
    slides.push(...emitted);
    offset += chunk.length;
  }
  const tail = parser.end();
  expect(tail.slides).toEqual([]);
  return { slides, warnings: tail.warnings };
}

describe('AipptStreamParser on the 26-slide example deck', () => {
  describe.each(WELL_FORMED)('written as %s', (_name, write) => {
    it.each(splits)('emits every slide as its closing brace arrives, split into %s', (_split, split) => {
      const t = write();
      const { slides, warnings } = replay(t, split(t.text));
      expect(slides).toEqual(expected);
      expect(warnings).toEqual([]);
    });
  });

  describe.each(BROKEN)('written with %s', (_name, write) => {
    it.each(splits)('repairs every slide and emits it on time, split into %s', (_split, split) => {
      const t = write();
      expect(() => JSON.parse(t.text)).toThrow();
      const { slides, warnings } = replay(t, split(t.text));
      expect(slides).toEqual(expected);
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings.every((warning) => /^object \d+: repaired malformed JSON$/.test(warning))).toBe(true);
    });
  });

  it('unwraps {"slides": [...]}, emitting the slides when the wrapper closes', () => {
    const t = new Transcript().say('```json\n').slide(JSON.stringify({ slides: fixture }, null, 2)).say('\n```');
    const parser = new AipptStreamParser();
    const chunks = randomChunks(t.text, 7);
    const closing = chunks.length - 1 - [...chunks].reverse().findIndex((chunk) => chunk.includes('}'));
    chunks.forEach((chunk, i) => expect(parser.push(chunk)).toEqual(i === closing ? expected : []));
    expect(parser.end()).toEqual({ slides: [], warnings: [] });
  });

  it('drops objects that are not slides with a warning and keeps the slides around them', () => {
    const text = [
      '{"event": "progress", "done": 1}',
      compact(fixture[0]),
      '{"type": "chart", "data": {"series": [1, 2]}}',
      '{"type": "cover"}',
      compact(fixture[1]),
    ].join('\n');
    const parser = new AipptStreamParser();
    const slides = randomChunks(text, 3).flatMap((chunk) => parser.push(chunk));
    const tail = parser.end();
    expect([...slides, ...tail.slides]).toEqual(expected.slice(0, 2));
    expect(tail.warnings).toEqual([
      expect.stringMatching(/^object 1: dropped \(not a slide\): \{"event":"progress"/),
      expect.stringMatching(/^object 3: dropped \(unrecognised slide type "chart"\)/),
      expect.stringMatching(/^object 4: dropped \(incomplete cover slide\)/),
    ]);
  });
});

describe('broken JSON a model writes', () => {
  const cover: AipptSlide = { type: 'cover', data: { title: 'Solar power', text: 'An overview' } };
  const cases: [string, string, AipptSlide][] = [
    ['trailing commas', '{"type": "cover", "data": {"title": "Solar power", "text": "An overview",},}', cover],
    ['single-quoted strings', "{'type': 'cover', 'data': {'title': 'Solar power', 'text': 'An overview'}}", cover],
    ['unquoted keys', '{type: "cover", data: {title: "Solar power", text: "An overview"}}', cover],
    ['curly quotes as delimiters', '{“type”: “cover”, “data”: {“title”: “Solar power”, “text”: “An overview”}}', cover],
    ['Chinese quotes and full-width colons and commas', '{「type」：「cover」，「data」：{「title」：「Solar power」，「text」：「An overview」}}', cover],
    [
      'curly quotes inside a curly-quoted string',
      '{“type”: “cover”, “data”: {“title”: “The “best” deck”, “text”: “”}}',
      { type: 'cover', data: { title: 'The “best” deck', text: '' } },
    ],
    [
      'unescaped double quotes inside a string',
      '{"type": "cover", "data": {"title": "The "best" deck", "text": "He said "hi" and left"}}',
      { type: 'cover', data: { title: 'The "best" deck', text: 'He said "hi" and left' } },
    ],
    [
      'an apostrophe inside a single-quoted string',
      "{'type': 'cover', 'data': {'title': 'Don't panic', 'text': 'It's fine'}}",
      { type: 'cover', data: { title: "Don't panic", text: "It's fine" } },
    ],
    [
      'literal newlines inside strings',
      '{"type": "cover", "data": {"title": "Solar\npower", "text": "line 1\n\tline 2"}}',
      { type: 'cover', data: { title: 'Solar\npower', text: 'line 1\n\tline 2' } },
    ],
    [
      '// and /* */ comments',
      '{ // the cover\n"type": "cover", /* "data": {"title": "x"} */ "data": {"title": "Solar power", // } ] "\n"text": "An overview"}}',
      cover,
    ],
    ['missing commas between members', '{"type": "cover"\n"data": {"title": "Solar power" "text": "An overview"}}', cover],
    ['a missing colon', '{"type" "cover", "data" {"title": "Solar power", "text": "An overview"}}', cover],
    ['an unclosed array', '{"type": "contents", "data": {"items": ["Background", "Outlook"}}', { type: 'contents', data: { items: ['Background', 'Outlook'] } }],
    ['a stray closing bracket', '{"type": "cover", "data": {"title": "Solar power", "text": "An overview"}]}', cover],
    ['Python literals and unquoted values', "{type: cover, data: {title: Solar power, text: 'An overview'}, draft: False, note: None}", cover],
    ['escapes JSON does not know', String.raw`{"type": "cover", "data": {"title": "Solar\'s \u0070ower", "text": "An \overview"}}`, { type: 'cover', data: { title: "Solar's power", text: 'An overview' } }],
  ];

  it.each(cases)('repairs %s', (_name, text, slide) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(normaliseAipptSlide(repairJsonObject(text))).toEqual(slide);
  });

  it.each(cases)('repairs %s in a stream, with a warning', (_name, text, slide) => {
    const parser = new AipptStreamParser();
    const slides = [...text].flatMap((c) => parser.push(c));
    expect(slides).toEqual([slide]);
    expect(parser.end()).toEqual({ slides: [], warnings: ['object 1: repaired malformed JSON'] });
  });

  it('closes what the text leaves open', () => {
    expect(repairJsonObject('{"type": "end", "data": {}')).toEqual({ type: 'end', data: {} });
    expect(repairJsonObject('{"a": [1, {"b": "c"')).toEqual({ a: [1, { b: 'c' }] });
    expect(repairJsonObject('{"a": "unfinished')).toEqual({});
    expect(repairJsonObject('{"a": 1, "b')).toEqual({ a: 1 });
  });

  it.each([
    ['prose', 'Sorry, I cannot help with that.'],
    ['braces around prose', '{this is not json}'],
    ['a key with no value', '{"type": "cover", "data"}'],
    ['a colon with no key', '{: "cover"}'],
    ['nesting deeper than any slide', `{"a": ${'['.repeat(200)}`],
  ])('gives up on %s', (_name, text) => {
    expect(repairJsonObject(text)).toBeUndefined();
  });
});

describe('normaliseAipptSlide', () => {
  it.each<[string, unknown, AipptSlide]>([
    ['a type in another case', { type: 'Cover', data: { title: 'T', text: 'x' } }, { type: 'cover', data: { title: 'T', text: 'x' } }],
    [
      'content items as strings, split on an ASCII or full-width colon',
      { type: 'CONTENT', data: { title: 'T', items: ['Alpha: first point', 'Beta：第二点', 'Gamma', 'A long sentence that happens to contain a colon far in: here'] } },
      {
        type: 'content',
        data: {
          title: 'T',
          items: [
            { title: 'Alpha', text: 'first point' },
            { title: 'Beta', text: '第二点' },
            { title: 'Gamma', text: '' },
            { title: 'A long sentence that happens to contain a colon far in: here', text: '' },
          ],
        },
      },
    ],
    [
      'content items as {title, content}',
      { type: 'content', data: { title: 'T', items: [{ title: 'A', content: 'a' }, { title: 'B', content: ['b1', 'b2'] }, { title: 'C' }, { text: 'no title' }] } },
      { type: 'content', data: { title: 'T', items: [{ title: 'A', text: 'a' }, { title: 'B', text: 'b1\nb2' }, { title: 'C', text: '' }] } },
    ],
    ['an end slide without data', { type: 'end' }, { type: 'end', data: {} }],
    ['an end slide with stray data', { type: 'end', data: { title: 'Thanks' } }, { type: 'end', data: {} }],
    ['contents items as objects with a title', { type: 'contents', data: { items: [{ title: 'One' }, 'Two', { text: 'Three' }, 4] } }, { type: 'contents', data: { items: ['One', 'Two', 'Three', '4'] } }],
    ['fields beside type instead of under data', { type: 'transition', title: 'Chapter', text: 'About it' }, { type: 'transition', data: { title: 'Chapter', text: 'About it' } }],
    ['a cover without text', { type: 'cover', data: { title: 'T' } }, { type: 'cover', data: { title: 'T', text: '' } }],
  ])('coerces %s', (_name, value, slide) => {
    const normalised = normaliseAipptSlide(value);
    expect(normalised).toEqual(slide);
    expect(AipptSlideSchema.parse(normalised)).toEqual(slide);
  });

  it.each<[string, unknown]>([
    ['an unknown type', { type: 'chart', data: {} }],
    ['no type', { data: { title: 'T', text: 'x' } }],
    ['an event', { event: 'done' }],
    ['a cover without a title', { type: 'cover', data: { text: 'x' } }],
    ['a content slide without items', { type: 'content', data: { title: 'T' } }],
    ['a string', 'cover'],
    ['an array', [{ type: 'end' }]],
  ])('rejects %s', (_name, value) => {
    expect(normaliseAipptSlide(value)).toBeUndefined();
  });
});

describe('the end of the stream', () => {
  const jsonl = (slides: unknown[]): string => slides.map((slide) => `${compact(slide)}\n`).join('');
  const run = (text: string, seed = 11): { slides: AipptSlide[]; tail: { slides: AipptSlide[]; warnings: string[] } } => {
    const parser = new AipptStreamParser();
    const slides = randomChunks(text, seed).flatMap((chunk) => parser.push(chunk));
    return { slides, tail: parser.end() };
  };

  it('keeps the complete items of a content slide cut in the middle of a string', () => {
    const last = expected[24]!;
    expect(last.type).toBe('content');
    const lastText = compact(last);
    const text = jsonl(fixture.slice(0, 24)) + lastText.slice(0, lastText.lastIndexOf('"text"') + 20);
    const { slides, tail } = run(text);
    expect(slides).toEqual(expected.slice(0, 24));
    const items = last.type === 'content' ? last.data.items : [];
    expect(tail.slides).toEqual([{ ...last, data: { ...last.data, items: items.slice(0, -1) } }]);
    expect(tail.warnings).toEqual(['object 25: cut off by the end of the stream, closed and kept what was complete']);
  });

  it('drops the last slide when what arrived of it is no slide', () => {
    const text = jsonl(fixture.slice(0, 25)) + '{"type": "en';
    const { slides, tail } = run(text);
    expect(slides).toEqual(expected.slice(0, 25));
    expect(tail.slides).toEqual([]);
    expect(tail.warnings).toEqual([expect.stringMatching(/^object 26: dropped \(cut off by the end of the stream, not a slide\)/)]);
  });

  it('drops a content slide cut before its first item is complete', () => {
    const { tail } = run('{"type": "content", "data": {"title": "T", "items": [{"title": "A", "text": "hal');
    expect(tail.slides).toEqual([]);
    expect(tail.warnings).toEqual([expect.stringMatching(/^object 1: dropped \(cut off by the end of the stream, incomplete content slide\)/), 'no slide objects found in the stream']);
  });

  it('adds the closing brace the model forgot at the very end', () => {
    const text = `[${fixture.map(compact).join(',')}`.replace(/}$/, '');
    const { slides, tail } = run(text);
    expect([...slides, ...tail.slides]).toEqual(expected);
    expect(tail.slides).toEqual([expected[25]]);
    expect(tail.warnings).toEqual(['object 26: cut off by the end of the stream, closed and kept what was complete']);
  });

  it('keeps the complete slides and items of a wrapper cut short', () => {
    const whole = JSON.stringify({ slides: fixture.slice(0, 5) });
    const { slides, tail } = run(whole.slice(0, whole.lastIndexOf('"text"') + 12));
    const cutShort = expected[4]!;
    expect(cutShort.type).toBe('content');
    const items = cutShort.type === 'content' ? cutShort.data.items : [];
    expect(slides).toEqual([]);
    expect(tail.slides).toEqual([...expected.slice(0, 4), { ...cutShort, data: { ...cutShort.data, items: items.slice(0, -1) } }]);
    expect(tail.warnings).toEqual(['object 1: cut off by the end of the stream, closed and kept what was complete']);
  });

  it('drops the slide of a wrapper cut before it has anything complete', () => {
    const whole = JSON.stringify({ slides: fixture.slice(0, 4) });
    const { tail } = run(whole.slice(0, whole.indexOf('"text"', whole.indexOf('定义与历史')) + 12));
    expect(tail.slides).toEqual(expected.slice(0, 3));
    expect(tail.warnings).toEqual([
      expect.stringMatching(/^object 1 slide 4: dropped \(cut off by the end of the stream, incomplete content slide\)/),
      'object 1: cut off by the end of the stream, closed and kept what was complete',
    ]);
  });

  it('returns at every cut of the last slide, keeping only schema-valid slides with complete items', () => {
    const last = compact(fixture[24]);
    const original = expected[24]!;
    for (let cut = 1; cut < last.length; cut++) {
      const parser = new AipptStreamParser();
      expect(parser.push(last.slice(0, cut))).toEqual([]);
      const tail = parser.end();
      expect(tail.slides.length).toBeLessThanOrEqual(1);
      expect(tail.warnings.length).toBeGreaterThan(0);
      for (const slide of tail.slides) {
        expect(AipptSlideSchema.parse(slide)).toEqual(slide);
        if (slide.type !== 'content' || original.type !== 'content') throw new Error(`cut at ${cut} made a ${slide.type} slide`);
        expect(slide.data.title).toBe(original.data.title);
        expect(slide.data.items.length).toBeGreaterThan(0);
        expect(original.data.items.slice(0, slide.data.items.length)).toEqual(slide.data.items);
      }
    }
  });

  it.each([
    ['prose', 'Sorry, I cannot help with that request.'],
    ['a code fence with prose', '```\nno slides today\n```'],
    ['an empty stream', ''],
  ])('reports a warning and no slides for %s', (_name, text) => {
    const { slides, tail } = run(text);
    expect(slides).toEqual([]);
    expect(tail).toEqual({ slides: [], warnings: ['no slide objects found in the stream'] });
  });

  it('reports a warning for braces that hold no JSON', () => {
    const { slides, tail } = run('Use {curly braces} for objects, like {this one');
    expect(slides).toEqual([]);
    expect(tail.slides).toEqual([]);
    expect(tail.warnings).toEqual([
      'object 1: dropped (not JSON even after repair): {curly braces}',
      'object 2: dropped (cut off by the end of the stream, not JSON even after repair): {this one',
      'no slide objects found in the stream',
    ]);
  });
});
