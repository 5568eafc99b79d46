import { readFileSync } from 'node:fs';
import type { AipptItem, AipptSlide } from './aippt.js';
import { parseSlide, type PptistDocument, type PptistElement, type PptistSlide } from './document.js';
import { splitLongList, TemplateFiller, textLayoutOf, type PoolImage } from './template-filler.js';
import { measureText, plainText, TEXT_PADDING } from './text-fit.js';

// PPTist's own mock files (AGPL, kept outside the repo): read in place, never copied.
import { pptistFixture } from '../../test/pptist-fixtures.js';

const productTemplate = (name: string): PptistDocument =>
  JSON.parse(readFileSync(new URL(`../../prisma/templates/${name}`, import.meta.url), 'utf8')) as PptistDocument;

const templates: Record<string, () => PptistDocument> = {
  'template_1.json': () => pptistFixture('template_1.json'),
  'template_2.json': () => pptistFixture('template_2.json'),
  'aurora.json': () => productTemplate('aurora.json'),
  'paper.json': () => productTemplate('paper.json'),
};
const aippt = (): AipptSlide[] => pptistFixture('AIPPT.json');
const imagePool = (): PoolImage[] => pptistFixture('imgs.json');

const FILLED_MARKERS = new Set(['title', 'content', 'item', 'itemTitle', 'itemNumber', 'partNumber']);

function markerOf(element: PptistElement): string | undefined {
  if (element.type === 'text') return element.textType;
  if (element.type === 'shape') return element.text?.type;
  if (element.type === 'image') return element.imageType;
  return undefined;
}

function textOf(element: PptistElement): string | undefined {
  if (element.type === 'text') return plainText(element.content);
  if (element.type === 'shape' && element.text) return plainText(element.text.content);
  return undefined;
}

const marked = (slide: PptistSlide, marker: string) => slide.elements.filter((element) => markerOf(element) === marker);
const textsMarked = (slide: PptistSlide, marker: string) => marked(slide, marker).map((element) => textOf(element));

/** The item numbers a slide shows, in ascending order. */
function itemNumbers(slide: PptistSlide): string[] {
  return textsMarked(slide, 'itemNumber').map(String).sort();
}

/** Every paragraph of every text on the slides, as a reader would see it. */
function paragraphsOf(slides: PptistSlide[]): Set<string> {
  return new Set(slides.flatMap((slide) => slide.elements.flatMap((element) => textOf(element)?.split('\n') ?? [])));
}

function wordsOf(slide: AipptSlide): string[] {
  switch (slide.type) {
    case 'cover':
    case 'transition':
      return [slide.data.title, slide.data.text];
    case 'contents':
      return slide.data.items;
    case 'content':
      return [slide.data.title, ...slide.data.items.flatMap((item) => [item.title, item.text])];
    case 'end':
      return [];
  }
}

function fillAll(template: PptistDocument, slides: AipptSlide[], pool?: PoolImage[]) {
  const filler = new TemplateFiller(template, { imagePool: pool });
  return { filler, slides: slides.flatMap((slide) => filler.fill(slide)) };
}

const items = (count: number, words = 'explains the point in a sentence or two'): AipptItem[] =>
  Array.from({ length: count }, (_, i) => ({ title: `Point ${i + 1}`, text: `Point ${i + 1} ${words}.` }));
const contentSlide = (title: string, list: AipptItem[]): AipptSlide => ({ type: 'content', data: { title, items: list } });
const contentsSlide = (count: number): AipptSlide => ({
  type: 'contents',
  data: { items: Array.from({ length: count }, (_, i) => `Section ${i + 1}`) },
});

/** An English deck with long words and long lists, to exercise Latin wrapping and splitting. */
const englishDeck = (): AipptSlide[] => [
  {
    type: 'cover',
    data: { title: 'How fifth-generation networks change everyday life', text: 'Speed, latency & the services they make possible — from remote surgery to traffic lights.' },
  },
  contentsSlide(12),
  { type: 'transition', data: { title: 'Speed and latency', text: 'What changes when a network answers within a millisecond.' } },
  contentSlide('Seven things', items(7, 'has a supporting sentence with enough words to wrap over several lines of a narrow card')),
  contentSlide('One idea', [{ title: 'A single point', text: 'A lone point gets a slide of its own, with a body box that holds a short paragraph. '.repeat(2).trim() }]),
  { type: 'transition', data: { title: 'Services', text: 'Applications.' } },
  contentSlide('Fifteen things', items(15)),
  { type: 'end', data: {} },
];

describe('splitLongList', () => {
  const sizes = (slide: AipptSlide) =>
    splitLongList(slide).map(({ slide: part, offset }) => [part.type === 'content' || part.type === 'contents' ? part.data.items.length : 0, offset]);

  it.each<[number, number[][]]>([
    [4, [[4, 0]]],
    [5, [[3, 0], [2, 3]]],
    [6, [[3, 0], [3, 3]]],
    [7, [[4, 0], [3, 4]]],
    [8, [[4, 0], [4, 4]]],
    [9, [[3, 0], [3, 3], [3, 6]]],
    [10, [[3, 0], [3, 3], [4, 6]]],
    [11, [[4, 0], [4, 4], [3, 8]]],
    [14, [[4, 0], [4, 4], [6, 8]]],
  ])('a content slide with %i items becomes parts of [items, offset] %j', (count, expected) => {
    expect(sizes(contentSlide('List', items(count)))).toEqual(expected);
  });

  it.each<[number, number[][]]>([
    [10, [[10, 0]]],
    [11, [[6, 0], [5, 6]]],
    [12, [[10, 0], [2, 10]]],
    [25, [[10, 0], [15, 10]]],
  ])('a contents slide with %i entries becomes parts of [entries, offset] %j', (count, expected) => {
    expect(sizes(contentsSlide(count))).toEqual(expected);
  });

  it('leaves other slides whole and keeps the content title on every part', () => {
    const cover: AipptSlide = { type: 'cover', data: { title: 'T', text: 'x' } };
    expect(splitLongList(cover)).toEqual([{ slide: cover, offset: 0 }]);
    expect(splitLongList(contentSlide('Same title', items(9))).map(({ slide }) => slide.type === 'content' && slide.data.title)).toEqual([
      'Same title',
      'Same title',
      'Same title',
    ]);
  });
});

describe.each(Object.keys(templates))('filling %s', (name) => {
  const template = templates[name]!();
  const templateIds = new Set(template.slides.flatMap((slide) => [slide.id, ...slide.elements.map((element) => element.id)]));
  const decks = { 'AIPPT.json': aippt(), 'an English deck': englishDeck() };

  describe.each(Object.keys(decks) as Array<keyof typeof decks>)('with %s', (deckName) => {
    const ai = decks[deckName];
    const { filler, slides } = fillAll(template, ai, imagePool());

    it('produces valid slides, each carrying the type of its AI slide', () => {
      expect(filler.warnings).toEqual([]);
      for (const [i, slide] of slides.entries()) expect(parseSlide(slide, `slides.${i}`)).toEqual({ ok: true, slide });
      const types = (list: Array<{ type?: string }>) => list.map((slide) => slide.type).filter((type, i, all) => type !== all[i - 1]);
      expect(types(slides)).toEqual(types(ai));
    });

    it('shows every word the AI wrote', () => {
      const paragraphs = paragraphsOf(slides);
      const missing = ai.flatMap(wordsOf).filter((words) => !paragraphs.has(words));
      expect(missing).toEqual([]);
    });

    it('fits every filled text inside its box at its final font size', () => {
      const overflows = slides
        .filter((slide) => slide.type !== 'end')
        .flatMap((slide) => slide.elements.filter((element) => FILLED_MARKERS.has(markerOf(element) ?? '')))
        .flatMap((element) => {
          if (element.type !== 'text' && element.type !== 'shape') return [`${markerOf(element)} on a ${element.type} element`];
          const layout = textLayoutOf(element, template.theme.fontName)!;
          const metrics = measureText(layout.html, { ...layout.box, fontSize: layout.fontSize });
          const fits = metrics.height <= element.height + 0.5 && metrics.widestLine <= element.width - 2 * TEXT_PADDING + 0.01;
          return fits ? [] : [`${markerOf(element)} "${textOf(element)}" needs ${metrics.height}px of ${element.height}px`];
        });
      expect(overflows).toEqual([]);
    });

    it('leaves no template placeholder wording in a filled slot', () => {
      const placeholders = new Set(
        template.slides
          .filter((slide) => slide.type !== 'end')
          .flatMap((slide) => slide.elements.filter((e) => FILLED_MARKERS.has(markerOf(e) ?? '') && !/Number$/.test(markerOf(e)!)))
          .map((element) => textOf(element)),
      );
      const leftOver = slides
        .filter((slide) => slide.type !== 'end')
        .flatMap((slide) => slide.elements.map(textOf))
        .filter((text) => text && placeholders.has(text));
      expect(leftOver).toEqual([]);
    });

    it('numbers the parts of the deck by counting transitions', () => {
      const transitions = ai.filter((slide) => slide.type === 'transition').length;
      const partNumbers = slides.filter((slide) => slide.type === 'transition').flatMap((slide) => textsMarked(slide, 'partNumber'));
      expect(partNumbers).toEqual(Array.from({ length: transitions }, (_, i) => String(i + 1).padStart(2, '0')));
    });

    it('uses one transition layout for the whole deck', () => {
      const layouts = slides.filter((slide) => slide.type === 'transition').map((slide) => slide.elements.map((e) => [e.type, e.left, e.top]));
      expect(new Set(layouts.map((layout) => JSON.stringify(layout))).size).toBe(1);
    });

    it('gives the slides and their elements fresh ids, unique across the deck', () => {
      const ids = slides.flatMap((slide) => [slide.id, ...slide.elements.map((element) => element.id)]);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => templateIds.has(id))).toEqual([]);
      const groupIds = slides.flatMap((slide) => [...new Set(slide.elements.flatMap((element) => element.groupId ?? []))]);
      expect(new Set(groupIds).size).toBe(groupIds.length);
    });

    it('keeps each item with its own group: one item per group, whose members sit together', () => {
      for (const slide of slides.filter((s) => s.type === 'content' || s.type === 'contents')) {
        const groups = new Map<string, PptistElement[]>();
        for (const element of slide.elements) if (element.groupId) groups.set(element.groupId, [...(groups.get(element.groupId) ?? []), element]);
        for (const members of groups.values()) {
          const itemCount = members.filter((element) => markerOf(element) === 'item').length;
          expect(itemCount === 1 || members.every((element) => markerOf(element) === undefined)).toBe(true);
        }
      }
    });

    it('takes the template theme as the deck theme', () => {
      expect(filler.theme).toEqual(template.theme);
    });
  });
});

describe('TemplateFiller with template_1', () => {
  const template = (): PptistDocument => pptistFixture('template_1.json');
  const one = (slides: AipptSlide[], pool?: PoolImage[]) => fillAll(template(), slides, pool);

  /** The item titles ("Point n") on each slide, in item order. */
  const pointsPerSlide = (slides: PptistSlide[]) =>
    slides.map((slide) => textsMarked(slide, 'itemTitle').map((title) => Number(String(title).replace('Point ', ''))).sort((a, b) => a - b));

  it('splits a 6-item content slide 3 + 3 and 10 items 3/3/4, every part under the same title', () => {
    const six = one([contentSlide('Six', items(6))]).slides;
    expect(pointsPerSlide(six)).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(six.map((slide) => textsMarked(slide, 'title'))).toEqual([['Six'], ['Six']]);
    expect(pointsPerSlide(one([contentSlide('Ten', items(10))]).slides)).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9, 10]]);
  });

  it('continues a part longer than the biggest layout on another slide of it rather than dropping items', () => {
    // 14 items split 4/4/6; the template's content layouts hold at most 4, so the last part becomes 4 + 2.
    const list = items(14);
    const { slides } = one([contentSlide('Fourteen', list)]);
    expect(pointsPerSlide(slides)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14]]);
    const paragraphs = paragraphsOf(slides);
    expect(list.filter((item) => !paragraphs.has(item.text))).toEqual([]);
  });

  it('puts the items in reading order: across a row, then down to the next', () => {
    // Three 4-item slides take the template's three 4-item layouts in turn: a row of four with
    // badges, a row of four over a picture, and a 2 × 2 grid.
    const { slides } = one([1, 2, 3].map(() => contentSlide('Grid', items(4))), []);
    expect(new Set(slides.map((slide) => slide.elements.length)).size).toBe(3);
    for (const slide of slides) {
      const cells = marked(slide, 'item').sort((a, b) => (Math.abs(a.top - b.top) < 20 ? a.left - b.left : a.top - b.top));
      expect(cells.map((cell) => textOf(cell)!.split(' ').slice(0, 2).join(' '))).toEqual(['Point 1', 'Point 2', 'Point 3', 'Point 4']);
    }
  });

  it('splits 11 contents entries 6 + 5 and more than 11 into 10 + rest, numbering continuing', () => {
    expect(one([contentsSlide(11)]).slides.map(itemNumbers)).toEqual([
      ['01', '02', '03', '04', '05', '06'],
      ['07', '08', '09', '10', '11'],
    ]);
    const fourteen = one([contentsSlide(14)]).slides;
    expect(fourteen.map((slide) => itemNumbers(slide).length)).toEqual([10, 4]);
    expect(itemNumbers(fourteen[1]!)).toEqual(['11', '12', '13', '14']);
  });

  it('drops unused item slots together with everything in their group', () => {
    // 7 entries: no 7-entry layout, so the 10-entry one is used and its last 3 groups (badge + entry) go.
    const tenEntries = template().slides.find((slide) => slide.type === 'contents' && marked(slide, 'item').length === 10)!;
    const [slide] = one([contentsSlide(7)]).slides;
    expect(slide!.elements).toHaveLength(tenEntries.elements.length - 3 * 2);
    expect(itemNumbers(slide!)).toEqual(['01', '02', '03', '04', '05', '06', '07']);
    expect(textsMarked(slide!, 'item')).toHaveLength(7);
    const groups = new Set(slide!.elements.flatMap((element) => element.groupId ?? []));
    expect(groups.size).toBe(7);
  });

  it('fills a lone content item into a "title + body" layout, the item title leading the body', () => {
    const { slides } = one([contentSlide('Alone', [{ title: 'The point', text: 'Why it matters.' }])]);
    expect(slides).toHaveLength(1);
    expect(marked(slides[0]!, 'item')).toEqual([]);
    expect(textsMarked(slides[0]!, 'title')).toEqual(['Alone']);
    expect(textsMarked(slides[0]!, 'content')).toEqual(['The point\nWhy it matters.']);
  });

  it('keeps the first run of the template text styled as it was, with the AI text escaped and the font fitted', () => {
    const title = 'R&D <b>matters</b> "a lot" for the long title of this presentation';
    const { slides } = one([{ type: 'cover', data: { title, text: 'x' } }]);
    expect(slides).toHaveLength(1);
    const element = marked(slides[0]!, 'title')[0]!;
    const html = element.type === 'text' ? element.content : '';
    expect(html).toMatch(/^<p style="text-align: center;"><strong><span style="font-size: (\d+)px;">R&amp;D &lt;b&gt;matters&lt;\/b&gt; &quot;a lot&quot;/);
    expect(html.endsWith('</span></strong></p>')).toBe(true);
    expect(Number(/font-size: (\d+)px/.exec(html)![1])).toBeLessThan(54);
    expect(textOf(element)).toBe(title);
  });

  it('copies an end slide of the template as it is, under fresh ids', () => {
    const tpl = template();
    const [end] = one([{ type: 'end', data: {} }]).slides;
    const original = tpl.slides.find((slide) => slide.type === 'end')!;
    expect(end!.elements.map(textOf)).toEqual(original.elements.map(textOf));
    expect(end!.id).not.toBe(original.id);
    expect(end!.type).toBe('end');
  });

  it('fills marked pictures from the pool by orientation, each picture once', () => {
    const pool: PoolImage[] = [
      { src: 'wide.jpg', width: 1600, height: 900 },
      { src: 'tall.jpg', width: 900, height: 1600 },
      { src: 'tall-2.jpg', width: 1000, height: 1500 },
    ];
    // A contents slide with 3 entries uses the layout with a tall page figure.
    const { slides } = one([contentsSlide(3), contentsSlide(3), contentsSlide(3)], pool);
    const figures = slides.flatMap((slide) => marked(slide, 'pageFigure')) as Array<Extract<PptistElement, { type: 'image' }>>;
    expect(figures.length).toBeGreaterThan(0);
    const portrait = figures.filter((figure) => figure.height > figure.width);
    expect(portrait.slice(0, 2).map((figure) => figure.src).sort()).toEqual(['tall-2.jpg', 'tall.jpg']);
    for (const figure of portrait.slice(0, 2)) {
      const [[x1, y1], [x2, y2]] = figure.clip!.range;
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(x2 - x1 === 100 || y2 - y1 === 100).toBe(true);
      expect(y1).toBeGreaterThanOrEqual(0);
    }
    const srcs = figures.map((figure) => figure.src).filter((src) => pool.some((p) => p.src === src));
    expect(new Set(srcs).size).toBe(srcs.length);
  });

  it("keeps the template's pictures when the pool is empty", () => {
    const tpl = template();
    const templateSrcs = new Set(tpl.slides.flatMap((slide) => slide.elements.flatMap((e) => (e.type === 'image' ? [e.src] : []))));
    const { slides } = one(aippt());
    const srcs = slides.flatMap((slide) => slide.elements.flatMap((e) => (e.type === 'image' ? [e.src] : [])));
    expect(srcs.length).toBeGreaterThan(0);
    expect(srcs.every((src) => templateSrcs.has(src))).toBe(true);
  });

  it('counts transitions across separate fill calls, as slides stream in', () => {
    const filler = new TemplateFiller(template());
    const part = (n: number) => filler.fill({ type: 'transition', data: { title: `Part ${n}`, text: 'x' } });
    expect([part(1), part(2), part(3)].map(([slide]) => textsMarked(slide!, 'partNumber'))).toEqual([['01'], ['02'], ['03']]);
  });

  it('uses the ids it is given', () => {
    let next = 0;
    const filler = new TemplateFiller(template(), { newId: () => `id-${(next += 1)}` });
    const [slide] = filler.fill({ type: 'cover', data: { title: 'T', text: 'x' } });
    expect([slide!.id, ...slide!.elements.map((e) => e.id)].every((id) => /^id-\d+$/.test(id))).toBe(true);
  });

  it('lays out slide types the template lacks on a stand-in layout, and skips an end slide with a reason', () => {
    const tpl = template();
    tpl.slides = tpl.slides.filter((slide) => slide.type !== 'contents' && slide.type !== 'end' && slide.type !== 'cover');
    const filler = new TemplateFiller(tpl);
    const cover = filler.fill({ type: 'cover', data: { title: 'Deck title', text: 'Subtitle' } });
    const contents = filler.fill(contentsSlide(3));
    const end = filler.fill({ type: 'end', data: {} });
    expect(cover.map((slide) => slide.type)).toEqual(['cover']);
    expect([...paragraphsOf(cover)]).toEqual(expect.arrayContaining(['Deck title', 'Subtitle']));
    expect(contents.map((slide) => slide.type)).toEqual(['contents']);
    expect([...paragraphsOf(contents)]).toEqual(expect.arrayContaining(['Section 1', 'Section 2', 'Section 3']));
    expect(end).toEqual([]);
    expect(filler.warnings).toEqual(['skipped an end slide: the template has no end slide to lay it out']);
  });
});

describe.each(['aurora.json', 'paper.json'])('numbering items with %s', (name) => {
  const fill = (slides: AipptSlide[]) => fillAll(productTemplate(name), slides).slides;

  it('numbers a split content slide on: 01–03 then 04–06', () => {
    expect(fill([contentSlide('Six', items(6))]).map(itemNumbers)).toEqual([['01', '02', '03'], ['04', '05', '06']]);
  });

  it('numbers 10 items 3/3/4 and 11 items 4/4/3, each part carrying on', () => {
    const ten = fill([contentSlide('Ten', items(10))]);
    expect(ten.map(itemNumbers)).toEqual([['01', '02', '03'], ['04', '05', '06'], ['07', '08', '09', '10']]);
    const eleven = fill([contentSlide('Eleven', items(11))]);
    expect(eleven.map(itemNumbers)).toEqual([['01', '02', '03', '04'], ['05', '06', '07', '08'], ['09', '10', '11']]);
  });

  it('fits 7 contents entries into the 8-entry layout, dropping the spare entry with its decoration', () => {
    const eight = productTemplate(name).slides.find((slide) => slide.type === 'contents' && marked(slide, 'item').length === 8)!;
    const spare = marked(eight, 'itemNumber').find((badge) => textOf(badge) === '08')!;
    const spareGroup = eight.elements.filter((element) => element.groupId === spare.groupId);
    const [slide] = fill([contentsSlide(7)]);
    expect(slide!.elements).toHaveLength(eight.elements.length - spareGroup.length);
    expect(itemNumbers(slide!)).toEqual(['01', '02', '03', '04', '05', '06', '07']);
    expect(textsMarked(slide!, 'item')).toEqual(expect.arrayContaining(['Section 1', 'Section 7']));
  });
});
