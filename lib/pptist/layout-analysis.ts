// Deterministic layout checks of PPTist slides (text that overflows its box, elements that cover
// each other's text or leave the canvas, text too small to read or too faint against what is
// behind it) and the fixes a machine can make without judgement: shrink, split, move back.
// Pure functions of the slide: no browser, no randomness, the same findings in the same order for
// the same input. Text is measured with text-fit.ts's wrapping model on the bundled fonts' advance
// widths (font-metrics.ts); a caller may pass other metrics.
import type { DeckOperation } from '../../subgraphs/decks/deck-operations.js';
import type { PptistDocument, PptistElement, PptistElementOf, PptistSlide, PptistTheme } from './document.js';
import { bundledFontMetrics } from './font-metrics.js';
import { textLayoutOf, type TextLayout } from './template-filler.js';
import { DEFAULT_FONT_SIZE, TEXT_PADDING, measureText, plainText, richTextTokens, tagName, type GlyphMetrics } from './text-fit.js';

/** Canvas width the size thresholds below are stated for (PPTist's default slide width). */
const REFERENCE_WIDTH = 1000;
/**
 * Smallest readable text: 12px on a 1000px-wide slide, i.e. 1.2% of the slide width, and scaled
 * with it. That is ~11.5pt on a 13.33in PowerPoint slide, the size presentation guides accept for
 * footnotes and captions only, and ~23px when the slide fills a 1920px screen; anything smaller
 * cannot be read from the back of a room. (PPTist's own filler stops at 10px, which this flags.)
 */
export const MIN_READABLE_PX_AT_1000 = 12;
/** WCAG "large text" is 18pt (24px), or 14pt (18.66px) bold, stated here at the reference width too. */
const LARGE_TEXT_PX_AT_1000 = 24;
const LARGE_BOLD_TEXT_PX_AT_1000 = 18.66;
/** WCAG 2 AA contrast ratios. */
const MIN_CONTRAST = 4.5;
const MIN_CONTRAST_LARGE = 3;
/** An element covering this share of the canvas is a background, behind everything by design. */
const BACKGROUND_COVERAGE = 0.95;
/** Half a pixel, as text-fit's HEIGHT_TOLERANCE: template boxes are sized to exactly n lines. */
const PX_TOLERANCE = 0.5;
/** PPTist's default theme background, for documents that name none. */
const FALLBACK_BACKGROUND = '#ffffff';
/** PPTist sets text inside a shape at line-height 1.2; text-fit reads that through textLayoutOf. */
const FONT_SIZES = /font-size:\s*(\d+(?:\.\d+)?)\s*px/gi;
const TEXT_COLOR = /(?:^|[\s;"'])color:\s*([^;"']+)/i;

export interface LayoutCanvas {
  width: number;
  height: number;
  theme?: PptistTheme;
  /** Advance widths; the bundled Noto Sans / Noto Sans SC metrics when absent. */
  metrics?: GlyphMetrics;
}

export interface Bounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export type LayoutFinding =
  | {
      kind: 'overflow';
      elementId: string;
      /** Height the text needs minus the box height, px. */
      overflowPx: number;
      neededHeight: number;
      boxHeight: number;
      fontSize: number;
      /** Largest factor ≤ 1 in 0.01 steps at which all the text fits; null when none ≥ 0.01 does. */
      fitScale: number | null;
    }
  | {
      kind: 'overlap';
      elementId: string;
      otherId: string;
      /** Intersection of the two elements' painted areas (for text, the area inside the padding), px². */
      area: number;
      /** `area` as a share of the smaller of the two areas, 0…1. */
      share: number;
    }
  | { kind: 'offCanvas'; elementId: string; outside: Bounds; bounds: Bounds }
  | { kind: 'smallText'; elementId: string; fontSize: number; minSize: number }
  | { kind: 'lowContrast'; elementId: string; ratio: number; required: number; color: string; background: string };

export interface SlideAnalysis {
  slideId: string;
  findings: LayoutFinding[];
}

type TextElement = PptistElementOf<'text'>;
type ShapeElement = PptistElementOf<'shape'>;
type TextBearer = TextElement | ShapeElement;

interface TextInfo {
  element: TextBearer;
  layout: TextLayout;
  /** Every font size the rich text names, or the layout's one. */
  sizes: number[];
  bold: boolean;
  metrics: GlyphMetrics;
}

function isTextBearer(element: PptistElement): element is TextBearer {
  return element.type === 'text' || (element.type === 'shape' && element.text !== undefined);
}

function textInfoOf(element: PptistElement, canvas: LayoutCanvas): TextInfo | undefined {
  if (!isTextBearer(element) || (element.type === 'text' && element.vertical)) return undefined;
  const layout = textLayoutOf(element, canvas.theme?.fontName ?? '');
  if (!layout || !plainText(layout.html).trim()) return undefined;
  const sizes = [...layout.html.matchAll(FONT_SIZES)].map((match) => Number(match[1]));
  return { element, layout, sizes: sizes.length > 0 ? sizes : [layout.fontSize], bold: layout.box.bold === true, metrics: canvas.metrics ?? bundledFontMetrics() };
}

function measuredHeight(info: TextInfo, html: string, scale = 1): number {
  return measureText(html, { ...info.layout.box, fontSize: info.layout.fontSize * scale, metrics: info.metrics }).height;
}

function fitsBox(info: TextInfo, html: string, scale: number): boolean {
  return measuredHeight(info, html, scale) <= info.layout.box.height + PX_TOLERANCE;
}

/** Largest scale ≤ 1 in 0.01 steps at which the text fits; a linear scan, since wrapping makes height only roughly monotone in size. */
function fitScaleOf(info: TextInfo, html: string, lowest = 0.01): number | null {
  for (let hundredths = 100; hundredths >= Math.round(lowest * 100); hundredths -= 1) {
    if (fitsBox(info, html, hundredths / 100)) return hundredths / 100;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Geometry.

function area(b: Bounds): number {
  return Math.max(0, b.right - b.left) * Math.max(0, b.bottom - b.top);
}

function intersection(a: Bounds, b: Bounds): Bounds {
  return { left: Math.max(a.left, b.left), top: Math.max(a.top, b.top), right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom) };
}

/** Axis-aligned bounds of a box rotated `rotate` degrees about its centre, as PPTist rotates. */
function rotatedBounds(left: number, top: number, width: number, height: number, rotate: number): Bounds {
  const radians = (rotate * Math.PI) / 180;
  const cos = Math.abs(Math.cos(radians));
  const sin = Math.abs(Math.sin(radians));
  const halfWidth = (width * cos + height * sin) / 2;
  const halfHeight = (width * sin + height * cos) / 2;
  const cx = left + width / 2;
  const cy = top + height / 2;
  return { left: cx - halfWidth, top: cy - halfHeight, right: cx + halfWidth, bottom: cy + halfHeight };
}

/** Where an element is drawn; a text element is as tall as its text when that is taller (PPTist grows text boxes). */
export function elementBounds(element: PptistElement, renderedHeight?: number): Bounds {
  if (element.type === 'line') {
    const xs = [element.start[0], element.end[0]].map((x) => element.left + x);
    const ys = [element.start[1], element.end[1]].map((y) => element.top + y);
    const half = element.width / 2;
    return { left: Math.min(...xs) - half, top: Math.min(...ys) - half, right: Math.max(...xs) + half, bottom: Math.max(...ys) + half };
  }
  return rotatedBounds(element.left, element.top, element.width, renderedHeight ?? element.height, element.rotate);
}

/** The outline of a shape drawn only with straight segments (M/L/H/V/Z), in slide px; undefined for curves and rotated or flipped shapes. */
function polygonOf(shape: ShapeElement): Array<[number, number]> | undefined {
  if (shape.rotate || shape.flipH || shape.flipV || /[^MLHVZmlhvz\d\s.,eE+-]/.test(shape.path)) return undefined;
  const [vw, vh] = shape.viewBox;
  if (!vw || !vh) return undefined;
  const points: Array<[number, number]> = [];
  let x = 0;
  let y = 0;
  for (const [, command, args] of shape.path.matchAll(/([MLHVZmlhvz])([^MLHVZmlhvz]*)/g)) {
    const numbers = (args!.match(/-?\d*\.?\d+(?:e[-+]?\d+)?/gi) ?? []).map(Number);
    const relative = command === command!.toLowerCase();
    const upper = command!.toUpperCase();
    if (upper === 'H' || upper === 'V') {
      for (const n of numbers) {
        if (upper === 'H') x = relative ? x + n : n;
        else y = relative ? y + n : n;
        points.push([x, y]);
      }
    } else if (upper === 'M' || upper === 'L') {
      for (let i = 0; i + 1 < numbers.length; i += 2) {
        x = relative ? x + numbers[i]! : numbers[i]!;
        y = relative ? y + numbers[i + 1]! : numbers[i + 1]!;
        points.push([x, y]);
      }
    }
  }
  return points.length >= 3 ? points.map(([px, py]) => [shape.left + (px * shape.width) / vw, shape.top + (py * shape.height) / vh]) : undefined;
}

function insidePolygon(polygon: ReadonlyArray<[number, number]>, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i, i += 1) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const polygons = new WeakMap<ShapeElement, Array<[number, number]> | null>();

/** Whether an element paints the point: its outline for straight-edged shapes (parallelograms, triangles), its bounds otherwise. */
function paintsAt(element: PptistElement, x: number, y: number): boolean {
  if (element.type === 'shape') {
    if (!polygons.has(element)) polygons.set(element, polygonOf(element) ?? null);
    const polygon = polygons.get(element);
    if (polygon) return insidePolygon(polygon, x, y);
  }
  const b = elementBounds(element);
  return x >= b.left && x <= b.right && y >= b.top && y <= b.bottom;
}

function isBackground(element: PptistElement, canvas: LayoutCanvas): boolean {
  if (element.type === 'image' && element.imageType === 'background') return true;
  if (element.type !== 'image' && element.type !== 'shape') return false;
  const slide: Bounds = { left: 0, top: 0, right: canvas.width, bottom: canvas.height };
  return area(intersection(elementBounds(element), slide)) >= BACKGROUND_COVERAGE * area(slide);
}

// ---------------------------------------------------------------------------------------------
// Colour (WCAG 2 relative luminance and contrast ratio).

interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

const NAMED_COLORS: Record<string, string> = { white: '#ffffff', black: '#000000', red: '#ff0000', green: '#008000', blue: '#0000ff', gray: '#808080', grey: '#808080', yellow: '#ffff00' };

/** `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()` and a few names; undefined for anything else (gradients, `var()`). */
// Contrast is judged on a grid of points behind every text, each point parsing the colours of the
// shapes below it: the same few strings thousands of times a deck. Parsed once each (frozen, as
// they are shared); the bound keeps unusual input from growing the cache without end.
const parsedColors = new Map<string, Rgba | undefined>();
const PARSED_COLORS_MAX = 1024;

export function parseColor(input: string | undefined): Rgba | undefined {
  if (!input) return undefined;
  if (parsedColors.has(input)) return parsedColors.get(input);
  const parsed = parseColorText(input);
  if (parsedColors.size >= PARSED_COLORS_MAX) parsedColors.clear();
  parsedColors.set(input, parsed && Object.freeze(parsed));
  return parsed;
}

function parseColorText(input: string): Rgba | undefined {
  const text = (NAMED_COLORS[input.trim().toLowerCase()] ?? input).trim().toLowerCase();
  if (text === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(text)?.[1];
  if (hex) {
    const full = hex.length <= 4 ? [...hex].map((c) => c + c).join('') : hex;
    const channel = (i: number) => parseInt(full.slice(i * 2, i * 2 + 2), 16);
    return { r: channel(0), g: channel(1), b: channel(2), a: full.length === 8 ? channel(3) / 255 : 1 };
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(text);
  if (!rgb) return undefined;
  const alpha = rgb[4] === undefined ? 1 : rgb[4].endsWith('%') ? parseFloat(rgb[4]) / 100 : Number(rgb[4]);
  return { r: Number(rgb[1]), g: Number(rgb[2]), b: Number(rgb[3]), a: Math.min(1, Math.max(0, alpha)) };
}

function over(top: Rgba, bottom: Rgba): Rgba {
  const mix = (t: number, b: number) => t * top.a + b * (1 - top.a);
  return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: 1 };
}

function luminance({ r, g, b }: Rgba): number {
  const linear = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

export function contrastRatio(a: Rgba, b: Rgba): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

function hexOf({ r, g, b }: Rgba): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** Points sampled on a text's area to find what is behind it: a 5 × 5 grid. */
const BACKDROP_SAMPLES = 5;
/** The elements that paint behind a text (a picture or video makes the backdrop unknown). */
const PAINTING_TYPES: ReadonlySet<string> = new Set(['shape', 'image', 'video']);

/**
 * What is painted at one point behind a text: the text box's own fill, then the filled shapes
 * below it (blended while translucent), then the slide background, then the theme's. 'unknown'
 * when a picture, video, gradient or pattern is there.
 */
function backdropAt(info: TextInfo, elements: readonly PptistElement[], index: number, slide: PptistSlide, canvas: LayoutCanvas, x: number, y: number): Rgba | 'unknown' {
  const layers: Rgba[] = [];
  const opaque = () => layers.length > 0 && layers[layers.length - 1]!.a >= 1;
  const own = info.element.type === 'text' ? info.element.fill : undefined;
  if (own) {
    const fill = parseColor(own);
    if (!fill) return 'unknown';
    if (fill.a > 0) layers.push(fill);
  }
  for (let i = index; i >= 0 && !opaque(); i -= 1) {
    const element = elements[i]!;
    if (i === index && element.type !== 'shape') continue;
    if (!PAINTING_TYPES.has(element.type) || !paintsAt(element, x, y)) continue;
    if (element.type !== 'shape' || element.gradient || element.pattern) return 'unknown';
    const fill = parseColor(element.fill);
    if (!element.fill || !fill) continue;
    const alpha = fill.a * (element.opacity ?? 1);
    if (alpha > 0) layers.push({ ...fill, a: alpha });
  }
  if (!opaque()) {
    const background = slide.background;
    if (background && background.type !== 'solid') return 'unknown';
    const base = parseColor(background?.color ?? canvas.theme?.backgroundColor ?? FALLBACK_BACKGROUND) ?? parseColor(FALLBACK_BACKGROUND)!;
    layers.push({ ...base, a: 1 });
  }
  return layers.reduceRight<Rgba | undefined>((below, layer) => (below ? over(layer, below) : { ...layer, a: 1 }), undefined)!;
}

/**
 * The colour behind most of a text's area (inside the padding), sampled on a grid so that text
 * beside a slanted shape is not judged against the shape's bounding box. Undefined (contrast
 * unknown) when a picture or gradient is behind most of it.
 */
function backdropOf(info: TextInfo, elements: readonly PptistElement[], index: number, slide: PptistSlide, canvas: LayoutCanvas): Rgba | undefined {
  const box = paintedArea(info.element, info, 0)!;
  const votes = new Map<string, { color: Rgba | undefined; count: number }>();
  for (let i = 0; i < BACKDROP_SAMPLES; i += 1) {
    for (let j = 0; j < BACKDROP_SAMPLES; j += 1) {
      const x = box.left + ((i + 0.5) * (box.right - box.left)) / BACKDROP_SAMPLES;
      const y = box.top + ((j + 0.5) * (box.bottom - box.top)) / BACKDROP_SAMPLES;
      const color = backdropAt(info, elements, index, slide, canvas, x, y);
      const key = color === 'unknown' ? color : hexOf(color);
      const vote = votes.get(key) ?? { color: color === 'unknown' ? undefined : color, count: 0 };
      vote.count += 1;
      votes.set(key, vote);
    }
  }
  // Ties go to the first colour met (the grid's order), so the result is deterministic.
  return [...votes.values()].reduce((best, vote) => (vote.count > best.count ? vote : best)).color;
}

function textColorOf(info: TextInfo, canvas: LayoutCanvas): Rgba | undefined {
  const named = TEXT_COLOR.exec(info.layout.html)?.[1]?.trim();
  const fallback = info.element.type === 'text' ? info.element.defaultColor : info.element.text?.defaultColor;
  return parseColor(named || fallback || canvas.theme?.fontColor);
}

// ---------------------------------------------------------------------------------------------
// Analysis.

export function minReadableSize(canvasWidth: number): number {
  return (MIN_READABLE_PX_AT_1000 * canvasWidth) / REFERENCE_WIDTH;
}

function overflowFinding(info: TextInfo): Extract<LayoutFinding, { kind: 'overflow' }> | undefined {
  const neededHeight = measuredHeight(info, info.layout.html);
  const boxHeight = info.layout.box.height;
  if (neededHeight <= boxHeight + PX_TOLERANCE) return undefined;
  return {
    kind: 'overflow',
    elementId: info.element.id,
    overflowPx: neededHeight - boxHeight,
    neededHeight,
    boxHeight,
    fontSize: info.layout.fontSize,
    fitScale: fitScaleOf(info, info.layout.html),
  };
}

/** The area of an element that must stay clear: the text inside a text box's padding, or a picture or text shape whole. */
function paintedArea(element: PptistElement, info: TextInfo | undefined, overflowPx: number): Bounds | undefined {
  if (element.type === 'image') return elementBounds(element);
  if (!info) return undefined;
  if (info.element.type === 'shape') return elementBounds(element);
  const bounds = elementBounds(element, info.element.height + overflowPx);
  const pad = TEXT_PADDING;
  return { left: bounds.left + pad, top: bounds.top + pad, right: bounds.right - pad, bottom: bounds.bottom - pad };
}

export function analyzeSlide(slide: PptistSlide, canvas: LayoutCanvas): SlideAnalysis {
  const elements = slide.elements;
  const infos = elements.map((element) => textInfoOf(element, canvas));
  const backgrounds = elements.map((element) => isBackground(element, canvas));
  const minSize = minReadableSize(canvas.width);
  const largeScale = canvas.width / REFERENCE_WIDTH;
  const perElement: LayoutFinding[][] = elements.map(() => []);
  const overflowOf = new Map<number, number>();

  elements.forEach((element, i) => {
    const info = infos[i];
    const findings = perElement[i]!;
    if (info) {
      const overflow = overflowFinding(info);
      if (overflow) {
        findings.push(overflow);
        if (element.type === 'text') overflowOf.set(i, overflow.overflowPx);
      }
    }
    // Decoration (lines, text-less shapes) bleeds off the edge by design; content must not.
    const content = !backgrounds[i] && element.type !== 'line' && (element.type !== 'shape' || info !== undefined);
    if (content) {
      const bounds = elementBounds(element, element.height + (overflowOf.get(i) ?? 0));
      const outside = {
        left: Math.max(0, -bounds.left),
        top: Math.max(0, -bounds.top),
        right: Math.max(0, bounds.right - canvas.width),
        bottom: Math.max(0, bounds.bottom - canvas.height),
      };
      if (Object.values(outside).some((px) => px > PX_TOLERANCE)) findings.push({ kind: 'offCanvas', elementId: element.id, outside, bounds });
    }
    if (info) {
      const smallest = Math.min(...info.sizes);
      if (smallest < minSize - 1e-9) findings.push({ kind: 'smallText', elementId: element.id, fontSize: smallest, minSize });
      const color = textColorOf(info, canvas);
      const backdrop = color && backdropOf(info, elements, i, slide, canvas);
      if (color && backdrop) {
        const shown = color.a < 1 ? over(color, backdrop) : color;
        const ratio = contrastRatio(shown, backdrop);
        const large = smallest >= LARGE_TEXT_PX_AT_1000 * largeScale || (info.bold && smallest >= LARGE_BOLD_TEXT_PX_AT_1000 * largeScale);
        const required = large ? MIN_CONTRAST_LARGE : MIN_CONTRAST;
        if (ratio < required) findings.push({ kind: 'lowContrast', elementId: element.id, ratio, required, color: hexOf(shown), background: hexOf(backdrop) });
      }
    }
  });

  // Pairs with text on at least one side; the other side is text or a picture.
  const painted = elements.map((element, i) => (backgrounds[i] ? undefined : paintedArea(element, infos[i], overflowOf.get(i) ?? 0)));
  for (let i = 0; i < elements.length; i += 1) {
    for (let j = i + 1; j < elements.length; j += 1) {
      const [a, b] = [painted[i], painted[j]];
      if (!a || !b || (!infos[i] && !infos[j])) continue;
      const shared = area(intersection(a, b));
      if (shared <= 0) continue;
      const share = shared / Math.min(area(a), area(b));
      perElement[i]!.push({ kind: 'overlap', elementId: elements[i]!.id, otherId: elements[j]!.id, area: shared, share });
    }
  }
  return { slideId: slide.id, findings: perElement.flat() };
}

export function analyzeDeck(document: PptistDocument, metrics?: GlyphMetrics): SlideAnalysis[] {
  const canvas: LayoutCanvas = { width: document.width, height: document.height, theme: document.theme, ...(metrics ? { metrics } : {}) };
  return document.slides.map((slide) => analyzeSlide(slide, canvas));
}

// ---------------------------------------------------------------------------------------------
// Fixes.

export interface FixOptions extends LayoutCanvas {
  newId: () => string;
}

export interface LayoutChange {
  kind: 'shrink' | 'split' | 'move';
  elementId: string;
  description: string;
}

export interface LayoutFix {
  operations: DeckOperation[];
  changes: LayoutChange[];
  /** One line per change, for people and for the AI's report. */
  summary: string;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
/** Down to 0.01, ignoring float noise (20 × 0.72 is 14.399999…). */
const floor2 = (n: number) => Math.floor(n * 100 + 1e-6) / 100;

/** Every font size in the rich text times `scale` (rounded down to 0.01px, so a fitting size stays fitting); text naming none gets the scaled default on each paragraph. */
export function scaleFontSizes(html: string, scale: number): string {
  const sized = (px: number) => `font-size: ${floor2(px * scale)}px`;
  if (FONT_SIZES.test(html)) return html.replace(FONT_SIZES, (_, px: string) => sized(Number(px)));
  const declaration = sized(DEFAULT_FONT_SIZE);
  const withSize = html.replace(/<(p|li)(\s[^>]*)?>/gi, (tag: string, name: string, attributes = '') => {
    const style = /\sstyle\s*=\s*"([^"]*)"/i.exec(attributes);
    if (!style) return `<${name}${attributes} style="${declaration};">`;
    const existing = style[1]!.trim().replace(/;$/, '');
    return tag.replace(style[0], ` style="${existing ? `${existing}; ` : ''}${declaration};"`);
  });
  return withSize === html ? `<p style="${declaration};">${html}</p>` : withSize;
}

/** A top-level paragraph, or one list item with the list it belongs to. */
interface Block {
  html: string;
  list?: { open: string; index: number };
}

/** Rich text cut into its paragraphs and list items, in order. */
export function blocksOf(html: string): Block[] {
  const blocks: Block[] = [];
  const stack: string[] = [];
  let list: { open: string; count: number } | undefined;
  let current: { tokens: string[]; depth: number; list?: Block['list'] } | undefined;
  for (const token of richTextTokens(html)) {
    const name = tagName(token);
    const isTag = token.startsWith('<');
    const opening = isTag && !token.startsWith('</') && !token.endsWith('/>') && name !== 'br' && name !== 'img' && name !== 'hr';
    const closing = isTag && token.startsWith('</');
    if (!current && opening && stack.length === 0 && (name === 'ul' || name === 'ol')) {
      list = { open: token, count: 0 };
      stack.push(name);
      continue;
    }
    if (!current && closing && stack.length === 1 && list) {
      stack.pop();
      list = undefined;
      continue;
    }
    if (!current && (stack.length === 0 || (list && stack.length === 1))) {
      if (!isTag && !token.trim()) continue;
      current = { tokens: [], depth: stack.length, ...(list ? { list: { open: list.open, index: list.count++ } } : {}) };
    }
    if (current) current.tokens.push(token);
    if (opening) stack.push(name);
    if (closing) stack.pop();
    if (current && stack.length <= current.depth) {
      blocks.push({ html: current.tokens.join(''), ...(current.list ? { list: current.list } : {}) });
      current = undefined;
    }
  }
  if (current) blocks.push({ html: current.tokens.join(''), ...(current.list ? { list: current.list } : {}) });
  return blocks;
}

/** Blocks back into rich text: neighbouring items of one list share its tag; an ordered list continues its numbering. */
export function joinBlocks(blocks: readonly Block[]): string {
  let html = '';
  for (let i = 0; i < blocks.length; i += 1) {
    const block = blocks[i]!;
    const previous = blocks[i - 1];
    const list = block.list;
    const continuesList = list && previous?.list?.open === list.open && previous.list.index === list.index - 1;
    if (list && !continuesList) {
      const open = tagName(list.open) === 'ol' && list.index > 0 && !/\sstart=/i.test(list.open) ? list.open.replace(/>$/, ` start="${list.index + 1}">`) : list.open;
      html += open;
    }
    html += block.html;
    const next = blocks[i + 1];
    if (list && !(next?.list?.open === list.open && next.list.index === list.index + 1)) html += `</${tagName(list.open)}>`;
  }
  return html;
}

function withContent(element: TextBearer, content: string): Record<string, unknown> {
  return element.type === 'text' ? { content } : { text: { ...element.text!, content } };
}

function applyProps(element: PptistElement, props: Record<string, unknown>): PptistElement {
  return { ...element, ...props } as PptistElement;
}

/** Markers of text that belongs on every part of a split slide. */
const REPEATED_TEXT = new Set(['title', 'header', 'footer']);

function markerOf(element: PptistElement): string | undefined {
  if (element.type === 'text') return element.textType;
  if (element.type === 'shape') return element.text?.type;
  return undefined;
}

/**
 * A continuation slide: the slide's decoration and repeated text (title, header, footer) with the
 * split element holding `content`; other text stays on the first part, so nothing shows twice.
 * Fresh ids everywhere, groups renamed consistently; comments, notes and section tags stay behind.
 */
function continuationSlide(slide: PptistSlide, elements: readonly PptistElement[], split: TextBearer, content: string, newId: () => string): PptistSlide {
  const ids = new Map<string, string>();
  const groups = new Map<string, string>();
  const renamed = (names: Map<string, string>, old: string) => names.get(old) ?? names.set(old, newId()).get(old)!;
  const kept = elements.filter((element) => element.id === split.id || !isTextBearer(element) || REPEATED_TEXT.has(markerOf(element) ?? ''));
  const copies = kept.map((element) => {
    const base = element.id === split.id ? applyProps(element, withContent(split, content)) : element;
    const copy = { ...structuredClone(base), id: renamed(ids, element.id) } as PptistElement;
    if (copy.groupId) copy.groupId = renamed(groups, copy.groupId);
    return copy;
  });
  const { notes: _notes, remark: _remark, sectionTag: _sectionTag, animations, ...rest } = structuredClone(slide);
  const keptAnimations = animations?.filter((animation) => ids.has(animation.elId)).map((animation) => ({ ...animation, id: newId(), elId: ids.get(animation.elId)! }));
  return { ...rest, id: newId(), elements: copies, ...(keptAnimations ? { animations: keptAnimations } : {}) };
}

/** Blocks in pages that each fit the box at `scale`, greedily; a block too tall on its own still gets a page. */
function pagesOf(info: TextInfo, blocks: readonly Block[], scale: number): Block[][] {
  const pages: Block[][] = [];
  let page: Block[] = [];
  for (const block of blocks) {
    if (page.length > 0 && !fitsBox(info, joinBlocks([...page, block]), scale)) {
      pages.push(page);
      page = [];
    }
    page.push(block);
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

function describeMove(dx: number, dy: number): string {
  const parts = [dx ? `${Math.abs(round2(dx))}px ${dx > 0 ? 'right' : 'left'}` : '', dy ? `${Math.abs(round2(dy))}px ${dy > 0 ? 'down' : 'up'}` : ''];
  return parts.filter(Boolean).join(' and ');
}

/** How far to shift bounds along one axis to bring them inside 0…size; centred when they are larger than the canvas. */
function shiftInside(start: number, end: number, size: number): number {
  if (end - start > size) return (size - (end - start)) / 2 - start;
  if (start < 0) return -start;
  if (end > size) return size - end;
  return 0;
}

/**
 * Deck operations that fix what a machine can fix without judgement, in this order: off-canvas
 * elements move back inside (locked ones stay); overflowing text shrinks (every font size in its rich text scaled
 * by the finding's fit factor, never below the minimum readable size); text that still
 * overflows at that size keeps the paragraphs / list items that fit, and the rest goes to new
 * slides inserted after this one (one per box-full). Overlaps, small text and contrast are left
 * to people: their fixes are design choices.
 */
export function fixSlideLayout(slide: PptistSlide, findings: readonly LayoutFinding[], options: FixOptions): LayoutFix {
  const operations: DeckOperation[] = [];
  const changes: LayoutChange[] = [];
  const elements = new Map(slide.elements.map((element) => [element.id, element] as const));
  const update = (element: PptistElement, props: Record<string, unknown>) => {
    operations.push({ type: 'UPDATE_ELEMENT', slideId: slide.id, elementId: element.id, props });
    elements.set(element.id, applyProps(element, props));
  };

  for (const finding of findings) {
    if (finding.kind !== 'offCanvas') continue;
    const element = elements.get(finding.elementId);
    // A locked element is placed by the template's designer (pictures bleeding off the edge).
    if (!element || element.lock) continue;
    const dx = shiftInside(finding.bounds.left, finding.bounds.right, options.width);
    const dy = shiftInside(finding.bounds.top, finding.bounds.bottom, options.height);
    if (!dx && !dy) continue;
    update(element, { left: round2(element.left + dx), top: round2(element.top + dy) });
    changes.push({ kind: 'move', elementId: element.id, description: `moved ${element.id} ${describeMove(dx, dy)} onto the slide` });
  }

  const minSize = minReadableSize(options.width);
  let afterSlideId = slide.id;
  let splitDone = false;
  for (const finding of findings) {
    if (finding.kind !== 'overflow') continue;
    const element = elements.get(finding.elementId);
    const info = element && textInfoOf(element, options);
    if (!info) continue;
    const smallest = Math.min(...info.sizes);
    const lowest = Math.min(1, minSize / smallest);
    const scale = finding.fitScale !== null && finding.fitScale >= lowest ? finding.fitScale : lowest;
    const html = scale < 1 ? scaleFontSizes(info.layout.html, scale) : info.layout.html;
    const sized = `${round2(info.layout.fontSize)}px to ${floor2(info.layout.fontSize * scale)}px`;
    // Measure the rewritten text at its own (already scaled) size from here on.
    const scaled: TextInfo = { ...info, layout: { ...info.layout, html, fontSize: info.layout.fontSize * scale } };
    if (fitsBox(scaled, html, 1) || splitDone) {
      if (scale < 1) {
        update(info.element, withContent(info.element, html));
        const still = fitsBox(scaled, html, 1) ? '' : ' (still overflows: at the minimum readable size, and this slide is already split)';
        changes.push({ kind: 'shrink', elementId: element.id, description: `shrank the text of ${element.id} from ${sized}${still}` });
      }
      continue;
    }
    const pages = pagesOf(scaled, blocksOf(html), 1);
    if (pages.length < 2) {
      if (scale < 1) update(info.element, withContent(info.element, html));
      changes.push({ kind: 'shrink', elementId: element.id, description: `shrank the text of ${element.id} from ${sized}; a single paragraph still overflows and cannot be split` });
      continue;
    }
    splitDone = true;
    update(info.element, withContent(info.element, joinBlocks(pages[0]!)));
    for (const page of pages.slice(1)) {
      const next = continuationSlide(slide, [...elements.values()], info.element, joinBlocks(page), options.newId);
      operations.push({ type: 'INSERT_SLIDE', slide: next, afterSlideId });
      afterSlideId = next.id;
    }
    const counts = pages.map((page) => page.length).join(' + ');
    changes.push({
      kind: 'split',
      elementId: element.id,
      description: `${scale < 1 ? `shrank the text of ${element.id} from ${sized} and ` : ''}split its ${pages.flat().length} paragraphs/items over ${pages.length} slides (${counts})`,
    });
  }
  return { operations, changes, summary: changes.map((change) => change.description).join('\n') };
}
