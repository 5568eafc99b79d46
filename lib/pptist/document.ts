// The whole PPTist document, validated at the boundary (contracts/DECK-MODEL.md; field names are
// PPTist's own, src/types/slides.ts). Every object is a loose object: fields this schema does not
// know are kept untouched, so a document written by a newer editor survives a round trip here.
// Fields the contract enumerates are checked against that enumeration; open-ended PPTist fields
// (turningMode, pathFormula, clip shape, animation effect) are any string, because PPTist keeps
// adding values to them and refusing a new value would lose the user's data.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** JSON size of a document; PPTist embeds pasted images as base64 data URLs, so real decks with a few pictures reach several MB — 10 MB leaves room for that and still bounds memory per request. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** Slides per document; PPTist decks are tens of slides, 500 is far beyond any real deck yet bounds the work of one save. */
export const MAX_SLIDES = 500;
/** Elements per slide; the fixtures' busiest slide has a few dozen, 500 bounds per-slide work (rendering, template filling, co-editing ops). */
export const MAX_ELEMENTS_PER_SLIDE = 500;
/** Length of one rich-text HTML string; a full slide of styled text is a few thousand characters, 100k bounds the cost of one sanitise/measure pass. */
export const MAX_RICH_TEXT_CHARS = 100_000;
/** Length of element and slide ids; PPTist uses 6–12 character nanoids, our own ids are 36-character uuids. */
export const MAX_ID_CHARS = 64;
/** Document title length, the same bound decks have for their title. */
export const MAX_TITLE_CHARS = 200;

export const ELEMENT_TYPES = ['text', 'image', 'shape', 'line', 'chart', 'table', 'latex', 'video', 'audio'] as const;
export const TEXT_TYPES = ['title', 'subtitle', 'content', 'item', 'itemTitle', 'notes', 'header', 'footer', 'partNumber', 'itemNumber'] as const;
export const SLIDE_TYPES = ['cover', 'contents', 'transition', 'content', 'end'] as const;

// zod 4's z.number() already refuses NaN and ±Infinity, so every number here is finite.
const Num = z.number();
const Id = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ID_CHARS, `must be at most ${MAX_ID_CHARS} characters`);
/** References to other ids (groupId, elId) are not addressed by themselves, so only their length is bounded. */
const IdRef = z.string().max(MAX_ID_CHARS, `must be at most ${MAX_ID_CHARS} characters`);
const RichText = z.string().max(MAX_RICH_TEXT_CHARS, `must be at most ${MAX_RICH_TEXT_CHARS} characters`);
const Point = z.tuple([Num, Num]);
const TextType = z.enum(TEXT_TYPES);
const VerticalAlign = z.enum(['top', 'middle', 'bottom']);
const LineStyle = z.enum(['solid', 'dashed', 'dotted']);
const TextInset = z.tuple([Num, Num, Num, Num]);

const Shadow = z.looseObject({ h: Num, v: Num, blur: Num, color: z.string() });
const Outline = z.looseObject({ style: LineStyle.optional(), width: Num.optional(), color: z.string().optional() });
const Link = z.looseObject({ type: z.enum(['web', 'slide']), target: z.string() });
const Gradient = z.looseObject({
  type: z.enum(['linear', 'radial']),
  colors: z.array(z.looseObject({ pos: Num, color: z.string() })),
  rotate: Num,
});

export const PptistThemeSchema = z.looseObject({
  backgroundColor: z.string(),
  themeColors: z.array(z.string()),
  fontColor: z.string(),
  fontName: z.string(),
  outline: Outline,
  shadow: Shadow,
});

const baseElement = {
  id: Id,
  left: Num,
  top: Num,
  width: Num,
  height: Num,
  rotate: Num,
  lock: z.boolean().optional(),
  groupId: IdRef.optional(),
  link: Link.optional(),
  name: z.string().optional(),
};
// A line's box is its start/end points; `width` is the stroke width and it has no height or rotation.
const { height: _height, rotate: _rotate, ...lineBaseElement } = baseElement;

const TextElement = z.looseObject({
  ...baseElement,
  type: z.literal('text'),
  content: RichText,
  defaultFontName: z.string(),
  defaultColor: z.string(),
  outline: Outline.optional(),
  fill: z.string().optional(),
  lineHeight: Num.optional(),
  wordSpace: Num.optional(),
  opacity: Num.optional(),
  shadow: Shadow.optional(),
  paragraphSpace: Num.optional(),
  vertical: z.boolean().optional(),
  textType: TextType.optional(),
  inset: TextInset.optional(),
  fixedHeight: z.boolean().optional(),
  vAlign: VerticalAlign.optional(),
});

const ImageFilters = z.looseObject({
  blur: z.string().optional(),
  brightness: z.string().optional(),
  contrast: z.string().optional(),
  grayscale: z.string().optional(),
  saturate: z.string().optional(),
  'hue-rotate': z.string().optional(),
  sepia: z.string().optional(),
  invert: z.string().optional(),
  opacity: z.string().optional(),
});

const ImageElement = z.looseObject({
  ...baseElement,
  type: z.literal('image'),
  // Not length-bounded on its own: a pasted picture is a base64 data URL of up to several MB.
  src: z.string(),
  fixedRatio: z.boolean(),
  outline: Outline.optional(),
  filters: ImageFilters.optional(),
  clip: z.looseObject({ range: z.tuple([Point, Point]), shape: z.string() }).optional(),
  flipH: z.boolean().optional(),
  flipV: z.boolean().optional(),
  shadow: Shadow.optional(),
  radius: Num.optional(),
  colorMask: z.string().optional(),
  imageType: z.enum(['pageFigure', 'itemFigure', 'background']).optional(),
});

const ShapeText = z.looseObject({
  content: RichText,
  defaultFontName: z.string(),
  defaultColor: z.string(),
  align: VerticalAlign,
  lineHeight: Num.optional(),
  wordSpace: Num.optional(),
  paragraphSpace: Num.optional(),
  inset: TextInset.optional(),
  type: TextType.optional(),
});

const ShapeElement = z.looseObject({
  ...baseElement,
  type: z.literal('shape'),
  viewBox: Point,
  path: z.string(),
  fixedRatio: z.boolean(),
  fill: z.string(),
  gradient: Gradient.optional(),
  pattern: z.string().optional(),
  outline: Outline.optional(),
  opacity: Num.optional(),
  flipH: z.boolean().optional(),
  flipV: z.boolean().optional(),
  shadow: Shadow.optional(),
  special: z.boolean().optional(),
  text: ShapeText.optional(),
  pathFormula: z.string().optional(),
  keypoints: z.array(Num).optional(),
});

const LinePoint = z.enum(['', 'arrow', 'dot']);
const LineElement = z.looseObject({
  ...lineBaseElement,
  type: z.literal('line'),
  start: Point,
  end: Point,
  style: LineStyle,
  color: z.string(),
  points: z.tuple([LinePoint, LinePoint]),
  shadow: Shadow.optional(),
  broken: Point.optional(),
  broken2: Point.optional(),
  broken2Direction: z.enum(['horizontal', 'vertical']).optional(),
  curve: Point.optional(),
  cubic: z.tuple([Point, Point]).optional(),
});

const ChartElement = z.looseObject({
  ...baseElement,
  type: z.literal('chart'),
  chartType: z.enum(['bar', 'column', 'line', 'pie', 'ring', 'area', 'radar', 'scatter']),
  data: z.looseObject({ labels: z.array(z.string()), legends: z.array(z.string()), series: z.array(z.array(Num)) }),
  options: z.looseObject({ lineSmooth: z.boolean().optional(), stack: z.boolean().optional() }).optional(),
  fill: z.string().optional(),
  outline: Outline.optional(),
  themeColors: z.array(z.string()),
  textColor: z.string().optional(),
  lineColor: z.string().optional(),
});

const TableCell = z.looseObject({
  id: Id,
  colspan: Num,
  rowspan: Num,
  text: RichText,
  style: z
    .looseObject({
      bold: z.boolean().optional(),
      em: z.boolean().optional(),
      underline: z.boolean().optional(),
      strikethrough: z.boolean().optional(),
      color: z.string().optional(),
      backcolor: z.string().optional(),
      fontsize: z.string().optional(),
      fontname: z.string().optional(),
      align: z.enum(['left', 'center', 'right', 'justify']).optional(),
      vAlign: VerticalAlign.optional(),
    })
    .optional(),
});

const TableElement = z.looseObject({
  ...baseElement,
  type: z.literal('table'),
  outline: Outline,
  theme: z
    .looseObject({ color: z.string(), rowHeader: z.boolean(), rowFooter: z.boolean(), colHeader: z.boolean(), colFooter: z.boolean() })
    .optional(),
  colWidths: z.array(Num),
  cellMinHeight: Num,
  data: z.array(z.array(TableCell)),
});

const LatexElement = z.looseObject({
  ...baseElement,
  type: z.literal('latex'),
  latex: z.string(),
  path: z.string(),
  color: z.string(),
  strokeWidth: Num,
  viewBox: Point,
  fixedRatio: z.boolean(),
});

const VideoElement = z.looseObject({
  ...baseElement,
  type: z.literal('video'),
  src: z.string(),
  autoplay: z.boolean(),
  poster: z.string().optional(),
  ext: z.string().optional(),
});

const AudioElement = z.looseObject({
  ...baseElement,
  type: z.literal('audio'),
  src: z.string(),
  fixedRatio: z.boolean(),
  color: z.string(),
  loop: z.boolean(),
  autoplay: z.boolean(),
  ext: z.string().optional(),
});

// An element of a type we do not know is refused outright rather than passed through with only its
// common fields checked: nothing downstream (rendering, template filling, export) could handle it,
// and a typo'd type with missing fields must not be stored as if it were valid.
export const PptistElementSchema = z.discriminatedUnion(
  'type',
  [TextElement, ImageElement, ShapeElement, LineElement, ChartElement, TableElement, LatexElement, VideoElement, AudioElement],
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const type = (issue.input as { type?: unknown } | undefined)?.type;
      const allowed = `expected one of ${ELEMENT_TYPES.join(', ')}`;
      return type === undefined ? `element type is required; ${allowed}` : `unknown element type ${JSON.stringify(type)}; ${allowed}`;
    },
  },
);

const Animation = z.looseObject({
  id: Id,
  elId: IdRef,
  effect: z.string(),
  type: z.enum(['in', 'out', 'attention']),
  duration: Num,
  trigger: z.enum(['click', 'meantime', 'auto']),
});

const NoteReply = z.looseObject({ id: Id, content: RichText, time: Num, user: z.string() });
const Note = z.looseObject({
  id: Id,
  content: RichText,
  time: Num,
  user: z.string(),
  elId: IdRef.optional(),
  replies: z.array(NoteReply).optional(),
});

const Background = z.looseObject({
  type: z.enum(['solid', 'image', 'gradient']),
  color: z.string().optional(),
  image: z.looseObject({ src: z.string(), size: z.enum(['cover', 'contain', 'repeat']) }).optional(),
  gradient: Gradient.optional(),
});

/** Ids are how the editor and co-editing address things, so two with the same id in one list are refused. */
function reportDuplicateIds(
  items: ReadonlyArray<{ id: string }>,
  what: string,
  at: (index: number) => PropertyKey[],
  ctx: z.RefinementCtx,
): void {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const earlier = firstIndex.get(item.id);
    if (earlier === undefined) firstIndex.set(item.id, index);
    else ctx.addIssue({ code: 'custom', path: at(index), message: `duplicate ${what} id ${JSON.stringify(item.id)} (already used at index ${earlier})`, input: item.id });
  });
}

export const PptistSlideSchema = z
  .looseObject({
    id: Id,
    elements: z
      .array(PptistElementSchema)
      .max(MAX_ELEMENTS_PER_SLIDE, `a slide may have at most ${MAX_ELEMENTS_PER_SLIDE} elements`),
    notes: z.array(Note).optional(),
    remark: RichText.optional(),
    background: Background.optional(),
    animations: z.array(Animation).optional(),
    turningMode: z.string().optional(),
    sectionTag: z.looseObject({ id: Id, title: z.string().optional() }).optional(),
    type: z.enum(SLIDE_TYPES).optional(),
  })
  .superRefine((slide, ctx) => reportDuplicateIds(slide.elements, 'element', (i) => ['elements', i, 'id'], ctx));

export const PptistDocumentSchema = z
  .looseObject({
    title: z.string().max(MAX_TITLE_CHARS, `must be at most ${MAX_TITLE_CHARS} characters`),
    width: z.number().positive().max(10_000).default(1000),
    height: z.number().positive().max(10_000).default(562.5),
    theme: PptistThemeSchema,
    slides: z.array(PptistSlideSchema).max(MAX_SLIDES, `a document may have at most ${MAX_SLIDES} slides`),
  })
  .superRefine((document, ctx) => reportDuplicateIds(document.slides, 'slide', (i) => ['slides', i, 'id'], ctx));

export type PptistDocument = z.output<typeof PptistDocumentSchema>;
export type PptistSlide = z.output<typeof PptistSlideSchema>;
export type PptistElement = z.output<typeof PptistElementSchema>;
export type PptistTheme = z.output<typeof PptistThemeSchema>;
export type PptistElementType = PptistElement['type'];
export type PptistElementOf<T extends PptistElementType> = Extract<PptistElement, { type: T }>;

export type PptistParseFailure = { ok: false; path: string; message: string };

/**
 * Bytes of `JSON.stringify(input)` in UTF-8, counted without building that string; stops counting
 * once past `stopAfter`, so a 50 MB document is refused after reading a fifth of it. A cyclic
 * value (which JSON cannot hold) measures as Infinity.
 */
export function measureDocumentBytes(input: unknown, stopAfter = Infinity): number {
  const serialisable = (v: unknown) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
  const ancestors = new Set<object>();
  // Iterative so that deeply nested input cannot overflow the call stack.
  const stack: Array<{ value: unknown } | { leave: object }> = [{ value: input }];
  let bytes = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if ('leave' in frame) {
      ancestors.delete(frame.leave);
      continue;
    }
    let value = frame.value;
    if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      value = (value as { toJSON(): unknown }).toJSON();
    }
    if (typeof value === 'string') bytes += Buffer.byteLength(JSON.stringify(value));
    else if (typeof value === 'number') bytes += Number.isFinite(value) ? JSON.stringify(value).length : 4;
    else if (typeof value === 'boolean') bytes += value ? 4 : 5;
    else if (typeof value === 'bigint') bytes += value.toString().length;
    else if (value === null) bytes += 4;
    else if (typeof value === 'object') {
      if (ancestors.has(value)) return Infinity;
      ancestors.add(value);
      stack.push({ leave: value });
      if (Array.isArray(value)) {
        bytes += 2 + Math.max(0, value.length - 1);
        for (let i = value.length - 1; i >= 0; i -= 1) stack.push({ value: serialisable(value[i]) ? value[i] : null });
      } else {
        let members = 0;
        for (const [key, item] of Object.entries(value)) {
          if (!serialisable(item)) continue;
          members += 1;
          bytes += Buffer.byteLength(JSON.stringify(key)) + 1;
          stack.push({ value: item });
        }
        bytes += 2 + Math.max(0, members - 1);
      }
    }
    if (bytes > stopAfter) return bytes;
  }
  return bytes;
}

function tooLarge(input: unknown, path: string): PptistParseFailure | null {
  const bytes = measureDocumentBytes(input, MAX_DOCUMENT_BYTES);
  if (bytes <= MAX_DOCUMENT_BYTES) return null;
  const message =
    bytes === Infinity
      ? `${path}: is not JSON data (it contains a cycle)`
      : `${path}: is larger than the ${MAX_DOCUMENT_BYTES / (1024 * 1024)} MB limit for a document`;
  return { ok: false, path, message };
}

/** zod's wording for a missing field ("expected number, received undefined") reads as a type error. */
const readableIssue: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined ? `is required (expected ${issue.expected})` : undefined;

function validate<T>(schema: z.ZodType<T>, input: unknown, prefix: string): { ok: true; value: T } | PptistParseFailure {
  const parsed = schema.safeParse(input, { error: readableIssue });
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].join('.');
  return { ok: false, path, message: `${path}: ${issue.message}` };
}

/** The first problem comes back with its path, e.g. `document.slides.2.elements.0.width`. */
export function parsePptistDocument(input: unknown): { ok: true; document: PptistDocument } | PptistParseFailure {
  const oversized = tooLarge(input, 'document');
  if (oversized) return oversized;
  const result = validate(PptistDocumentSchema, input, 'document');
  return result.ok ? { ok: true, document: result.value } : result;
}

/** One slide on its own (co-editing validates slides as they arrive); `path` prefixes error paths. */
export function parseSlide(input: unknown, path = 'slide'): { ok: true; slide: PptistSlide } | PptistParseFailure {
  const oversized = tooLarge(input, path);
  if (oversized) return oversized;
  const result = validate(PptistSlideSchema, input, path);
  return result.ok ? { ok: true, slide: result.value } : result;
}

/** One element on its own; `path` prefixes error paths (e.g. `document.slides.0.elements.3`). */
export function parseElement(input: unknown, path = 'element'): { ok: true; element: PptistElement } | PptistParseFailure {
  const oversized = tooLarge(input, path);
  if (oversized) return oversized;
  const result = validate(PptistElementSchema, input, path);
  return result.ok ? { ok: true, element: result.value } : result;
}

/** A new deck: one blank white slide and PPTist's default theme. */
export function emptyDocument(title: string): PptistDocument {
  return {
    title,
    width: 1000,
    height: 562.5,
    theme: {
      backgroundColor: '#ffffff',
      themeColors: ['#5b9bd5', '#ed7d31', '#a5a5a5', '#ffc000', '#4472c4', '#70ad47'],
      fontColor: '#333333',
      fontName: '',
      outline: { width: 2, color: '#525252', style: 'solid' },
      shadow: { h: 3, v: 3, blur: 2, color: '#808080' },
    },
    slides: [{ id: randomUUID(), elements: [], background: { type: 'solid', color: '#ffffff' } }],
  };
}
