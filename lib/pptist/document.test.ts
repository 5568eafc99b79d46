import {
  ELEMENT_TYPES,
  emptyDocument,
  MAX_DOCUMENT_BYTES,
  MAX_ELEMENTS_PER_SLIDE,
  MAX_SLIDES,
  measureDocumentBytes,
  parseElement,
  parsePptistDocument,
  parseSlide,
} from './document.js';

// PPTist's own mock files (AGPL, kept outside the repo): read in place, never copied.
import { pptistFixture } from '../../test/pptist-fixtures.js';
const fixture = (name: string): any => pptistFixture(name);

/** One valid element of every type, shaped the way PPTist writes them. */
const base = { left: 10, top: 20, width: 300, height: 100, rotate: 0 };
const samples: Record<(typeof ELEMENT_TYPES)[number], Record<string, unknown>> = {
  text: { ...base, type: 'text', id: 'txt1', content: '<p>Hello</p>', defaultFontName: '', defaultColor: '#333', textType: 'title', inset: [10, 10, 10, 10], fixedHeight: true, vAlign: 'middle' },
  image: { ...base, type: 'image', id: 'img1', src: 'https://example.com/a.png', fixedRatio: true, clip: { shape: 'rect', range: [[0, 0], [100, 100]] }, filters: { grayscale: '100%' }, imageType: 'pageFigure' },
  shape: { ...base, type: 'shape', id: 'shp1', viewBox: [200, 200], path: 'M 0 0 L 200 0 L 200 200 Z', fixedRatio: false, fill: '#5b9bd5', text: { content: '<p>1</p>', defaultFontName: '', defaultColor: '#fff', align: 'middle', type: 'itemNumber' }, gradient: { type: 'linear', colors: [{ pos: 0, color: '#fff' }, { pos: 100, color: '#000' }], rotate: 90 } },
  line: { type: 'line', id: 'lin1', left: 0, top: 0, width: 2, start: [0, 0], end: [100, 0], style: 'dashed', color: '#000', points: ['', 'arrow'], cubic: [[10, 10], [20, 20]] },
  chart: { ...base, type: 'chart', id: 'cht1', chartType: 'bar', data: { labels: ['a', 'b'], legends: ['x'], series: [[1, 2]] }, themeColors: ['#5b9bd5'], options: { stack: true } },
  table: { ...base, type: 'table', id: 'tbl1', outline: { width: 2, style: 'solid', color: '#eee' }, colWidths: [0.5, 0.5], cellMinHeight: 36, data: [[{ id: 'c1', colspan: 1, rowspan: 1, text: 'a', style: { bold: true, align: 'center' } }, { id: 'c2', colspan: 1, rowspan: 1, text: 'b' }]] },
  latex: { ...base, type: 'latex', id: 'ltx1', latex: 'E=mc^2', path: 'M 0 0 L 1 1', color: '#000', strokeWidth: 2, viewBox: [100, 40], fixedRatio: true },
  video: { ...base, type: 'video', id: 'vid1', src: 'https://example.com/a.mp4', autoplay: false, poster: 'https://example.com/p.png' },
  audio: { ...base, type: 'audio', id: 'aud1', src: 'https://example.com/a.mp3', fixedRatio: true, color: '#5b9bd5', loop: false, autoplay: false },
};

/** A document whose first slide holds the given elements. */
function documentWith(...elements: unknown[]) {
  const doc: any = emptyDocument('Test');
  doc.slides[0].elements = elements;
  return doc;
}

describe('real PPTist files', () => {
  it.each(['template_1.json', 'template_2.json'])('%s validates as a whole document and round-trips unchanged', (name) => {
    const doc = fixture(name);
    const result = parsePptistDocument(doc);
    expect(result).toEqual({ ok: true, document: doc });
  });

  it('slides.json (a bare slides array) validates slide by slide and as a document', () => {
    const slides = fixture('slides.json');
    slides.forEach((slide: unknown, i: number) => expect(parseSlide(slide, `slides.${i}`)).toEqual({ ok: true, slide }));
    const result = parsePptistDocument({ ...emptyDocument('slides'), slides });
    expect(result.ok).toBe(true);
  });

  it('keeps unknown fields on the document, theme, slides, elements and nested objects', () => {
    const doc = fixture('template_1.json');
    doc.futureField = { x: 1 };
    doc.theme.futureField = { x: 1 };
    doc.slides[1].futureField = { x: 1 };
    doc.slides[1].elements[0].futureField = { x: 1 };
    const shapeWithText = doc.slides.flatMap((s: any) => s.elements).find((e: any) => e.type === 'shape' && e.text);
    shapeWithText.text.futureField = { x: 1 };

    const result = parsePptistDocument(doc);
    if (!result.ok) throw new Error(result.message);
    const parsed: any = result.document;
    expect(parsed.futureField).toEqual({ x: 1 });
    expect(parsed.theme.futureField).toEqual({ x: 1 });
    expect(parsed.slides[1].futureField).toEqual({ x: 1 });
    expect(parsed.slides[1].elements[0].futureField).toEqual({ x: 1 });
    expect(parsed.slides.flatMap((s: any) => s.elements).find((e: any) => e.id === shapeWithText.id).text.futureField).toEqual({ x: 1 });
    expect(parsed).toEqual(doc);
  });
});

describe('element types', () => {
  it.each(ELEMENT_TYPES)('a complete %s element is accepted as is', (type) => {
    expect(parseElement(samples[type])).toEqual({ ok: true, element: samples[type] });
  });

  const missing: Array<[(typeof ELEMENT_TYPES)[number], string]> = [
    ['text', 'content'],
    ['image', 'src'],
    ['shape', 'viewBox'],
    ['line', 'start'],
    ['chart', 'themeColors'],
    ['table', 'cellMinHeight'],
    ['latex', 'strokeWidth'],
    ['video', 'autoplay'],
    ['audio', 'loop'],
  ];
  it.each(missing)('a %s element without %s is refused with the path of that field', (type, field) => {
    const { [field]: _dropped, ...element } = samples[type];
    const result = parsePptistDocument(documentWith(samples.text, element));
    expect(result).toEqual({
      ok: false,
      path: `document.slides.0.elements.1.${field}`,
      message: expect.stringMatching(new RegExp(`^document\\.slides\\.0\\.elements\\.1\\.${field}: is required`)),
    });
  });

  it('names the path of nested bad fields', () => {
    const table = structuredClone(samples.table) as any;
    table.data[0][1].colspan = '2';
    expect(parseElement(table, 'document.slides.4.elements.2')).toMatchObject({ ok: false, path: 'document.slides.4.elements.2.data.0.1.colspan' });
    const shape = structuredClone(samples.shape) as any;
    shape.text.align = 'center';
    expect(parseElement(shape)).toMatchObject({ ok: false, path: 'element.text.align', message: expect.stringContaining('"top"|"middle"|"bottom"') });
  });

  it('a line element has no height or rotate', () => {
    expect(samples.line).not.toHaveProperty('height');
    expect(parseElement(samples.line).ok).toBe(true);
    const { rotate: _r, ...textWithoutRotate } = samples.text;
    expect(parseElement(textWithoutRotate)).toMatchObject({ ok: false, path: 'element.rotate' });
  });

  it('refuses an element of an unknown type, naming the allowed types', () => {
    const result = parsePptistDocument(documentWith(samples.text, { id: 'w1', type: 'widget', left: 0 }));
    expect(result).toEqual({
      ok: false,
      path: 'document.slides.0.elements.1.type',
      message: 'document.slides.0.elements.1.type: unknown element type "widget"; expected one of text, image, shape, line, chart, table, latex, video, audio',
    });
    expect(parseElement({ id: 'x', left: 0 })).toMatchObject({ ok: false, path: 'element.type', message: expect.stringContaining('element type is required') });
  });

  it('refuses non-finite numbers', () => {
    for (const bad of [Infinity, -Infinity, NaN]) {
      expect(parseElement({ ...samples.image, width: bad })).toMatchObject({ ok: false, path: 'element.width' });
    }
    expect(parseElement({ ...samples.chart, data: { labels: [], legends: [], series: [[1, NaN]] } })).toMatchObject({ ok: false, path: 'element.data.series.0.1' });
  });

  it('bounds ids and rich text', () => {
    expect(parseElement({ ...samples.text, id: '' })).toMatchObject({ ok: false, path: 'element.id' });
    expect(parseElement({ ...samples.text, id: 'x'.repeat(65) })).toMatchObject({ ok: false, path: 'element.id', message: expect.stringContaining('at most 64') });
    expect(parseElement({ ...samples.text, id: 'x'.repeat(64) }).ok).toBe(true);
    expect(parseElement({ ...samples.text, content: 'x'.repeat(100_001) })).toMatchObject({ ok: false, path: 'element.content' });
  });
});

describe('documents and slides', () => {
  it('an empty document is valid, with one blank slide and a full theme', () => {
    const doc = emptyDocument('Quarterly review');
    expect(parsePptistDocument(doc)).toEqual({ ok: true, document: doc });
    expect(doc).toMatchObject({ title: 'Quarterly review', width: 1000, height: 562.5, slides: [{ elements: [] }] });
    expect(emptyDocument('a').slides[0]!.id).not.toBe(emptyDocument('a').slides[0]!.id);
  });

  it('fills in the default canvas size when a document leaves it out', () => {
    const { width: _w, height: _h, ...doc } = emptyDocument('x');
    expect(parsePptistDocument(doc)).toMatchObject({ ok: true, document: { width: 1000, height: 562.5 } });
  });

  it('refuses duplicate slide ids and duplicate element ids within a slide', () => {
    const doc = emptyDocument('x');
    doc.slides.push({ id: 'second', elements: [] }, { id: doc.slides[0]!.id, elements: [] });
    expect(parsePptistDocument(doc)).toMatchObject({ ok: false, path: 'document.slides.2.id', message: expect.stringContaining('duplicate slide id') });

    const dup = documentWith(samples.text, samples.image, { ...samples.shape, id: samples.text.id });
    expect(parsePptistDocument(dup)).toMatchObject({ ok: false, path: 'document.slides.0.elements.2.id', message: expect.stringContaining('duplicate element id "txt1"') });

    // The same element id on two different slides is addressable (slide id + element id).
    const twoSlides: any = emptyDocument('x');
    twoSlides.slides = [{ id: 's1', elements: [samples.text] }, { id: 's2', elements: [samples.text] }];
    expect(parsePptistDocument(twoSlides).ok).toBe(true);
  });

  it('checks slide-level fields: background, animations, notes, type', () => {
    const slide = (extra: Record<string, unknown>) => ({ id: 's1', elements: [samples.text], ...extra });
    expect(parseSlide(slide({ background: { type: 'image', image: { src: 'a.png', size: 'cover' } }, type: 'cover', turningMode: 'fade', sectionTag: { id: 'sec1', title: 'Intro' } })).ok).toBe(true);
    expect(parseSlide(slide({ background: { type: 'image', image: { src: 'a.png', size: 'stretch' } } }))).toMatchObject({ ok: false, path: 'slide.background.image.size' });
    expect(parseSlide(slide({ animations: [{ id: 'a1', elId: 'txt1', effect: 'fadeIn', type: 'in', duration: 500, trigger: 'whenever' }] }))).toMatchObject({ ok: false, path: 'slide.animations.0.trigger' });
    expect(parseSlide(slide({ notes: [{ id: 'n1', content: 'hi', time: 1, user: 'u', replies: [{ id: 'r1', content: 'yo', user: 'v' }] }] }))).toMatchObject({ ok: false, path: 'slide.notes.0.replies.0.time' });
    expect(parseSlide(slide({ type: 'appendix' }))).toMatchObject({ ok: false, path: 'slide.type' });
  });

  it('refuses a document with too many slides or a slide with too many elements', () => {
    const many: any = emptyDocument('x');
    many.slides = Array.from({ length: MAX_SLIDES + 1 }, (_, i) => ({ id: `s${i}`, elements: [] }));
    expect(parsePptistDocument(many)).toMatchObject({ ok: false, path: 'document.slides' });
    const crowded = { id: 's', elements: Array.from({ length: MAX_ELEMENTS_PER_SLIDE + 1 }, (_, i) => ({ ...samples.line, id: `l${i}` })) };
    expect(parseSlide(crowded)).toMatchObject({ ok: false, path: 'slide.elements', message: expect.stringContaining(`at most ${MAX_ELEMENTS_PER_SLIDE}`) });
  });

  it('refuses a document that is not an object, naming the document itself', () => {
    expect(parsePptistDocument('hello')).toMatchObject({ ok: false, path: 'document' });
    expect(parsePptistDocument({ title: 'x', theme: emptyDocument('x').theme })).toMatchObject({ ok: false, path: 'document.slides', message: 'document.slides: is required (expected array)' });
  });
});

describe('size', () => {
  it('measures the bytes JSON.stringify would produce', () => {
    for (const value of [fixture('template_2.json'), { a: undefined, b: [undefined, () => 1], c: 'é"\n', d: -0, e: 1e21, f: new Date(0) }, 'x', 3, null]) {
      expect(measureDocumentBytes(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
    }
    const cyclic: any = { a: 1 };
    cyclic.self = cyclic;
    expect(measureDocumentBytes(cyclic)).toBe(Infinity);
  });

  // The same 90k-character string is shared by every element, so an ~11 MB (and a ~50 MB)
  // document costs only kilobytes of memory here.
  const chunk = 'x'.repeat(90_000);
  const bigDocument = (elements: number) => {
    const doc: any = emptyDocument('big');
    doc.slides = Array.from({ length: Math.ceil(elements / 100) }, (_, s) => ({
      id: `s${s}`,
      elements: Array.from({ length: Math.min(100, elements - s * 100) }, (_, e) => ({ ...samples.text, id: `t${e}`, content: chunk })),
    }));
    return doc;
  };

  it('refuses a document over the size limit before validating it', () => {
    const doc = bigDocument(125);
    expect(measureDocumentBytes(doc)).toBeGreaterThan(MAX_DOCUMENT_BYTES);
    expect(measureDocumentBytes(doc)).toBeLessThan(12 * 1024 * 1024);
    expect(parsePptistDocument(doc)).toEqual({ ok: false, path: 'document', message: 'document: is larger than the 10 MB limit for a document' });
    // Just under the limit, the same content is fine.
    expect(parsePptistDocument(bigDocument(100)).ok).toBe(true);
  });

  it('stops measuring a 50 MB document soon after the limit', () => {
    const doc = bigDocument(560);
    const started = performance.now();
    const measured = measureDocumentBytes(doc, MAX_DOCUMENT_BYTES);
    expect(measured).toBeGreaterThan(MAX_DOCUMENT_BYTES);
    expect(measured).toBeLessThan(MAX_DOCUMENT_BYTES + 200_000);
    expect(parsePptistDocument(doc)).toMatchObject({ ok: false, path: 'document' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
