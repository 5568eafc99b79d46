// How much room a piece of text takes in a PPTist text box, estimated without a browser: the
// template filler shrinks AI text until it fits a template's box, and tests check that it did.
// Widths come from per-character advance tables, not from real fonts, so the estimate is good to
// a few percent for Latin text in common sans fonts and exact for CJK (every ideograph is 1 em).
// Known gaps, all small next to that error: no kerning, no CJK line-start punctuation rules
// (kinsoku), no list-bullet indent, and a <br> counts as a paragraph break.
// A caller with real fonts passes `metrics` (font-metrics.ts reads them from bundled font files):
// the same wrapping then runs on the fonts' advance widths, and these tables only stand in for
// characters the fonts lack.

/** PPTist's text boxes have a 10px inset on every side (`.ProseMirror` padding), so text wraps at width − 20 and needs height + 20. */
export const TEXT_PADDING = 10;
/** PPTist's line-height for text elements without `lineHeight`. */
export const DEFAULT_LINE_HEIGHT = 1.5;
/** PPTist's gap between paragraphs (`--paragraphSpace`) for elements without `paragraphSpace`. */
export const DEFAULT_PARAGRAPH_SPACE = 5;
/** The size PPTist gives rich text that names none (it writes `font-size: 16px` onto the paragraph). */
export const DEFAULT_FONT_SIZE = 16;

/** Advance widths from real fonts: em per code point, or undefined when no font has the character. */
export interface GlyphMetrics {
  advance(codePoint: number, bold: boolean): number | undefined;
}

export interface TextStyle {
  fontSize: number;
  fontFamily?: string;
  bold?: boolean;
  /** A multiple of the font size, as CSS `line-height` (PPTist's `lineHeight`). */
  lineHeight?: number;
  /** Pixels between paragraphs (PPTist's `paragraphSpace`). */
  paragraphSpace?: number;
  /** Pixels added after every character (PPTist's `wordSpace`, which it applies as CSS `letter-spacing`). */
  letterSpacing?: number;
  /** Where advance widths come from; the built-in Helvetica/CJK tables when absent. */
  metrics?: GlyphMetrics;
}

export interface MeasureOptions extends TextStyle {
  /** The box width, padding included. */
  width: number;
}

export interface TextMetrics {
  lines: number;
  /** The box height the text needs, padding included: what PPTist auto-sizes a text element to. */
  height: number;
  /** Width in px of the longest line, padding excluded. */
  widestLine: number;
}

/** A text box (width and height padding included) and the style of the text set in it. */
export type TextBox = Omit<TextStyle, 'fontSize'> & { width: number; height: number };

export interface FitOptions {
  startSize: number;
  minSize: number;
  maxLines: number;
}

export interface Paragraph {
  text: string;
  bold: boolean;
}

// Advance widths of printable ASCII (space … tilde) in thousandths of an em, from the public
// Helvetica AFM that Arial's metrics are compatible with. The in-between glyph classes are what
// make a per-character table worth having: "illi" is a third the width of "mmmm".
const ASCII_ADVANCE = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, //  !"#$%&'()*+,-./
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0-9 :;<=>?
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @A-O
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P-Z [\]^_
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `a-o
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p-z {|}~
];

/** Scripts with no table of their own: 0.6 em is a little over the Latin average, erring towards a smaller font rather than overflow. */
const OTHER_SCRIPT_ADVANCE = 0.6;
/** Bold faces of Arial/Helvetica run about 5% wider than the regular face over running text (CJK glyphs stay 1 em). */
const BOLD_FACTOR = 1.05;

// Average Latin advance of a few common families relative to Arial, rounded and erring wide; CJK
// glyphs come from the CJK fallback font whatever the family, so they are not scaled.
const FAMILY_WIDTH_FACTORS: ReadonlyArray<[RegExp, number]> = [
  [/verdana/i, 1.15],
  [/georgia/i, 1.1],
  [/times|^\s*serif\s*$/i, 0.92],
];
/** Monospaced Latin families put every character on a 0.6 em grid (Courier's advance). */
const MONOSPACE_FAMILY = /courier|mono|consolas|menlo/i;
const MONOSPACE_ADVANCE = 0.6;

/** Ideographs, kana, hangul and full-width forms: 1 em in every CJK font, and a line may break between any two. */
function isFullWidth(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) || // hangul jamo (leading consonants)
    (code >= 0x2e80 && code <= 0x303f) || // CJK radicals, ideographic description, CJK symbols and punctuation
    (code >= 0x3040 && code <= 0x33ff) || // hiragana, katakana, bopomofo, hangul compatibility jamo, enclosed CJK
    (code >= 0x3400 && code <= 0x4dbf) || // CJK extension A
    (code >= 0x4e00 && code <= 0x9fff) || // CJK unified ideographs
    (code >= 0xa960 && code <= 0xa97f) || // hangul jamo extended A
    (code >= 0xac00 && code <= 0xd7af) || // hangul syllables
    (code >= 0xf900 && code <= 0xfaff) || // CJK compatibility ideographs
    (code >= 0xfe30 && code <= 0xfe4f) || // CJK compatibility forms
    (code >= 0xff01 && code <= 0xff60) || // full-width ASCII and punctuation
    (code >= 0xffe0 && code <= 0xffe6) || // full-width signs
    (code >= 0x1f300 && code <= 0x1faff) || // emoji render as square 1 em glyphs
    (code >= 0x20000 && code <= 0x3ffff) // CJK extensions B onwards
  );
}

/** Half-width katakana and hangul forms sit on a 0.5 em grid. */
function isHalfWidthForm(code: number): boolean {
  return (code >= 0xff61 && code <= 0xffdc) || (code >= 0xffe8 && code <= 0xffee);
}

/** Combining marks, zero-width spaces/joiners and variation selectors take no room of their own. */
function isZeroWidth(code: number): boolean {
  return (code >= 0x0300 && code <= 0x036f) || (code >= 0x200b && code <= 0x200f) || (code >= 0xfe00 && code <= 0xfe0f);
}

function asciiAdvance(code: number): number | undefined {
  const thousandths = code >= 32 && code <= 126 ? ASCII_ADVANCE[code - 32] : undefined;
  return thousandths === undefined ? undefined : thousandths / 1000;
}

/** Advance of one character in em at family factor 1. */
function advanceEm(char: string): number {
  const code = char.codePointAt(0) ?? 32;
  if (code === 0x09 || code === 0xa0) return asciiAdvance(32)!;
  const ascii = asciiAdvance(code);
  if (ascii !== undefined) return ascii;
  if (isFullWidth(code)) return 1;
  if (isHalfWidthForm(code)) return 0.5;
  if (isZeroWidth(code)) return 0;
  // Accented Latin letters (é, ñ, Å) are as wide as their base letter.
  const base = char.normalize('NFD').codePointAt(0) ?? code;
  return asciiAdvance(base) ?? OTHER_SCRIPT_ADVANCE;
}

/** Turns a style into a function giving each character's advance in px. */
function advanceMeter(style: TextStyle, bold: boolean): (char: string) => number {
  const family = style.fontFamily ?? '';
  const monospace = MONOSPACE_FAMILY.test(family);
  const familyFactor = FAMILY_WIDTH_FACTORS.find(([pattern]) => pattern.test(family))?.[1] ?? 1;
  const isBold = bold || style.bold === true;
  const weightFactor = isBold ? BOLD_FACTOR : 1;
  const letterSpacing = style.letterSpacing ?? 0;
  const { metrics } = style;
  return (char) => {
    const code = char.codePointAt(0) ?? 32;
    // Real fonts replace the tables, family guesses and bold factor; a monospaced family keeps its grid.
    if (metrics && !(monospace && !isFullWidth(code))) {
      const measured = metrics.advance(code === 0x09 || code === 0xa0 ? 32 : code, isBold);
      if (measured !== undefined) return measured * style.fontSize + letterSpacing;
    }
    // CJK fonts keep every glyph on the 1 em grid in bold too.
    if (isFullWidth(code)) return style.fontSize + letterSpacing;
    const em = monospace && !isZeroWidth(code) ? MONOSPACE_ADVANCE : advanceEm(char) * familyFactor;
    return em * weightFactor * style.fontSize + letterSpacing;
  };
}

type Segment = { kind: 'space' | 'word' | 'cjk'; chars: string[] };

/** Cuts a paragraph at its line-break opportunities: spaces, after hyphens, and around every CJK character. */
function segmentsOf(text: string): Segment[] {
  const segments: Segment[] = [];
  let word: string[] = [];
  const endWord = () => {
    if (word.length > 0) segments.push({ kind: 'word', chars: word });
    word = [];
  };
  for (const char of text) {
    const code = char.codePointAt(0) ?? 32;
    if (char === ' ' || char === '\t' || char === '\u200b') {
      endWord();
      segments.push({ kind: 'space', chars: char === '\u200b' ? [] : [char] });
    } else if (isFullWidth(code)) {
      endWord();
      segments.push({ kind: 'cjk', chars: [char] });
    } else {
      word.push(char);
      if (char === '-') endWord();
    }
  }
  endWord();
  return segments;
}

/** Greedy line filling, as browsers do: trailing spaces hang, a word wider than the line is broken between characters. */
function wrapParagraph(text: string, lineWidth: number, advance: (char: string) => number): { lines: number; widest: number } {
  const tolerance = 0.01;
  let lines = 1;
  let x = 0;
  let pendingSpace = 0;
  let widest = 0;
  const breakLine = () => {
    widest = Math.max(widest, x);
    lines += 1;
    x = 0;
    pendingSpace = 0;
  };
  for (const segment of segmentsOf(text)) {
    const width = segment.chars.reduce((sum, char) => sum + advance(char), 0);
    if (segment.kind === 'space') {
      if (x > 0) pendingSpace += width;
      continue;
    }
    if (x > 0 && x + pendingSpace + width > lineWidth + tolerance) breakLine();
    x += pendingSpace;
    pendingSpace = 0;
    if (width <= lineWidth + tolerance || segment.kind === 'cjk') {
      x += width;
      continue;
    }
    for (const char of segment.chars) {
      const charWidth = advance(char);
      if (x > 0 && x + charWidth > lineWidth + tolerance) breakLine();
      x += charWidth;
    }
  }
  return { lines, widest: Math.max(widest, x) };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return ENTITIES[name.toLowerCase()] ?? entity;
  });
}

/** Tags and text runs of rich-text HTML, in order (PPTist's rich text is flat enough for this to be exact). */
export function richTextTokens(html: string): string[] {
  return html.match(/<[^>]*>|[^<]+/g) ?? [];
}

export function tagName(token: string): string {
  return /^<\/?\s*([a-z][a-z0-9-]*)/i.exec(token)?.[1]?.toLowerCase() ?? '';
}

const BLOCK_TAGS = new Set(['p', 'li', 'ul', 'ol', 'blockquote', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const BOLD_TAGS = new Set(['strong', 'b']);
const BOLD_STYLE = /font-weight:\s*(bold|[6-9]00)/i;
const VOID_TAGS = new Set(['br', 'img', 'hr', 'wbr']);

/** Paragraphs of rich text: p, li, blockquote and <br> end one; an explicit empty <p></p> is still a line. */
export function richTextParagraphs(html: string): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  const boldStack: boolean[] = [];
  let current: Paragraph | null = null;
  const flush = () => {
    if (current) paragraphs.push(current);
    current = null;
  };
  for (const token of richTextTokens(html)) {
    if (!token.startsWith('<')) {
      current ??= { text: '', bold: false };
      current.text += decodeEntities(token).replace(/[\r\n]+/g, ' ');
      if (boldStack.includes(true) && token.trim()) current.bold = true;
      continue;
    }
    const name = tagName(token);
    if (token.startsWith('</')) {
      boldStack.pop();
      if (BLOCK_TAGS.has(name)) flush();
    } else if (name === 'br') {
      current ??= { text: '', bold: false };
      flush();
      current = { text: '', bold: false };
    } else if (name && !VOID_TAGS.has(name) && !token.endsWith('/>')) {
      boldStack.push(BOLD_TAGS.has(name) || BOLD_STYLE.test(token));
      if (BLOCK_TAGS.has(name)) {
        if (current?.text) flush();
        current ??= { text: '', bold: false };
      }
    }
  }
  if (current?.text) flush();
  return paragraphs;
}

/** Rich text is recognised by its opening tag; anything else is plain text with `\n` between paragraphs. */
function isRichText(text: string): boolean {
  return /^\s*<(p|ul|ol|li|blockquote|div|span|strong|em|h[1-6])[\s>]/i.test(text);
}

function paragraphsOf(text: string): Paragraph[] {
  if (isRichText(text)) return richTextParagraphs(text);
  return text.split(/\r?\n/).map((line) => ({ text: line, bold: false }));
}

/** The words of plain or rich text, one paragraph per line. */
export function plainText(text: string): string {
  return paragraphsOf(text)
    .map((paragraph) => paragraph.text)
    .join('\n');
}

export function measureText(text: string, options: MeasureOptions): TextMetrics {
  const lineWidth = Math.max(0, options.width - 2 * TEXT_PADDING);
  const paragraphs = paragraphsOf(text);
  let lines = 0;
  let widestLine = 0;
  for (const paragraph of paragraphs.length > 0 ? paragraphs : [{ text: '', bold: false }]) {
    const wrapped = wrapParagraph(paragraph.text, lineWidth, advanceMeter(options, paragraph.bold));
    lines += wrapped.lines;
    widestLine = Math.max(widestLine, wrapped.widest);
  }
  const lineHeight = options.fontSize * (options.lineHeight ?? DEFAULT_LINE_HEIGHT);
  const gaps = Math.max(0, paragraphs.length - 1) * (options.paragraphSpace ?? DEFAULT_PARAGRAPH_SPACE);
  return { lines, height: lines * lineHeight + gaps + 2 * TEXT_PADDING, widestLine };
}

/** Half a pixel of slack: template boxes are sized to exactly n lines (54px × 1.5 + 20 = 101), and float sums must not miss that by 1e-12. */
const HEIGHT_TOLERANCE = 0.5;

export function textFits(text: string, box: TextBox, fontSize: number, maxLines = Infinity): boolean {
  const metrics = measureText(text, { ...box, fontSize });
  return metrics.lines <= maxLines && metrics.height <= box.height + HEIGHT_TOLERANCE;
}

/**
 * The largest size from `startSize` down, in 1px steps, at which the text wraps to at most
 * `maxLines` and stays inside the box; `minSize` when even that does not fit (callers measure to
 * find out). 1px steps rather than bisection keep the result an integer and cost at most ~100
 * measurements of a few hundred characters.
 */
export function fitFontSize(text: string, box: TextBox, options: FitOptions): number {
  const { startSize, minSize, maxLines } = options;
  if (textFits(text, box, startSize, maxLines)) return startSize;
  for (let size = Math.ceil(startSize) - 1; size > minSize; size -= 1) {
    if (textFits(text, box, size, maxLines)) return size;
  }
  return Math.min(startSize, minSize);
}
