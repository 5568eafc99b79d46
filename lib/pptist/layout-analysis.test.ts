import { pptistFixture } from '../../test/pptist-fixtures.js';
import { parsePptistDocument, type PptistElement, type PptistSlide } from './document.js';
import { bundledFontMetrics } from './font-metrics.js';
import { analyzeDeck, analyzeSlide, blocksOf, contrastRatio, fixSlideLayout, parseColor, type LayoutFinding } from './layout-analysis.js';
import { plainText } from './text-fit.js';

const canvas = { width: 1000, height: 562.5 };

function text(id: string, content: string, box: Partial<PptistElement> = {}): PptistElement {
  return { type: 'text', id, left: 100, top: 100, width: 140, height: 80, rotate: 0, content, defaultFontName: '', defaultColor: '#333333', ...box } as PptistElement;
}

function slideOf(...elements: PptistElement[]): PptistSlide {
  return { id: 'slide-1', elements, background: { type: 'solid', color: '#ffffff' } };
}

const findingsOf = (slide: PptistSlide, kind: LayoutFinding['kind']) => analyzeSlide(slide, canvas).findings.filter((f) => f.kind === kind);

// "Hello world Hello world Hello world" at 20px, measured on Noto Sans Regular (units per em 1000):
// H 741, e 564, l 258, o 605, space 260, w 786, r 413, d 615. "Hello" = 2.426 em, "world" = 2.677 em,
// "Hello world" = 5.363 em = 107.26 px. The box is 140 px wide: 140 − 2×10 padding = 120 px of line.
// "Hello world Hello" = 8.049 em = 160.98 px does not fit, so each "Hello world" takes a line:
// 3 lines × 20 px × 1.5 line height + 20 px padding = 110 px needed in an 80 px box → 30 px over.
const HELLO = '<p><span style="font-size: 20px;">Hello world Hello world Hello world</span></p>';

describe('bundled font metrics', () => {
  it('reads advance widths from Noto Sans and Noto Sans SC, bold through the wght axis', () => {
    const metrics = bundledFontMetrics();
    expect([...'Hello world'].map((c) => metrics.advance(c.codePointAt(0)!, false))).toEqual([0.741, 0.564, 0.258, 0.258, 0.605, 0.26, 0.786, 0.605, 0.413, 0.258, 0.615]);
    expect(metrics.advance('H'.codePointAt(0)!, true)).toBeGreaterThan(0.741);
    expect([...'犯罪心理学，'].map((c) => metrics.advance(c.codePointAt(0)!, false))).toEqual([1, 1, 1, 1, 1, 1]);
    // Nothing bundled has Arabic: text-fit's estimates take over.
    expect(metrics.advance(0x627, false)).toBeUndefined();
  });
});

describe('analyzeSlide: overflow', () => {
  it('finds nothing wrong with a box the text fits', () => {
    // "Hello world" is 107.26 px: one line, 30 + 20 = 50 px in an 80 px box.
    expect(analyzeSlide(slideOf(text('t', '<p><span style="font-size: 20px;">Hello world</span></p>')), canvas).findings).toEqual([]);
  });

  it('measures Latin overflow from the font advances and finds the scale that fits', () => {
    const [finding] = findingsOf(slideOf(text('t', HELLO)), 'overflow');
    // fitScale: at 0.72 (14.4 px) "Hello world Hello" = 115.9 px and "world Hello world" (8.3 em) = 119.5 px
    // fill two lines: 2 × 21.6 + 20 = 63.2 px. At 0.73 the second line is 121.2 px > 120 and breaks in
    // three (85.7 px); from 0.74 up there are 3 lines of ≥ 22.2 px, i.e. > 80.5 px.
    expect(finding).toMatchObject({ kind: 'overflow', elementId: 't', boxHeight: 80, neededHeight: 110, fontSize: 20, fitScale: 0.72 });
    expect((finding as { overflowPx: number }).overflowPx).toBeCloseTo(30, 6);
  });

  it('measures CJK overflow at 1 em an ideograph', () => {
    // 14 ideographs at 24 px, each 1000/1000 em in Noto Sans SC: a 120 px line (140 − 20) holds 5,
    // so 5 + 5 + 4 = 3 lines × 36 px + 20 px = 128 px needed in a 100 px box → 28 px over.
    const content = '<p><span style="font-size: 24px;">犯罪心理学是研究犯罪行为及其</span></p>';
    const [finding] = findingsOf(slideOf(text('t', content, { height: 100 })), 'overflow');
    expect(finding).toMatchObject({ elementId: 't', neededHeight: 128, boxHeight: 100 });
    expect((finding as { overflowPx: number }).overflowPx).toBeCloseTo(28, 6);
    // 7 a line from 24 × 0.71 = 17.04 px (7 × 17.04 = 119.28): 2 lines × 25.56 + 20 = 71.1 px fits.
    // 0.72…0.99 keeps 6 or fewer a line, so 3 lines of ≥ 25.9 px: 97.8 px and more, over 100.5 from 0.9.
    // Between, 3 lines fit: 3 × 36s + 20 ≤ 100.5 holds up to s = 0.745 → the largest fit is 0.74.
    expect((finding as { fitScale: number }).fitScale).toBe(0.74);
  });
});

describe('analyzeSlide: overlap, canvas, size, contrast', () => {
  it('reports two text boxes whose text areas overlap, with the overlapped share', () => {
    // Text areas (inside 10 px padding): 110–230 × 110–170 and 190–310 × 110–170 → 40 × 60 px shared,
    // a third of each 120 × 60 px area.
    const slide = slideOf(text('a', '<p>One</p>'), text('b', '<p>Two</p>', { left: 180 }));
    const [overlap] = findingsOf(slide, 'overlap');
    expect(overlap).toEqual({ kind: 'overlap', elementId: 'a', otherId: 'b', area: 2400, share: 1 / 3 });
  });

  it('does not count a full-slide background picture or text next to each other as overlap', () => {
    const background = { type: 'image', id: 'bg', left: 0, top: 0, width: 1000, height: 562.5, rotate: 0, src: 'x.png', fixedRatio: true } as PptistElement;
    const slide = slideOf(background, text('a', '<p>One</p>'), text('b', '<p>Two</p>', { left: 240 }));
    expect(findingsOf(slide, 'overlap')).toEqual([]);
  });

  it('reports how far an element leaves the canvas, using its rotated bounds', () => {
    // 200 × 100 centred at (980, 150). Upright it reaches x = 1080; turned 90° it is 100 wide and
    // 200 tall: x 930–1030, y 50–250 → 30 px off the right edge.
    const upright = findingsOf(slideOf(text('t', '<p>Edge</p>', { left: 880, top: 100, width: 200, height: 100 })), 'offCanvas');
    expect(upright).toMatchObject([{ outside: { left: 0, top: 0, right: 80, bottom: 0 } }]);
    const turned = findingsOf(slideOf(text('t', '<p>Edge</p>', { left: 880, top: 100, width: 200, height: 100, rotate: 90 })), 'offCanvas');
    expect(turned).toHaveLength(1);
    expect((turned[0] as { outside: { right: number } }).outside.right).toBeCloseTo(30, 6);
    const fix = fixSlideLayout(slideOf(text('t', '<p>Edge</p>', { left: 880, top: 100, width: 200, height: 100, rotate: 90 })), turned, { ...canvas, newId: () => 'x' });
    expect(fix.operations).toEqual([{ type: 'UPDATE_ELEMENT', slideId: 'slide-1', elementId: 't', props: { left: 850, top: 100 } }]);
  });

  it('flags text below 12 px on a 1000 px slide (and 24 px on a 2000 px one)', () => {
    const slide = slideOf(text('small', '<p><span style="font-size: 10px;">Fine print</span></p>'), text('ok', '<p><span style="font-size: 12px;">Caption</span></p>', { top: 300 }));
    expect(findingsOf(slide, 'smallText')).toEqual([{ kind: 'smallText', elementId: 'small', fontSize: 10, minSize: 12 }]);
    const wide = analyzeSlide(slide, { width: 2000, height: 1125 }).findings.filter((f) => f.kind === 'smallText');
    expect(wide.map((f) => f.elementId)).toEqual(['small', 'ok']);
  });

  it('computes WCAG contrast ratios', () => {
    expect(contrastRatio(parseColor('#000')!, parseColor('#fff')!)).toBeCloseTo(21, 6);
    expect(contrastRatio(parseColor('#777777')!, parseColor('white')!)).toBeCloseTo(4.48, 2);
    expect(contrastRatio(parseColor('rgb(118, 118, 118)')!, parseColor('#ffffff')!)).toBeCloseTo(4.54, 2);
  });

  it('flags low contrast against the slide, a filled shape behind, and not behind a picture', () => {
    const grey = text('grey', '<p><span style="color: #777777;">Faint</span></p>');
    expect(findingsOf(slideOf(grey), 'lowContrast')).toMatchObject([{ elementId: 'grey', required: 4.5, color: '#777777', background: '#ffffff' }]);
    const enough = text('dark', '<p><span style="color: #767676;">Readable</span></p>');
    expect(findingsOf(slideOf(enough), 'lowContrast')).toEqual([]);
    // #888 is 3.54:1 on white: too little for 16 px text, enough for 24 px (WCAG large text).
    expect(findingsOf(slideOf(text('big', '<p><span style="font-size: 24px; color: #888888;">Big</span></p>', { height: 100 })), 'lowContrast')).toEqual([]);
    const panel = { type: 'shape', id: 'panel', left: 50, top: 50, width: 400, height: 300, rotate: 0, viewBox: [200, 200], path: 'M 0 0 L 200 0 L 200 200 L 0 200 Z', fixedRatio: false, fill: '#1a1a1a' } as PptistElement;
    expect(findingsOf(slideOf(panel, text('dark-on-dark', '<p>Hidden</p>')), 'lowContrast')).toMatchObject([{ elementId: 'dark-on-dark', background: '#1a1a1a' }]);
    const picture = { type: 'image', id: 'pic', left: 50, top: 50, width: 400, height: 300, rotate: 0, src: 'x.png', fixedRatio: true } as PptistElement;
    expect(findingsOf(slideOf(picture, text('on-picture', '<p><span style="color: #eeeeee;">Over a photo</span></p>')), 'lowContrast')).toEqual([]);
  });
});

describe('fixSlideLayout', () => {
  const ids = () => {
    let n = 0;
    return () => `new-${++n}`;
  };

  it('shrinks a mildly overflowing text to the size that fits', () => {
    const slide = slideOf(text('t', HELLO));
    const fix = fixSlideLayout(slide, analyzeSlide(slide, canvas).findings, { ...canvas, newId: ids() });
    // 20 px × 0.72, as measured above.
    expect(fix.operations).toEqual([
      { type: 'UPDATE_ELEMENT', slideId: 'slide-1', elementId: 't', props: { content: '<p><span style="font-size: 14.4px;">Hello world Hello world Hello world</span></p>' } },
    ]);
    expect(fix.summary).toBe('shrank the text of t from 20px to 14.4px');
    const fixed = slideOf(text('t', '<p><span style="font-size: 14.4px;">Hello world Hello world Hello world</span></p>'));
    expect(analyzeSlide(fixed, canvas).findings).toEqual([]);
  });

  it('splits a long list over a second slide, keeping every item once and the title on both', () => {
    const items = Array.from({ length: 14 }, (_, i) => `<li><p><span style="font-size: 16px;">Point number ${i + 1} of the plan</span></p></li>`);
    const title = text('title', '<p><span style="font-size: 28px;">The plan</span></p>', { left: 50, top: 20, width: 900, height: 62, textType: 'title' });
    const list = text('list', `<ul>${items.join('')}</ul>`, { left: 50, top: 100, width: 900, height: 400, textType: 'content' });
    const slide: PptistSlide = { ...slideOf(title, list), animations: [{ id: 'a1', elId: 'list', effect: 'fadeIn', type: 'in', duration: 500, trigger: 'click' }] };
    const findings = analyzeSlide(slide, canvas).findings;
    // 14 one-line items at 16 px: 14 × 24 + 13 × 5 + 20 = 421 px in a 400 px box.
    expect(findings).toMatchObject([{ kind: 'overflow', elementId: 'list', neededHeight: 421 }]);

    // At 12 px (the readable minimum) all 14 would fit: 14 × 18 + 65 + 20 = 337 px. So shrink, not split…
    const shrink = fixSlideLayout(slide, findings, { ...canvas, newId: ids() });
    expect(shrink.changes.map((c) => c.kind)).toEqual(['shrink']);

    // …unless the box is smaller: 200 px holds 9 items at 16 px × 0.75 (9 × 18 + 40 + 20 = 222 > 200, so 8 items: 8 × 18 + 35 + 20 = 199).
    const small = { ...slide, elements: [title, { ...list, height: 200 } as PptistElement] };
    const fix = fixSlideLayout(small, analyzeSlide(small, canvas).findings, { ...canvas, newId: ids() });
    expect(fix.changes).toMatchObject([{ kind: 'split', elementId: 'list' }]);
    const [update, insert] = fix.operations;
    expect(update).toMatchObject({ type: 'UPDATE_ELEMENT', slideId: 'slide-1', elementId: 'list' });
    expect(insert).toMatchObject({ type: 'INSERT_SLIDE', afterSlideId: 'slide-1' });
    expect(fix.operations).toHaveLength(2);
    const first = (update as unknown as { props: { content: string } }).props.content;
    const second = (insert as unknown as { slide: PptistSlide }).slide;
    const secondList = second.elements.find((e) => e.type === 'text' && e.textType === 'content') as { content: string; id: string };
    const all = [...plainText(first).split('\n'), ...plainText(secondList.content).split('\n')];
    expect(all).toEqual(Array.from({ length: 14 }, (_, i) => `Point number ${i + 1} of the plan`));
    expect(blocksOf(first)).toHaveLength(8);
    expect(first).toContain('font-size: 12px');
    // Fresh ids, the title repeated, the animation following its element.
    expect(second.id).toMatch(/^new-/);
    expect(second.elements.map((e) => e.id).every((id) => id.startsWith('new-'))).toBe(true);
    expect(second.elements.map((e) => (e.type === 'text' ? e.textType : e.type))).toEqual(['title', 'content']);
    expect(second.animations).toEqual([{ id: expect.stringMatching(/^new-/), elId: secondList.id, effect: 'fadeIn', type: 'in', duration: 500, trigger: 'click' }]);
    // Both parts fit now.
    const firstSlide = { ...small, elements: [title, { ...list, height: 200, content: first } as PptistElement] };
    expect(analyzeSlide(firstSlide, canvas).findings.filter((f) => f.kind === 'overflow')).toEqual([]);
    expect(analyzeSlide(second, canvas).findings.filter((f) => f.kind === 'overflow')).toEqual([]);
  });
});

describe('the shipped PPTist templates', () => {
  it.each(['template_1.json', 'template_2.json'])('%s is analysed without errors, with plausible findings', (name) => {
    const parsed = parsePptistDocument(pptistFixture(name));
    if (!parsed.ok) throw new Error(parsed.message);
    const analysis = analyzeDeck(parsed.document);
    expect(analysis.map((a) => a.slideId)).toEqual(parsed.document.slides.map((s) => s.id));
    for (const [i, { findings }] of analysis.entries()) {
      const ids = new Set(parsed.document.slides[i]!.elements.map((e) => e.id));
      for (const finding of findings) {
        expect(ids.has(finding.elementId)).toBe(true);
        // Templates are drawn to fit their own placeholder text: nothing overflows by more than 2 px.
        if (finding.kind === 'overflow') expect(finding.overflowPx).toBeLessThan(2);
        if (finding.kind === 'overlap') {
          expect(ids.has(finding.otherId)).toBe(true);
          expect(finding.share).toBeGreaterThan(0);
          expect(finding.share).toBeLessThanOrEqual(1);
        }
        // No template text is set below the readable minimum.
        expect(finding.kind).not.toBe('smallText');
        if (finding.kind === 'lowContrast') expect(finding.ratio).toBeLessThan(finding.required);
      }
    }
    // Deterministic: the same findings a second time.
    expect(analyzeDeck(parsed.document)).toEqual(analysis);
  });

  it('finds template_2 white-on-teal text below WCAG AA, and none of its text on its own colour', () => {
    const parsed = parsePptistDocument(pptistFixture('template_2.json'));
    if (!parsed.ok) throw new Error(parsed.message);
    const contrast = analyzeDeck(parsed.document).flatMap((a) => a.findings.filter((f) => f.kind === 'lowContrast'));
    // Its theme colour #47acc5 against white is 2.63:1, under even the 3:1 for large text.
    expect(contrast.some((f) => f.color === '#ffffff' && f.background === '#47acc5' && Math.abs(f.ratio - 2.63) < 0.01)).toBe(true);
    // Text beside a parallelogram (not on it) is measured against the slide, not the shape's bounding box.
    expect(contrast.some((f) => f.color === f.background)).toBe(false);
  });
});
