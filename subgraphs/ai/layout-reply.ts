// The model's layout answer, read and checked before anything uses it. All or nothing: the answer
// is repaired where the repair cannot surprise anyone, otherwise refused as a whole with
// LAYOUT_REPLY_INVALID (the `field` names the offending part of the reply), never half-applied.
//
// The rules (REST-COMPAT.md "Layout optimisation" is what the client relies on):
// - Format: a JSON object {description?, elements: [...]} or a bare array of entries, anywhere in
//   the text (code fences and chatter around it are ignored). No JSON at all: refused.
// - Ids: every element sent to the model must come back under its id (an answer that drops one
//   has usually renamed or merged it): a lost id is refused. The contract's "left-out elements stay"
//   is about our response to the client, which may omit nothing we changed. An entry with an
//   unknown id is a new element only when it is a complete, valid PPTist element with an id not
//   used on the slide; anything else under an unknown id is dropped. Two entries for one id or an
//   entry without an id: refused.
// - Text never changes: the answer carries geometry and style, not text. An entry that carries
//   text anyway (`content`, `text`) is compared as plain text with the original: different words
//   are refused; the same words (only re-styled HTML) are ignored and the original content kept.
// - Null: a null position or size is refused (the model lost the value); a null style field
//   reads as "unchanged". Nothing we return ever holds a null.
// - Sizes are positive numbers ("120px" reads as 120); zero, negative or non-numeric: refused.
// - The canvas: a moved or resized element must lie on the slide. Off by at most 5% of the slide's
//   side (rounding, a border's width) it is clamped back on; further off: refused. An element the
//   answer does not move is not checked (a deliberate bleed stays).
// - Styles: fontSize (text only) is clamped to 6..200 px; colours must be #hex, rgb(a) or hsl(a)
//   and font names plain text (anything else is dropped: it would be written into style
//   attributes); keep_colors / keep_fonts make the optimiser ignore colours / font families.
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { parseElement } from '../../lib/pptist/document.js';
import { plainText, richTextTokens, tagName } from '../../lib/pptist/text-fit.js';
import { type Canvas, elementRichText, type LayoutElement } from './layout-prompt.js';

export interface ReplyRules {
  canvas: Canvas;
  keepColors: boolean;
  keepFonts: boolean;
  /** Ids a new element must not take (the whole slide's, locked elements included). */
  takenIds?: ReadonlySet<string>;
}

export interface AcceptedLayout {
  /** The input elements in their order, changed where the answer said so, then the new ones. */
  elements: LayoutElement[];
  added: LayoutElement[];
  description: string;
  /** What was repaired or dropped, for the description and the logs. */
  repairs: string[];
}

export type ReplyResult = { ok: true; layout: AcceptedLayout } | { ok: false; error: UserErrorShape };

/** How far off the slide an edge may be before it is an error rather than rounding. */
const CANVAS_TOLERANCE = 0.05;
const FONT_SIZE_RANGE = [6, 200] as const;
const MAX_DESCRIPTION_CHARS = 500;
const COLOUR = /^(#[0-9a-f]{3,8}|rgba?\(\s*[\d.%\s,/]+\)|hsla?\(\s*[\d.%\s,/deg]+\))$/i;
const FONT_NAME = /^[^;:{}<>"\\]{1,100}$/;
const GEOMETRY = ['left', 'top', 'width', 'height'] as const;

class Refusal extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export function layoutReplyInvalid(message: string, field: string | null = 'reply'): UserErrorShape {
  return { code: 'LAYOUT_REPLY_INVALID', message: `The model's layout was refused: ${message}`, field };
}

/** Reads the answer against the elements it was asked about. */
export function readLayoutReply(reply: string, elements: readonly LayoutElement[], rules: ReplyRules): ReplyResult {
  try {
    return { ok: true, layout: new ReplyReader(elements, rules).read(reply) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, error: layoutReplyInvalid(error.message, error.field) };
    throw error;
  }
}

class ReplyReader {
  private readonly byId: Map<string, LayoutElement>;
  private readonly repairs: string[] = [];

  constructor(
    private readonly elements: readonly LayoutElement[],
    private readonly rules: ReplyRules,
  ) {
    this.byId = new Map(elements.map((e) => [e.id, e]));
  }

  read(reply: string): AcceptedLayout {
    const json = extractJson(reply);
    if (json === undefined) throw new Refusal('the answer holds no JSON layout', 'reply');
    const { entries, description } = entriesOf(json);
    const seen = new Set<string>();
    const changed = new Map<string, LayoutElement>();
    const added: LayoutElement[] = [];
    entries.forEach((entry, index) => {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new Refusal(`entry ${index} is not an object`, `elements.${index}`);
      const item = entry as Record<string, unknown>;
      if (typeof item.id !== 'string' || item.id === '') throw new Refusal(`entry ${index} has no id`, `elements.${index}.id`);
      if (seen.has(item.id)) throw new Refusal(`element ${item.id} appears twice`, `elements.${item.id}`);
      seen.add(item.id);
      const original = this.byId.get(item.id);
      if (original) changed.set(item.id, this.change(original, item));
      else {
        const fresh = this.newElement(item);
        if (fresh) added.push(fresh);
      }
    });
    if (entries.length > 0 && changed.size === 0 && added.length === 0) throw new Refusal("the answer names none of the slide's elements", 'elements');
    // Every element sent must come back: a model that drops one has usually renamed or merged it.
    const lost = this.elements.find((e) => !seen.has(e.id));
    if (entries.length > 0 && lost) throw new Refusal(`the answer lost element ${lost.id}`, `elements.${lost.id}`);
    return {
      elements: [...this.elements.map((e) => changed.get(e.id) ?? e), ...added],
      added,
      description: description.slice(0, MAX_DESCRIPTION_CHARS),
      repairs: this.repairs,
    };
  }

  /** The original with the entry's geometry and styles; throws a Refusal on a rule broken beyond repair. */
  private change(original: LayoutElement, item: Record<string, unknown>): LayoutElement {
    const at = (prop: string) => `elements.${original.id}.${prop}`;
    this.checkText(original, item);
    const next = structuredClone(original) as LayoutElement;
    const isLine = original.type === 'line';
    for (const prop of isLine ? (['left', 'top'] as const) : GEOMETRY) {
      if (!(prop in item)) continue;
      const value = item[prop];
      if (value === null) throw new Refusal(`${prop} of element ${original.id} is null`, at(prop));
      const number = numberOf(value);
      if (number === undefined) throw new Refusal(`${prop} of element ${original.id} is not a number`, at(prop));
      if ((prop === 'width' || prop === 'height') && number <= 0) throw new Refusal(`${prop} of element ${original.id} is not positive`, at(prop));
      next[prop] = round(number);
    }
    if (item.rotate !== undefined && item.rotate !== null && !isLine) {
      const rotate = numberOf(item.rotate);
      if (rotate === undefined) throw new Refusal(`rotate of element ${original.id} is not a number`, at('rotate'));
      next.rotate = round(Math.abs(rotate) >= 360 ? rotate % 360 : rotate);
    }
    this.keepOnCanvas(original, next);
    this.restyle(original, next, item);
    return next;
  }

  private checkText(original: LayoutElement, item: Record<string, unknown>): void {
    const sent = typeof item.content === 'string' ? item.content : typeof item.text === 'string' ? item.text : (item.text as { content?: unknown } | undefined)?.content;
    if (sent === undefined || sent === null) return;
    const before = elementRichText(original);
    const same = typeof sent === 'string' && before !== undefined && normalisedWords(sent) === normalisedWords(before);
    if (!same) throw new Refusal(`the text of element ${original.id} changed`, `elements.${original.id}.content`);
    this.repairs.push(`kept the original rich text of ${original.id}`);
  }

  private keepOnCanvas(original: LayoutElement, next: LayoutElement): void {
    const box = boxOf(next);
    if (sameBox(box, boxOf(original))) return;
    const { canvas } = this.rules;
    for (const [start, size, side, axis] of [
      ['left', 'width', canvas.width, 'x'],
      ['top', 'height', canvas.height, 'y'],
    ] as const) {
      const from = axis === 'x' ? box.x : box.y;
      const length = axis === 'x' ? box.width : box.height;
      const overshoot = Math.max(0, -from, from + length - side);
      if (overshoot === 0) continue;
      if (overshoot > side * CANVAS_TOLERANCE) throw new Refusal(`element ${original.id} lies ${round(overshoot)} px off the slide`, `elements.${original.id}.${start}`);
      // Within tolerance: shrink to the slide if larger, then slide it back on.
      if (next.type !== 'line' && length > side) next[size] = round(side);
      const fitted = Math.min(length, side);
      const shift = Math.min(Math.max(from, 0), side - fitted) - from;
      next[start] = round(Number(next[start]) + shift);
      this.repairs.push(`moved ${original.id} back onto the slide`);
    }
  }

  private restyle(original: LayoutElement, next: LayoutElement, item: Record<string, unknown>): void {
    const html = elementRichText(original);
    const style: TextRestyle = {};
    if (html !== undefined && item.fontSize !== undefined && item.fontSize !== null) {
      const size = numberOf(item.fontSize);
      if (size !== undefined && size > 0) style.fontSize = round(Math.min(Math.max(size, FONT_SIZE_RANGE[0]), FONT_SIZE_RANGE[1]));
      else this.repairs.push(`ignored the font size of ${original.id}`);
    }
    if (!this.rules.keepColors) {
      const color = this.colour(item.color, original.id);
      if (color && html !== undefined) style.color = color;
      const fill = this.colour(item.fill, original.id);
      if (fill && (original.type === 'text' || original.type === 'shape')) next.fill = fill;
    }
    if (!this.rules.keepFonts && html !== undefined && typeof item.fontName === 'string') {
      if (FONT_NAME.test(item.fontName.trim())) style.fontName = item.fontName.trim();
      else this.repairs.push(`ignored the font name of ${original.id}`);
    }
    if (html === undefined || Object.keys(style).length === 0) return;
    const content = restyleRichText(html, style);
    // Restyling touches tags only; should it ever change the words, the styles are dropped instead.
    if (normalisedWords(content) !== normalisedWords(html)) {
      this.repairs.push(`kept the text style of ${original.id}`);
      return;
    }
    const holder = next.type === 'shape' ? (next.text as Record<string, unknown>) : next;
    if (next.type === 'shape') holder.content = content;
    else next.content = content;
    if (style.color) holder.defaultColor = style.color;
    if (style.fontName) holder.defaultFontName = style.fontName;
  }

  private colour(value: unknown, id: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' && COLOUR.test(value.trim())) return value.trim();
    this.repairs.push(`ignored a colour of ${id}`);
    return undefined;
  }

  private newElement(item: Record<string, unknown>): LayoutElement | null {
    const id = item.id as string;
    if (this.rules.takenIds?.has(id)) {
      this.repairs.push(`dropped ${id}: the id is taken`);
      return null;
    }
    const parsed = parseElement(item, `elements.${id}`);
    if (!parsed.ok) {
      this.repairs.push(`dropped ${id}: not an element of this slide nor a complete new one`);
      return null;
    }
    const element = parsed.element as unknown as LayoutElement;
    if (elementRichText(element) !== undefined && !normalisedWords(elementRichText(element)!)) {
      this.repairs.push(`dropped ${id}: an empty text box`);
      return null;
    }
    const box = boxOf(element);
    const { canvas } = this.rules;
    if (box.x < 0 || box.y < 0 || box.x + box.width > canvas.width || box.y + box.height > canvas.height || box.width <= 0 || (element.type !== 'line' && box.height <= 0)) {
      throw new Refusal(`new element ${id} is not on the slide`, `elements.${id}`);
    }
    return element;
  }
}

// ------------------------------------------------------------------------------------- parsing

/** The first JSON object or array in the text: a fenced block first, then the whole text, then any balanced `{…}` / `[…]`. */
export function extractJson(text: string): unknown {
  const candidates: string[] = [];
  for (const fence of text.matchAll(/```[a-zA-Z]*\s*\n?([\s\S]*?)```/g)) candidates.push(fence[1]!);
  candidates.push(text);
  for (const candidate of candidates) {
    const whole = tryParse(candidate.trim());
    if (whole !== undefined && typeof whole === 'object' && whole !== null) return whole;
    for (let start = 0; start < candidate.length; start++) {
      const char = candidate[start];
      if (char !== '{' && char !== '[') continue;
      const end = balancedEnd(candidate, start);
      if (end < 0) continue;
      const value = tryParse(candidate.slice(start, end + 1));
      if (value !== undefined && typeof value === 'object' && value !== null && isLayoutShaped(value)) return value;
    }
  }
  return undefined;
}

function isLayoutShaped(value: object): boolean {
  if (Array.isArray(value)) return value.length === 0 || value.some((v) => v && typeof v === 'object' && 'id' in v);
  return Array.isArray((value as { elements?: unknown }).elements);
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Index of the bracket closing the one at `start` (strings respected), or -1. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function entriesOf(json: unknown): { entries: unknown[]; description: string } {
  if (Array.isArray(json)) return { entries: json, description: '' };
  const object = json as { elements?: unknown; description?: unknown };
  if (!Array.isArray(object.elements)) throw new Refusal('the answer has no "elements" list', 'elements');
  return { entries: object.elements, description: typeof object.description === 'string' ? object.description.trim() : '' };
}

/** A number, also when written "120px" or "120". */
function numberOf(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?[\d.]+\s*(px)?\s*$/i.test(value) ? Number.parseFloat(value) : NaN;
  return Number.isFinite(number) ? number : undefined;
}

const round = (n: number) => Math.round(n * 100) / 100;
const normalisedWords = (html: string) => plainText(html).replace(/\s+/g, ' ').trim();

// ------------------------------------------------------------------------------------ geometry

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The area an element covers, unrotated; a line's is the box its two points span. */
export function boxOf(element: LayoutElement): Box {
  if (element.type === 'line') {
    const start = (element.start as [number, number] | undefined) ?? [0, 0];
    const end = (element.end as [number, number] | undefined) ?? [0, 0];
    const minX = Math.min(start[0], end[0]);
    const minY = Math.min(start[1], end[1]);
    return { x: element.left + minX, y: element.top + minY, width: Math.abs(end[0] - start[0]), height: Math.abs(end[1] - start[1]) };
  }
  return { x: element.left, y: element.top, width: element.width, height: Number(element.height ?? 0) };
}

const sameBox = (a: Box, b: Box) => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

// ----------------------------------------------------------------------------------- rich text

export interface TextRestyle {
  fontSize?: number;
  color?: string;
  fontName?: string;
}

const BLOCK_TAGS = new Set(['p', 'li']);

/**
 * Sets font size, colour and family in a rich text's style attributes; never touches its words.
 * Runs without a size of their own get one on their paragraph; colour and family fall back to the
 * element's defaultColor / defaultFontName, which the caller sets.
 */
export function restyleRichText(html: string, style: TextRestyle): string {
  let sized = false;
  const rewrite = (css: string) =>
    css
      .split(';')
      .map((declaration) => {
        const name = declaration.split(':')[0]?.trim().toLowerCase();
        if (name === 'font-size' && style.fontSize !== undefined) {
          sized = true;
          return ` font-size: ${style.fontSize}px`;
        }
        if (name === 'color' && style.color) return ` color: ${style.color}`;
        if (name === 'font-family' && style.fontName) return ` font-family: ${style.fontName}`;
        return declaration;
      })
      .join(';')
      .trim();
  const tokens = richTextTokens(html).map((token) => (token.startsWith('<') && !token.startsWith('</') ? token.replace(/style\s*=\s*"([^"]*)"/i, (_m, css: string) => `style="${rewrite(css)}"`) : token));
  if (style.fontSize === undefined || sized) return tokens.join('');
  const size = `font-size: ${style.fontSize}px`;
  let blocks = 0;
  const withSize = tokens.map((token) => {
    if (!token.startsWith('<') || token.startsWith('</') || !BLOCK_TAGS.has(tagName(token))) return token;
    blocks++;
    return /style\s*=\s*"/i.test(token) ? token.replace(/style\s*=\s*"([^"]*)"/i, (_m, css: string) => `style="${css.trim() ? `${css.trim().replace(/;$/, '')}; ` : ''}${size}"`) : token.replace(/^<(\w+)/, `<$1 style="${size}"`);
  });
  return blocks > 0 ? withSize.join('') : `<p style="${size}">${tokens.join('')}</p>`;
}
