import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type AipptSlide, AipptSlideSchema } from '../../lib/pptist/aippt.js';
import { pptistFixturesDir } from '../../test/pptist-fixtures.js';
import { normaliseLanguage, normaliseStyle, offlineOutline, offlineSlides } from './offline-generator.js';
import { parseOutline } from './outline.js';

const GRAMMAR = /^(#{1,3} |- )\S/;
const CJK = /[\u4e00-\u9fff]/;
const KANA = /[\u3040-\u30ff]/;
const editedOutline = readFileSync(resolve(pptistFixturesDir(), 'AIPPT_Outline.md'), 'utf8');

const ENGLISH_SOURCE = `# Solar power
Solar power turns sunlight into electricity. It is one of the fastest growing sources of energy.

## How solar panels work
Photovoltaic cells in solar panels absorb photons and release electrons. An inverter converts the direct current into alternating current. Most panels today use crystalline silicon cells.

## Costs and savings
The price of solar panels has fallen by about 90 percent since 2010. Households can cut their electricity bills by installing panels on the roof. Net metering lets owners sell surplus electricity back to the grid.

## Environmental impact
Solar power produces no emissions while it runs. Manufacturing panels requires energy and raw materials. Old panels must be recycled to recover silicon, glass and metals.
`;

const CHINESE_SOURCE =
  '光伏发电是利用半导体界面的光生伏特效应将光能直接转变为电能的一种技术。光伏发电系统主要由太阳能电池板、控制器和逆变器三大部分组成。' +
  '太阳能电池板是光伏发电的核心部件，其转换效率决定了系统的发电能力。目前主流的太阳能电池以晶硅电池为主，转换效率已超过百分之二十二。' +
  '逆变器负责把直流电转换为交流电，使光伏发电能够接入电网。储能系统可以在夜间或阴天释放白天储存的电能，弥补光伏发电的间歇性。' +
  '随着成本持续下降，分布式光伏发电在工商业屋顶和农村地区快速普及。储能系统的成本仍然较高，是制约光伏发电大规模应用的主要因素之一。' +
  '未来，光伏发电与储能系统的结合将成为能源转型的重要方向。';

const JAPANESE_SOURCE =
  '機械学習は人工知能の一分野であり、データから規則性を学習する技術です。ディープラーニングの普及により、画像認識の精度が大きく向上しました。' +
  '機械学習のモデルは大量の学習データを必要とします。学習データの品質が低いと、モデルの予測も不正確になります。' +
  '近年は生成AIが注目され、文章や画像を自動で作成できるようになりました。一方で、生成AIには著作権やプライバシーの課題もあります。';

const pagesOf = (markdown: string) => parseOutline(markdown).chapters.flatMap((c) => c.pages);
const contentSlides = (slides: AipptSlide[]) => slides.flatMap((s) => (s.type === 'content' ? [s.data] : []));
/** Points may be a sentence's clauses or a long sentence cut with an ellipsis; either way from the source. */
const fromSource = (point: string, source: string) => source.includes(point.replace(/…$/, ''));

function expectValidDeck(slides: AipptSlide[]) {
  for (const slide of slides) expect(AipptSlideSchema.safeParse(slide).success).toBe(true);
  expect(slides[0]!.type).toBe('cover');
  expect(slides[1]!.type).toBe('contents');
  expect(slides.at(-1)).toEqual({ type: 'end', data: {} });
  const transitions = slides.filter((s) => s.type === 'transition').map((s) => (s.data as { title: string }).title);
  expect((slides[1]!.data as { items: string[] }).items).toEqual(transitions);
}

describe('normalising the request', () => {
  it.each([
    ['中文', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['Chinese', 'zh-CN'],
    ['日本語', 'ja'],
    ['ja-JP', 'ja'],
    ['English', 'en'],
    ['', 'en'],
    [null, 'en'],
    ['Klingon', 'en'],
  ])('language %p is %p', (given, expected) => {
    expect(normaliseLanguage(given)).toBe(expected);
  });

  it.each([
    ['通用', 'general'],
    ['学术风', 'academic'],
    ['职场风', 'business'],
    ['教育风', 'education'],
    ['营销风', 'marketing'],
    ['Academic', 'academic'],
    ['business', 'business'],
    ['educational', 'education'],
    ['marketing', 'marketing'],
    ['', 'general'],
    [undefined, 'general'],
    ['baroque', 'general'],
  ])('style %p is %p', (given, expected) => {
    expect(normaliseStyle(given)).toBe(expected);
  });
});

describe('offlineOutline from a topic alone', () => {
  it.each([5, 12, 30])('writes exactly %i content pages in 3 to 6 chapters, in the column-0 grammar', (slideCount) => {
    const markdown = offlineOutline({ topic: 'Solar power', language: 'en', slideCount });
    const lines = markdown.trimEnd().split('\n');
    expect(lines[0]).toBe('# Solar power');
    expect(lines.every((line) => GRAMMAR.test(line))).toBe(true);
    const outline = parseOutline(markdown);
    expect(pagesOf(markdown)).toHaveLength(slideCount);
    expect(outline.chapters.length).toBeGreaterThanOrEqual(3);
    expect(outline.chapters.length).toBeLessThanOrEqual(6);
    const titles = pagesOf(markdown).map((p) => p.title);
    expect(new Set(titles).size).toBe(titles.length);
    // Real titles, not "Background 1", and every page has something to say.
    expect(titles.some((t) => /\s\d+$/.test(t))).toBe(false);
    expect(pagesOf(markdown).every((p) => p.points.length >= 2)).toBe(true);
  });

  it('keeps the page count within 5..30', () => {
    expect(pagesOf(offlineOutline({ topic: 'x', language: 'en', slideCount: 2 }))).toHaveLength(5);
    expect(pagesOf(offlineOutline({ topic: 'x', language: 'en', slideCount: 99 }))).toHaveLength(30);
  });

  it.each([
    ['zh-CN', '光伏发电'],
    ['中文', '光伏发电'],
    ['ja', '太陽光発電'],
    ['日本語', '太陽光発電'],
    ['en', 'Solar power'],
  ])('writes %s', (language, topic) => {
    const markdown = offlineOutline({ topic, language, slideCount: 8 });
    const slides = offlineSlides({ outline: markdown, language });
    const text = JSON.stringify(slides) + markdown;
    const lang = normaliseLanguage(language);
    if (lang === 'en') expect(CJK.test(text) || KANA.test(text)).toBe(false);
    if (lang === 'zh-CN') {
      expect(CJK.test(markdown.replaceAll(topic, ''))).toBe(true);
      expect(KANA.test(text)).toBe(false);
    }
    if (lang === 'ja') expect(KANA.test(markdown)).toBe(true);
    // Every generated text, not only the titles, is in the language.
    for (const slide of contentSlides(slides)) for (const item of slide.items) expect(lang === 'en' ? !CJK.test(item.text) : CJK.test(item.text)).toBe(true);
  });

  it('follows the style in chapter names, the cover and the transitions', () => {
    const outlines = (['通用', '学术风', '营销风'] as const).map((style) => offlineOutline({ topic: '光伏发电', language: '中文', style, slideCount: 10 }));
    expect(new Set(outlines.map((o) => parseOutline(o).chapters[0]!.title)).size).toBe(3);
    const decks = (['general', 'academic', 'business', 'education', 'marketing'] as const).map((style) => offlineSlides({ outline: outlines[0]!, language: 'zh-CN', style }));
    expect(new Set(decks.map((d) => JSON.stringify(d[0]))).size).toBe(5);
    expect(new Set(decks.map((d) => JSON.stringify(d[2]))).size).toBe(5);
    expect(decks[0]![2]).toEqual({ type: 'transition', data: { title: '背景概述', text: '本章将介绍定义与范围、起源与发展历程、现实意义和发展现状。' } });
  });

  it('is deterministic and fast', () => {
    const input = { topic: 'Solar power', language: 'en', slideCount: 30 };
    const first = offlineSlides({ outline: offlineOutline(input), language: 'en' });
    expect(offlineSlides({ outline: offlineOutline(input), language: 'en' })).toEqual(first);
    const started = performance.now();
    for (let i = 0; i < 20; i++) offlineSlides({ outline: offlineOutline(input), language: 'en' });
    expect((performance.now() - started) / 20).toBeLessThan(10);
  });
});

describe('offlineOutline from source text', () => {
  it('names chapters after the markdown headings and takes points from the sentences', () => {
    const markdown = offlineOutline({ topic: 'Solar power', sourceText: ENGLISH_SOURCE, language: 'en', slideCount: 6 });
    expect(markdown.trimEnd().split('\n').every((line) => GRAMMAR.test(line))).toBe(true);
    const outline = parseOutline(markdown);
    expect(outline.title).toBe('Solar power');
    // The text under the `#` title is the introduction.
    expect(outline.chapters.map((c) => c.title)).toEqual(['Overview', 'How solar panels work', 'Costs and savings', 'Environmental impact']);
    expect(pagesOf(markdown)).toHaveLength(6);
    const points = pagesOf(markdown).flatMap((p) => p.points);
    expect(points.length).toBeGreaterThanOrEqual(6);
    for (const point of points) expect(fromSource(point, ENGLISH_SOURCE)).toBe(true);
    expect(points).toContain('An inverter converts the direct current into alternating current');
  });

  it('adds generic framing only when the source runs out', () => {
    const markdown = offlineOutline({ topic: 'Solar power', sourceText: ENGLISH_SOURCE, language: 'en', slideCount: 14 });
    const outline = parseOutline(markdown);
    expect(pagesOf(markdown)).toHaveLength(14);
    expect(outline.chapters.length).toBeLessThanOrEqual(6);
    // Eleven sentences give eleven pages; three generic pages close the deck.
    const fromText = pagesOf(markdown).filter((p) => p.points.every((point) => fromSource(point, ENGLISH_SOURCE)));
    expect(fromText).toHaveLength(11);
    expect(outline.chapters.at(-1)!.pages.at(-1)!.title).toBe('Key takeaways');
  });

  it('names pages by key phrases of a Chinese paragraph without headings and makes its sentences the points', () => {
    const markdown = offlineOutline({ topic: '光伏发电', sourceText: CHINESE_SOURCE, language: 'zh-CN', slideCount: 8 });
    const outline = parseOutline(markdown);
    expect(outline.chapters.length).toBeGreaterThanOrEqual(3);
    expect(pagesOf(markdown)).toHaveLength(8);
    const titles = [...outline.chapters.map((c) => c.title), ...pagesOf(markdown).map((p) => p.title)];
    for (const title of titles) expect(CHINESE_SOURCE.includes(title)).toBe(true);
    // The terms the paragraph is about, as whole words (no "流电" out of "直流电" and "交流电").
    expect(titles).toEqual(expect.arrayContaining(['太阳能电池板', '逆变器', '储能系统', '转换效率']));
    expect(titles).not.toContain('流电');
    const points = pagesOf(markdown).flatMap((p) => p.points);
    for (const point of points) expect(fromSource(point, CHINESE_SOURCE)).toBe(true);
    expect(points).toContain('逆变器负责把直流电转换为交流电，使光伏发电能够接入电网');
  });

  it('reads Japanese terms from kanji and katakana', () => {
    const markdown = offlineOutline({ topic: '機械学習', sourceText: JAPANESE_SOURCE, language: 'ja', slideCount: 5 });
    const titles = pagesOf(markdown).map((p) => p.title);
    expect(titles).toHaveLength(5);
    expect(titles).toEqual(expect.arrayContaining(['ディープラーニング']));
    for (const title of titles) expect(JAPANESE_SOURCE.includes(title)).toBe(true);
  });

  it('turns short title lines of plain text into chapters', () => {
    const source = [
      'Remote work guide',
      '',
      'Why remote work',
      'Remote work lets teams hire talent anywhere. It also saves commuting time for employees.',
      '',
      'Tools we use',
      'We use video calls for meetings and chat for quick questions. Documents live in a shared drive.',
      '',
      'Working hours',
      'Core hours are from 10am to 3pm in your local time zone. Outside core hours, answer messages within one working day.',
    ].join('\n');
    const outline = parseOutline(offlineOutline({ topic: 'Remote work', sourceText: source, language: 'en', slideCount: 6 }));
    expect(outline.chapters.map((c) => c.title)).toEqual(['Why remote work', 'Tools we use', 'Working hours']);
    expect(outline.chapters.flatMap((c) => c.pages)).toHaveLength(6);
  });

  it('keeps a source outline’s structure when it is pasted as source text', () => {
    const markdown = offlineOutline({ topic: '5G', sourceText: editedOutline, language: 'zh-CN', slideCount: 18 });
    expect(renderPages(markdown)).toEqual(renderPages(editedOutline));
  });
});

const renderPages = (markdown: string) => parseOutline(markdown).chapters.map((c) => [c.title, ...c.pages.map((p) => `${p.title}: ${p.points.join(' / ')}`)]);

describe('offlineSlides', () => {
  it('follows an edited outline exactly: cover, contents, a transition per chapter, a page per `###`, end', () => {
    const slides = offlineSlides({ outline: editedOutline, language: '中文', style: '通用' });
    expectValidDeck(slides);
    const outline = parseOutline(editedOutline);
    expect(slides).toHaveLength(1 + 1 + 6 + 18 + 1);
    expect(slides[0]).toEqual({ type: 'cover', data: { title: '5G技术如何改变我们的生活', text: '全面了解5G技术如何改变我们的生活的核心内容' } });
    expect(slides[1]).toEqual({ type: 'contents', data: { items: outline.chapters.map((c) => c.title) } });
    const expected = outline.chapters.flatMap((c) => [`transition ${c.title}`, ...c.pages.map((p) => `content ${p.title}: ${p.points.join(' / ')}`)]);
    const actual = slides.slice(2, -1).map((s) => (s.type === 'content' ? `content ${s.data.title}: ${s.data.items.map((i) => i.title).join(' / ')}` : `${s.type} ${(s.data as { title: string }).title}`));
    expect(actual).toEqual(expected);
    for (const slide of contentSlides(slides)) for (const item of slide.items) expect(item.text.length).toBeGreaterThan(item.title.length);
  });

  it('accepts a parsed outline as well as markdown', () => {
    expect(offlineSlides({ outline: parseOutline(editedOutline), language: 'zh-CN' })).toEqual(offlineSlides({ outline: editedOutline, language: 'zh-CN' }));
  });

  it('explains each point with the source sentence it came from', () => {
    const markdown = offlineOutline({ topic: '光伏发电', sourceText: CHINESE_SOURCE, language: 'zh-CN', slideCount: 8 });
    const slides = offlineSlides({ outline: markdown, sourceText: CHINESE_SOURCE, language: 'zh-CN' });
    expectValidDeck(slides);
    const items = contentSlides(slides).flatMap((s) => s.items);
    // A sentence too long for a point is cut; the item's text is the whole sentence.
    const long = items.find((i) => i.title.startsWith('光伏发电是利用半导体界面'))!;
    expect(long.text).toBe('光伏发电是利用半导体界面的光生伏特效应将光能直接转变为电能的一种技术。');
    // A point the user wrote is explained by the sentence that shares its words.
    const edited = `# 光伏发电\n## 部件\n### 核心部件\n- 转换效率与发电能力\n- 储能系统的成本\n`;
    const explained = contentSlides(offlineSlides({ outline: edited, sourceText: CHINESE_SOURCE, language: 'zh-CN' }))[0]!.items;
    expect(explained).toEqual([
      { title: '转换效率与发电能力', text: '太阳能电池板是光伏发电的核心部件，其转换效率决定了系统的发电能力。' },
      { title: '储能系统的成本', text: '储能系统的成本仍然较高，是制约光伏发电大规模应用的主要因素之一。' },
    ]);
  });

  it('writes a generic sentence in the language when the source has nothing on a point', () => {
    const slides = offlineSlides({ outline: '# Solar\n## Basics\n### Cells\n- Quantum dots\n', sourceText: CHINESE_SOURCE, language: 'en', style: 'education' });
    expect(contentSlides(slides)[0]!.items).toEqual([{ title: 'Quantum dots', text: 'Learning about quantum dots step by step, with an example.' }]);
  });

  it.each([5, 12, 30])('turns a %i-page outline into a valid deck with one content slide per page', (slideCount) => {
    for (const language of ['en', 'zh-CN', 'ja']) {
      const outline = offlineOutline({ topic: 'Topic', language, slideCount, sourceText: slideCount === 12 ? ENGLISH_SOURCE : undefined });
      const slides = offlineSlides({ outline, language, sourceText: slideCount === 12 ? ENGLISH_SOURCE : undefined });
      expectValidDeck(slides);
      expect(contentSlides(slides)).toHaveLength(slideCount);
    }
  });
});
