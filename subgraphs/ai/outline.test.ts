import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pptistFixturesDir } from '../../test/pptist-fixtures.js';
import { type Outline, OutlineTextCleaner, parseOutline, renderOutline } from './outline.js';

const fixture = readFileSync(resolve(pptistFixturesDir(), 'AIPPT_Outline.md'), 'utf8');
const GRAMMAR = /^(#{1,3} |- )\S/;

/** Everything a cleaner gives back for `text` pushed in pieces of `size` characters. */
function cleanInPieces(text: string, size: number): string {
  const cleaner = new OutlineTextCleaner();
  let out = '';
  for (let i = 0; i < text.length; i += size) out += cleaner.push(text.slice(i, i + size));
  return out + cleaner.end();
}

// What a chat model typically sends back: chatter, a fence, a comment, numbered, starred and indented lists.
const MESSY = [
  'Sure! Here is the outline you asked for:',
  '',
  '```markdown',
  '<!-- generated outline -->',
  '# Solar power',
  '## **Basics**',
  '### How panels work',
  '1. Photovoltaic cells',
  '2) Inverters',
  '### Costs',
  '   * Falling prices',
  '  + Net metering',
  '<!-- a comment',
  'that spans lines -->',
  '## Outlook ##',
  '### Trends',
  '- Storage',
  '    - Recycling',
  '```',
  'Let me know if you want changes.',
].join('\n');

const MESSY_PARSED: Outline = {
  title: 'Solar power',
  chapters: [
    {
      title: 'Basics',
      pages: [
        { title: 'How panels work', points: ['Photovoltaic cells', 'Inverters'] },
        { title: 'Costs', points: ['Falling prices', 'Net metering'] },
      ],
    },
    { title: 'Outlook', pages: [{ title: 'Trends', points: ['Storage', 'Recycling'] }] },
  ],
};

describe('parseOutline', () => {
  it("reads PPTist's example outline: title, 6 chapters, 18 pages, 39 points", () => {
    const outline = parseOutline(fixture);
    expect(outline.title).toBe('5G技术如何改变我们的生活');
    expect(outline.chapters.map((c) => c.title)).toEqual([
      '5G技术概述',
      '5G对通信领域的变革',
      '5G与智能家居的融合',
      '5G推动智能交通发展',
      '5G在医疗领域的应用',
      '5G助力工业互联网升级',
    ]);
    expect(outline.chapters.map((c) => c.pages.length)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(outline.chapters.flatMap((c) => c.pages).reduce((n, p) => n + p.points.length, 0)).toBe(39);
    expect(outline.chapters[0]!.pages[1]).toEqual({ title: '5G的关键特性', points: ['高速率', '低时延', '大容量'] });
  });

  it('is tolerant of fences, comments, chatter and other list markers', () => {
    expect(parseOutline(MESSY)).toEqual(MESSY_PARSED);
  });

  it('takes the first heading as the title when `#` is missing, and puts loose pages into an implicit chapter', () => {
    expect(parseOutline('### Intro\n- a\n## Part two\n### Details\n- b\n')).toEqual({
      title: 'Intro',
      chapters: [
        { title: 'Intro', pages: [{ title: 'Intro', points: ['a'] }] },
        { title: 'Part two', pages: [{ title: 'Details', points: ['b'] }] },
      ],
    });
    expect(parseOutline('# Deck\n### Loose page\n- point\n').chapters).toEqual([{ title: 'Deck', pages: [{ title: 'Loose page', points: ['point'] }] }]);
    expect(parseOutline('no headings at all\n- nor a deck\n')).toEqual({ title: '', chapters: [] });
  });

  it('gives points written straight under a chapter a page named after it', () => {
    expect(parseOutline('# D\n## Chapter\n- a\n- b\n').chapters).toEqual([{ title: 'Chapter', pages: [{ title: 'Chapter', points: ['a', 'b'] }] }]);
  });
});

describe('renderOutline', () => {
  it('writes the column-0 grammar, one item a line, ending with a newline', () => {
    const markdown = renderOutline(parseOutline(fixture));
    expect(markdown.endsWith('\n')).toBe(true);
    const lines = markdown.trimEnd().split('\n');
    expect(lines.every((line) => GRAMMAR.test(line))).toBe(true);
    // The fixture is already in the grammar: rendering only drops its blank lines and trailing spaces.
    const written = fixture.split('\n').map((line) => line.trimEnd()).filter(Boolean);
    expect(markdown).toBe(`${written.join('\n')}\n`);
  });

  it('round-trips: parse, render, parse gives the same outline', () => {
    for (const text of [fixture, MESSY, '### Intro\n- a\n## Part two\n### Details\n- b\n']) {
      const once = parseOutline(text);
      expect(parseOutline(renderOutline(once))).toEqual(once);
      expect(renderOutline(parseOutline(renderOutline(once)))).toBe(renderOutline(once));
    }
  });

  it('keeps every item on one line', () => {
    const markdown = renderOutline({ title: ' A\ndeck ', chapters: [{ title: 'Chap\n ter', pages: [{ title: '## Page', points: ['one\ntwo', ' '] }] }] });
    expect(markdown).toBe('# A deck\n## Chap ter\n### Page\n- one two\n');
  });
});

describe('OutlineTextCleaner', () => {
  it.each([1, 3, 7, 1000])('cleans a streamed outline pushed %i characters at a time', (size) => {
    expect(cleanInPieces(MESSY, size)).toBe(renderOutline(MESSY_PARSED));
  });

  it('holds back only the line being written', () => {
    const cleaner = new OutlineTextCleaner();
    expect(cleaner.push('# Deck\n## Chap')).toBe('# Deck\n');
    expect(cleaner.push('ter\n  1. first\n- sec')).toBe('## Chapter\n- first\n');
    expect(cleaner.end()).toBe('- sec\n');
    expect(cleaner.end()).toBe('');
  });

  it('gives text that parses to what the raw text parses to', () => {
    for (const text of [fixture, MESSY]) expect(parseOutline(cleanInPieces(text, 5))).toEqual(parseOutline(text));
  });
});
