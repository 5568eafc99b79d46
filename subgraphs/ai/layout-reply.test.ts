import { plainText } from '../../lib/pptist/text-fit.js';
import type { LayoutElement } from './layout-prompt.js';
import { extractJson, readLayoutReply, restyleRichText } from './layout-reply.js';
import { tidyLayout } from './layout-tidy.js';

const CANVAS = { width: 1000, height: 562.5 };
const TEXT: LayoutElement = { id: 't', type: 'text', left: 10, top: 10, width: 300, height: 60, rotate: 0, content: '<p>Hello <strong>world</strong></p>', defaultFontName: 'Arial', defaultColor: '#333333' };
const LINE: LayoutElement = { id: 'l', type: 'line', left: 100, top: 300, width: 2, start: [0, 0], end: [200, 0], style: 'solid', color: '#000', points: ['', ''] };
const rules = { canvas: CANVAS, keepColors: false, keepFonts: false };

describe('extractJson', () => {
  it('finds the layout behind chatter, with or without fences', () => {
    expect(extractJson('Here you go: {"elements": [{"id": "t"}]} Enjoy!')).toEqual({ elements: [{ id: 't' }] });
    expect(extractJson('```\n[{"id": "t", "left": 1}]\n```')).toEqual([{ id: 't', left: 1 }]);
    expect(extractJson('no layout {here}')).toBeUndefined();
  });
});

describe('readLayoutReply', () => {
  it('restyles text without touching its words, and takes colours and fonts when allowed', () => {
    const read = readLayoutReply(JSON.stringify({ elements: [{ id: 't', fontSize: 24, color: '#112233', fontName: 'Noto Sans' }] }), [TEXT], rules);
    expect(read.ok).toBe(true);
    const [text] = read.ok ? read.layout.elements : [];
    expect(text).toMatchObject({ defaultColor: '#112233', defaultFontName: 'Noto Sans' });
    expect(String(text!.content)).toContain('font-size: 24px');
    expect(plainText(String(text!.content))).toBe(plainText(String(TEXT.content)));
  });

  it('ignores colours and fonts it was told to keep, and unsafe style values', () => {
    const kept = readLayoutReply(JSON.stringify([{ id: 't', color: '#112233', fontName: 'Noto Sans' }]), [TEXT], { ...rules, keepColors: true, keepFonts: true });
    expect(kept.ok && kept.layout.elements[0]).toEqual(TEXT);
    const unsafe = readLayoutReply(JSON.stringify([{ id: 't', color: 'red; background: url(x)', fill: 'expression(1)' }]), [TEXT], rules);
    expect(unsafe.ok && unsafe.layout.elements[0]).toEqual(TEXT);
  });

  it('keeps the original content when an answer only re-styles it', () => {
    const read = readLayoutReply(JSON.stringify([{ id: 't', left: 20, content: '<p style="color: red">Hello world</p>' }]), [TEXT], rules);
    expect(read.ok && read.layout.elements[0]).toEqual({ ...TEXT, left: 20 });
  });

  it('moves a line by left/top only and keeps it on the slide', () => {
    const read = readLayoutReply(JSON.stringify([{ id: 'l', left: 820, top: 300, width: 500, height: 40 }]), [LINE], rules);
    // 820 + 200 is 20 px off a 1000 px slide: within the tolerance, so moved back; the stroke stays 2.
    expect(read.ok && read.layout.elements[0]).toEqual({ ...LINE, left: 800 });
  });

  it('adds a complete new element with a fresh id and drops an incomplete one', () => {
    const fresh = { ...TEXT, id: 'new', top: 100, content: '<p>Caption</p>' };
    const read = readLayoutReply(JSON.stringify([{ id: 't', left: 20 }, fresh, { id: 'ghost', left: 5, top: 5, width: 5, height: 5 }]), [TEXT], rules);
    expect(read.ok && read.layout.elements.map((e) => e.id)).toEqual(['t', 'new']);
    const taken = readLayoutReply(JSON.stringify([{ id: 't', left: 20 }, fresh]), [TEXT], { ...rules, takenIds: new Set(['t', 'new']) });
    expect(taken.ok && taken.layout.added).toEqual([]);
  });

  it('refuses an answer that names none of the elements', () => {
    const read = readLayoutReply(JSON.stringify([{ id: 'ghost', left: 5 }]), [TEXT], rules);
    expect(read).toMatchObject({ ok: false, error: { code: 'LAYOUT_REPLY_INVALID', field: 'elements' } });
  });
});

describe('restyleRichText', () => {
  it('rewrites sizes it finds and sizes paragraphs that have none', () => {
    expect(restyleRichText('<p><span style="font-size: 18px; color: #000">A</span></p>', { fontSize: 24, color: '#fff' })).toBe('<p><span style="font-size: 24px; color: #fff">A</span></p>');
    expect(restyleRichText('<p>A</p><p style="text-align: center">B</p>', { fontSize: 20 })).toBe('<p style="font-size: 20px">A</p><p style="text-align: center; font-size: 20px">B</p>');
    expect(restyleRichText('plain', { fontSize: 20 })).toBe('<p style="font-size: 20px">plain</p>');
  });
});

describe('tidyLayout', () => {
  it('lines up near left edges on the grid, keeps everything on the slide, and is deterministic', () => {
    const elements: LayoutElement[] = [TEXT, { ...TEXT, id: 'u', left: 17, top: 90 }, { ...TEXT, id: 'v', left: 900, top: 520, width: 300 }, LINE];
    const first = tidyLayout(elements, CANVAS);
    expect(tidyLayout(elements, CANVAS)).toEqual(first);
    const [a, b, c, line] = first.elements;
    expect(a!.left).toBe(b!.left);
    expect(c!.left + c!.width).toBeLessThanOrEqual(CANVAS.width);
    expect(c!.top + Number(c!.height)).toBeLessThanOrEqual(CANVAS.height);
    expect(line).toEqual(LINE);
    expect(a!.content).toBe(TEXT.content);
  });
});
