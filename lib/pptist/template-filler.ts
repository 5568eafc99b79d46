// AI slides become real slides cut from a template document (contracts/DECK-MODEL.md, "Templates
// and how AI slides become real slides"), on the server and one AI slide at a time, because they
// arrive one by one while the model streams. The result matches what PPTist's front end builds
// (src/hooks/useAIPPT.ts), with three deliberate differences:
// - choices are deterministic: where PPTist picks a random template among equally good ones, the
//   filler takes them in turn (the same AI output always gives the same deck, and a deck with ten
//   four-item slides still shows every four-item layout);
// - text never keeps a template's placeholder wording: a marked element the AI wrote nothing for
//   is emptied, and every marked slot the AI did write for is filled, on contents and content
//   slides alike (PPTist drops unused items only on contents slides);
// - nothing the AI wrote is dropped: a list longer than the template's biggest layout continues
//   on further slides of that layout, numbering continuing, and text that does not fit at the
//   smallest font grows its text box, as the editor itself does with auto-height text.
import { randomUUID } from 'node:crypto';
import type { AipptItem, AipptSlide, AipptSlideType } from './aippt.js';
import type { PptistDocument, PptistElement, PptistElementOf, PptistSlide, PptistTheme } from './document.js';
import {
  DEFAULT_FONT_SIZE,
  DEFAULT_LINE_HEIGHT,
  DEFAULT_PARAGRAPH_SPACE,
  decodeEntities,
  fitFontSize,
  measureText,
  plainText,
  richTextTokens,
  tagName,
  textFits,
  type TextBox,
} from './text-fit.js';

export interface PoolImage {
  src: string;
  width: number;
  height: number;
}

export interface TemplateFillerOptions {
  /** Pictures for the template's marked images; each is used once, and a template picture stays when the pool runs dry. */
  imagePool?: readonly PoolImage[];
  newId?: () => string;
}

/** One slide's worth of an AI slide after long lists are split; `offset` is how many items earlier parts hold. */
export interface AipptSlidePart {
  slide: AipptSlide;
  offset: number;
}

/** A marked text element as it is laid out: its rich text, font size and box. */
export interface TextLayout {
  html: string;
  fontSize: number;
  box: TextBox;
}

type TextElement = PptistElementOf<'text'>;
type ShapeElement = PptistElementOf<'shape'>;
type ImageElement = PptistElementOf<'image'>;
type TextBearer = TextElement | ShapeElement;
type ListSlide = Extract<AipptSlide, { type: 'content' | 'contents' }>;

/**
 * Line budgets per marker (DECK-MODEL step 3). The contract names title, content, item and the
 * lone item; item titles get the 2 lines the product templates are drawn for
 * (prisma/templates/check-templates.mjs), numbers 1. The box height limits every budget further:
 * a contents entry in a one-line box stays on one line.
 */
const MAX_LINES = { title: 1, content: 3, loneContent: 6, item: 4, itemTitle: 2, number: 1 } as const;
/** PPTist never shrinks text below 10px; smaller is unreadable on a projected slide. */
const MIN_FONT_SIZE = 10;
/** Text inside a shape is set at line-height 1.2 unless the shape says otherwise (PPTist's `.shape-text`). */
const SHAPE_LINE_HEIGHT = 1.2;
const ITEM_COMPANIONS = new Set(['itemTitle', 'itemNumber', 'itemFigure']);
/** Within 10% of 1:1 a box counts as square when matching pictures to it. */
const SQUARE_TOLERANCE = 1.1;

// ---------------------------------------------------------------------------------------------
// Step 1: long lists are split over several slides.

/** Where later parts of a content slide start: 5–6 items → 3 + rest, 7–8 → 4 + rest, 9–10 → 3/3/rest, more → 4/4/rest. */
function contentBreaks(count: number): number[] {
  if (count <= 4) return [];
  if (count <= 6) return [3];
  if (count <= 8) return [4];
  if (count <= 10) return [3, 6];
  return [4, 8];
}

/** Where later parts of a contents slide start: 11 entries → 6 + 5, more → 10 + rest. */
function contentsBreaks(count: number): number[] {
  if (count <= 10) return [];
  return count === 11 ? [6] : [10];
}

/** Two identical branches so each keeps its own item type without a cast. */
function withItemRange(slide: ListSlide, start: number, end?: number): ListSlide {
  return slide.type === 'content'
    ? { ...slide, data: { ...slide.data, items: slide.data.items.slice(start, end) } }
    : { ...slide, data: { ...slide.data, items: slide.data.items.slice(start, end) } };
}

function partsStartingAt(slide: ListSlide, breaks: number[]): AipptSlidePart[] {
  const starts = [0, ...breaks];
  return starts.map((start, i) => ({ slide: withItemRange(slide, start, starts[i + 1]), offset: start }));
}

export function splitLongList(slide: AipptSlide): AipptSlidePart[] {
  if (slide.type === 'content') return partsStartingAt(slide, contentBreaks(slide.data.items.length));
  if (slide.type === 'contents') return partsStartingAt(slide, contentsBreaks(slide.data.items.length));
  return [{ slide, offset: 0 }];
}

// ---------------------------------------------------------------------------------------------
// Markers and item slots of a template slide.

/** Text elements carry `textType`, shapes `text.type`, images `imageType`. */
function markerOf(element: PptistElement): string | undefined {
  if (element.type === 'text') return element.textType;
  if (element.type === 'shape') return element.text?.type;
  if (element.type === 'image') return element.imageType;
  return undefined;
}

function isTextBearer(element: PptistElement): element is TextBearer {
  return element.type === 'text' || (element.type === 'shape' && element.text !== undefined);
}

function richTextOf(element: TextBearer): string {
  return element.type === 'text' ? element.content : (element.text?.content ?? '');
}

function heightOf(element: PptistElement): number {
  return element.type === 'line' ? 0 : element.height;
}

/**
 * Elements in reading order: rows top to bottom (an element starting less than half a height
 * below the row's first joins that row), left to right within a row. PPTist sorts by
 * left + 2·top, which reads a 2×2 grid down the columns.
 */
function inReadingOrder<T extends PptistElement>(elements: readonly T[]): T[] {
  const byTop = [...elements].sort((a, b) => a.top - b.top);
  const rowOf = new Map<T, number>();
  let row = 0;
  let rowStart = byTop[0];
  for (const element of byTop) {
    if (rowStart && element.top - rowStart.top >= heightOf(rowStart) / 2) {
      row += 1;
      rowStart = element;
    }
    rowOf.set(element, row);
  }
  return byTop.sort((a, b) => rowOf.get(a)! - rowOf.get(b)! || a.left - b.left);
}

/** An `item` element and what belongs to it: its title, number, figure and (through groupId) its decoration. */
interface ItemSlot {
  item: PptistElement;
  companions: PptistElement[];
}

function companionOf(slot: ItemSlot, marker: string): PptistElement | undefined {
  return slot.companions.find((element) => markerOf(element) === marker);
}

/** The number a template prints in a slot's badge, when it prints one. */
function printedNumber(slot: ItemSlot): number | undefined {
  const badge = companionOf(slot, 'itemNumber');
  const digits = badge && isTextBearer(badge) ? /^\s*(\d+)\s*$/.exec(plainText(richTextOf(badge))) : null;
  return digits ? Number(digits[1]) : undefined;
}

/**
 * Slots in the order their items should fill them: the template's own badge numbers when every
 * slot has a distinct one (a two-column list numbers down the columns, which no position rule
 * recovers), reading order otherwise.
 */
function orderSlots(slots: ItemSlot[]): ItemSlot[] {
  const numbers = slots.map(printedNumber);
  const numbered = numbers.every((n) => n !== undefined) && new Set(numbers).size === slots.length;
  if (numbered) return slots.map((slot, i) => ({ slot, n: numbers[i]! })).sort((a, b) => a.n - b.n).map(({ slot }) => slot);
  const items = inReadingOrder(slots.map((slot) => slot.item));
  return [...slots].sort((a, b) => items.indexOf(a.item) - items.indexOf(b.item));
}

/** Grouped items take the companions of their group; ungrouped ones pair with ungrouped companions by reading order. */
function itemSlotsOf(elements: readonly PptistElement[]): ItemSlot[] {
  const items = elements.filter((element) => markerOf(element) === 'item');
  const companions = elements.filter((element) => ITEM_COMPANIONS.has(markerOf(element) ?? ''));
  const looseItems = inReadingOrder(items.filter((item) => !item.groupId));
  const looseCompanions = inReadingOrder(companions.filter((element) => !element.groupId));
  const slots = items.map((item): ItemSlot => {
    if (item.groupId) return { item, companions: companions.filter((element) => element.groupId === item.groupId) };
    const index = looseItems.indexOf(item);
    return { item, companions: [...ITEM_COMPANIONS].flatMap((marker) => looseCompanions.filter((e) => markerOf(e) === marker)[index] ?? []) };
  });
  return orderSlots(slots);
}

// ---------------------------------------------------------------------------------------------
// Rich text: the first run's styling, new words.

/** The tags open around the first visible text of some rich text (or around its first empty paragraph). */
function firstRunTags(html: string): string[] {
  const open: string[] = [];
  for (const token of richTextTokens(html)) {
    if (!token.startsWith('<')) {
      if (decodeEntities(token).trim()) break;
      continue;
    }
    const name = tagName(token);
    if (!name || name === 'br' || token.endsWith('/>')) continue;
    if (token.startsWith('</')) {
      if (open.length > 0) break;
      continue;
    }
    open.push(token);
  }
  return open.length > 0 ? open : ['<p>'];
}

const FONT_SIZE = /font-size:\s*(\d+(?:\.\d+)?)\s*px/i;
const FONT_SIZES = new RegExp(FONT_SIZE.source, 'gi');
const FONT_FAMILY = /font-family:\s*['"]?([^'";]+)/i;
const BOLD_TAG = /^<\s*(strong|b)[\s>]|font-weight:\s*(bold|[6-9]00)/i;

function withStyle(tag: string, declaration: string): string {
  const style = /\sstyle\s*=\s*"([^"]*)"/i.exec(tag);
  if (!style) return `${tag.slice(0, -1)} style="${declaration};">`;
  const existing = style[1]!.trim().replace(/;$/, '');
  return tag.replace(style[0], ` style="${existing ? `${existing}; ` : ''}${declaration};"`);
}

/** Every font size in the run becomes `size`; a run that names none gets it on its first tag, as PPTist does with 16px. */
function resized(tags: string[], size: number): string[] {
  const declaration = `font-size: ${Math.round(size * 100) / 100}px`;
  if (tags.some((tag) => FONT_SIZE.test(tag))) return tags.map((tag) => tag.replace(FONT_SIZES, declaration));
  return tags.map((tag, i) => (i === 0 ? withStyle(tag, declaration) : tag));
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

/** `text` set in the first run's tags at `size`, one paragraph per line of text. */
function restyledRichText(html: string, text: string, size: number): string {
  const open = resized(firstRunTags(html), size);
  const close = [...open].reverse().map((tag) => `</${tagName(tag)}>`).join('');
  return text
    .split(/\r?\n/)
    .map((line) => `${open.join('')}${escapeHtml(line)}${close}`)
    .join('');
}

/** How a marked text element's text is set: read from its rich text, its element fields and the theme. */
export function textLayoutOf(element: PptistElement, themeFontName = ''): TextLayout | undefined {
  if (!isTextBearer(element)) return undefined;
  const html = richTextOf(element);
  const text = element.type === 'text' ? element : element.text!;
  const fontSize = Number(FONT_SIZE.exec(html)?.[1] ?? DEFAULT_FONT_SIZE);
  const box: TextBox = {
    width: element.width,
    height: element.height,
    fontFamily: FONT_FAMILY.exec(html)?.[1]?.trim() || text.defaultFontName || themeFontName,
    bold: firstRunTags(html).some((tag) => BOLD_TAG.test(tag)),
    lineHeight: text.lineHeight ?? (element.type === 'text' ? DEFAULT_LINE_HEIGHT : SHAPE_LINE_HEIGHT),
    paragraphSpace: text.paragraphSpace ?? DEFAULT_PARAGRAPH_SPACE,
    letterSpacing: text.wordSpace ?? 0,
  };
  return { html, fontSize, box };
}

// ---------------------------------------------------------------------------------------------
// Step 3: what goes into a template slide.

interface ItemText {
  title: string;
  text: string;
}

/** The words for one slide; '' empties a marked element rather than leaving the template's placeholder. */
interface SlideWords {
  title: string;
  content: string;
  contentLines: number;
  partNumber: string;
  items: readonly ItemText[];
  offset: number;
}

const NO_WORDS: SlideWords = { title: '', content: '', contentLines: MAX_LINES.content, partNumber: '', items: [], offset: 0 };

const twoDigits = (n: number) => String(n).padStart(2, '0');

/** A lone item has no slot of its own; its title leads the body unless it only repeats the slide title. */
function loneText(item: AipptItem, slideTitle: string): string {
  const title = item.title.trim() && item.title.trim() !== slideTitle.trim() ? item.title : '';
  return [title, item.text].filter(Boolean).join('\n');
}

/** One marked text element to fill; elements sharing a `uniform` key end at one size, as PPTist sizes items by the longest. */
interface TextPlan {
  element: TextBearer;
  text: string;
  maxLines: number;
  uniform?: string;
}

function planFor(element: TextBearer, words: SlideWords, slotOf: Map<PptistElement, number>): TextPlan | undefined {
  const marker = markerOf(element);
  const slot = slotOf.get(element);
  const item = slot === undefined ? undefined : words.items[slot];
  switch (marker) {
    case 'title':
      return { element, text: words.title, maxLines: MAX_LINES.title };
    case 'content':
      return { element, text: words.content, maxLines: words.contentLines };
    case 'partNumber':
      return { element, text: words.partNumber, maxLines: MAX_LINES.number };
    case 'item':
      return { element, text: item?.text ?? '', maxLines: MAX_LINES.item, uniform: marker };
    case 'itemTitle':
      return { element, text: item?.title ?? '', maxLines: MAX_LINES.itemTitle, uniform: marker };
    case 'itemNumber':
      return { element, text: slot === undefined ? '' : twoDigits(words.offset + slot + 1), maxLines: MAX_LINES.number, uniform: marker };
    default:
      return undefined;
  }
}

/** The largest size within the line budget; past that, within the box; past that, the smallest size (and the box grows). */
function fittedSize(plan: TextPlan, layout: TextLayout): number {
  const options = { startSize: layout.fontSize, minSize: Math.min(MIN_FONT_SIZE, layout.fontSize), maxLines: plan.maxLines };
  const size = fitFontSize(plan.text, layout.box, options);
  if (textFits(plan.text, layout.box, size, plan.maxLines)) return size;
  return fitFontSize(plan.text, layout.box, { ...options, maxLines: Infinity });
}

function filledElement(plan: TextPlan, layout: TextLayout, size: number): TextBearer {
  const content = restyledRichText(layout.html, plan.text, size);
  const { element } = plan;
  if (element.type === 'shape') return { ...element, text: { ...element.text!, content } };
  // A text element grows with its text in the editor; a shape keeps its outline, so only text boxes grow here.
  const needed = measureText(plan.text, { ...layout.box, fontSize: size }).height;
  return { ...element, content, height: Math.max(element.height, Math.ceil(needed)) };
}

/** Fills marked text, drops unused item slots with their groups. */
function filledElements(elements: readonly PptistElement[], words: SlideWords, themeFontName: string): PptistElement[] {
  const slots = itemSlotsOf(elements);
  const slotOf = new Map<PptistElement, number>();
  slots.slice(0, words.items.length).forEach((slot, i) => [slot.item, ...slot.companions].forEach((e) => slotOf.set(e, i)));
  const unused = slots.slice(words.items.length);
  const droppedElements = new Set(unused.flatMap((slot) => [slot.item, ...slot.companions]));
  const droppedGroups = new Set(unused.flatMap((slot) => [slot.item, ...slot.companions]).flatMap((e) => e.groupId ?? []));
  const kept = elements.filter((e) => !droppedElements.has(e) && !(e.groupId && droppedGroups.has(e.groupId)));

  const plans = new Map<PptistElement, { plan: TextPlan; layout: TextLayout; size: number }>();
  for (const element of kept) {
    const plan = isTextBearer(element) ? planFor(element, words, slotOf) : undefined;
    const layout = plan && textLayoutOf(element, themeFontName);
    if (plan && layout) plans.set(element, { plan, layout, size: fittedSize(plan, layout) });
  }
  const uniformSizes = new Map<string, number>();
  for (const { plan, size } of plans.values()) {
    if (plan.uniform) uniformSizes.set(plan.uniform, Math.min(size, uniformSizes.get(plan.uniform) ?? Infinity));
  }
  return kept.map((element) => {
    const planned = plans.get(element);
    if (!planned) return element;
    const size = planned.plan.uniform ? uniformSizes.get(planned.plan.uniform)! : planned.size;
    return filledElement(planned.plan, planned.layout, size);
  });
}

// ---------------------------------------------------------------------------------------------
// Pictures.

function orientationOf(aspect: number): 'landscape' | 'portrait' | 'square' {
  if (aspect > SQUARE_TOLERANCE) return 'landscape';
  if (aspect < 1 / SQUARE_TOLERANCE) return 'portrait';
  return 'square';
}

/** The clip range (percent) that crops a picture to cover the box, centred, as PPTist does. */
function coverCrop(box: { width: number; height: number }, picture: PoolImage): [[number, number], [number, number]] {
  const boxAspect = box.width / box.height;
  const pictureAspect = picture.width / picture.height;
  if (pictureAspect >= boxAspect) {
    const margin = ((1 - boxAspect / pictureAspect) / 2) * 100;
    return [[margin, 0], [100 - margin, 100]];
  }
  const margin = ((1 - pictureAspect / boxAspect) / 2) * 100;
  return [[0, margin], [100, 100 - margin]];
}

// ---------------------------------------------------------------------------------------------
// Step 2: choosing template slides.

interface TemplateSlide {
  slide: PptistSlide;
  /** Number of `item` markers. */
  capacity: number;
  markers: ReadonlySet<string>;
}

function templateSlideOf(slide: PptistSlide): TemplateSlide {
  const markers = slide.elements.map(markerOf).filter((m): m is string => m !== undefined);
  return { slide, capacity: markers.filter((m) => m === 'item').length, markers: new Set(markers) };
}

/** Words the template has no place for. */
function missingPlaces(template: TemplateSlide, words: SlideWords): number {
  const wanted: Array<[string, string]> = [['title', words.title], ['content', words.content], ['partNumber', words.partNumber]];
  return wanted.filter(([marker, text]) => text && !template.markers.has(marker)).length;
}

/** Exactly as many slots as items is best, then the fewest spare slots; too few slots comes last (the items continue on another slide). */
function slotDistance(capacity: number, items: number): number {
  return capacity >= items ? capacity - items : 1000 + items - capacity;
}

/** Where a slide type borrows its layout when the template has none of its own; content and end slides have no fitting stand-in. */
const STAND_INS: Record<AipptSlideType, AipptSlideType[]> = {
  cover: ['cover', 'transition', 'content'],
  contents: ['contents', 'content'],
  transition: ['transition', 'cover', 'content'],
  content: ['content'],
  end: ['end'],
};

export class TemplateFiller {
  /** Why slides or words were left out, in order; empty when everything the AI wrote was placed. */
  readonly warnings: string[] = [];
  private readonly template: PptistDocument;
  private readonly byType = new Map<AipptSlideType, TemplateSlide[]>();
  private readonly pictures: PoolImage[];
  private readonly newId: () => string;
  private readonly turns = new Map<string, number>();
  private transitionTemplate: TemplateSlide | undefined;
  private transitions = 0;

  constructor(template: PptistDocument, options: TemplateFillerOptions = {}) {
    this.template = template;
    this.pictures = [...(options.imagePool ?? [])];
    this.newId = options.newId ?? randomUUID;
    for (const slide of template.slides) {
      if (!slide.type) continue;
      const list = this.byType.get(slide.type) ?? [];
      list.push(templateSlideOf(slide));
      this.byType.set(slide.type, list);
    }
  }

  get theme(): PptistTheme {
    return structuredClone(this.template.theme);
  }

  fill(slide: AipptSlide): PptistSlide[] {
    return splitLongList(slide).flatMap((part) => this.fillPart(part));
  }

  private fillPart({ slide, offset }: AipptSlidePart): PptistSlide[] {
    switch (slide.type) {
      case 'cover':
        return this.fillOne('cover', { ...NO_WORDS, title: slide.data.title, content: slide.data.text });
      case 'transition':
        return this.fillTransition(slide.data);
      case 'contents':
        return this.fillList('contents', NO_WORDS, slide.data.items.map((text) => ({ title: '', text })), offset);
      case 'content':
        return this.fillContent(slide.data, offset);
      case 'end':
        return this.fillOne('end', undefined);
    }
  }

  /** The partNumber counts every transition, including one that had to borrow another layout. */
  private fillTransition(data: { title: string; text: string }): PptistSlide[] {
    this.transitions += 1;
    const words = { ...NO_WORDS, title: data.title, content: data.text, partNumber: twoDigits(this.transitions) };
    this.transitionTemplate ??= this.choose('transition', words);
    return this.render(this.transitionTemplate, words, 'transition');
  }

  /** A content slide with one item uses a "title + body" layout when the template has one (the lone-item case). */
  private fillContent(data: { title: string; items: AipptItem[] }, offset: number): PptistSlide[] {
    const [only] = data.items;
    const hasLoneLayout = this.templatesFor('content').some((t) => t.capacity === 0 && t.markers.has('content'));
    if (only && data.items.length === 1 && offset === 0 && hasLoneLayout) {
      return this.fillOne('content', { ...NO_WORDS, title: data.title, content: loneText(only, data.title), contentLines: MAX_LINES.loneContent });
    }
    return this.fillList('content', { ...NO_WORDS, title: data.title }, data.items, offset);
  }

  /** Items beyond the biggest layout's slots continue on another slide of that layout (numbering continues) rather than being merged or dropped. */
  private fillList(type: 'contents' | 'content', words: SlideWords, items: readonly ItemText[], offset: number): PptistSlide[] {
    const perSlide = Math.max(1, ...this.templatesFor(type).map((t) => t.capacity));
    const slides: PptistSlide[] = [];
    for (let start = 0; start === 0 || start < items.length; start += perSlide) {
      slides.push(...this.fillOne(type, { ...words, items: items.slice(start, start + perSlide), offset: offset + start }));
    }
    return slides;
  }

  private fillOne(type: AipptSlideType, words: SlideWords | undefined): PptistSlide[] {
    return this.render(this.choose(type, words ?? NO_WORDS), words, type);
  }

  private render(template: TemplateSlide | undefined, words: SlideWords | undefined, type: AipptSlideType): PptistSlide[] {
    if (!template) {
      const article = /^[aeiou]/.test(type) ? 'an' : 'a';
      this.warnings.push(`skipped ${article} ${type} slide: the template has no ${STAND_INS[type].join(' or ')} slide to lay it out`);
      return [];
    }
    if (words) this.warnAboutMissingPlaces(template, words, type);
    const copy = structuredClone(template.slide);
    const texts = words ? filledElements(copy.elements, words, this.template.theme.fontName) : copy.elements;
    const elements = texts.map((element) => (element.type === 'image' && element.imageType ? this.withPoolPicture(element) : element));
    return [this.withFreshIds({ ...copy, elements }, type)];
  }

  private warnAboutMissingPlaces(template: TemplateSlide, words: SlideWords, type: AipptSlideType): void {
    if (missingPlaces(template, words) === 0) return;
    this.warnings.push(`a ${type} slide lost text: its template slide has no place for its title, body or part number`);
  }

  private templatesFor(type: AipptSlideType): TemplateSlide[] {
    const standIn = STAND_INS[type].find((candidate) => (this.byType.get(candidate)?.length ?? 0) > 0);
    return standIn ? this.byType.get(standIn)! : [];
  }

  /** The best template slides for these words, taken in turn when several are equally good. */
  private choose(type: AipptSlideType, words: SlideWords): TemplateSlide | undefined {
    const candidates = this.templatesFor(type);
    const score = (t: TemplateSlide) => missingPlaces(t, words) * 10_000 + slotDistance(t.capacity, words.items.length);
    const best = Math.min(...candidates.map(score));
    const ties = candidates.filter((t) => score(t) === best);
    if (ties.length === 0) return undefined;
    const key = `${type}:${best}`;
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    return ties[turn % ties.length];
  }

  /** The pool picture of the box's orientation whose shape is closest to the box's; any picture when none shares it. */
  private withPoolPicture(element: ImageElement): ImageElement {
    const aspect = element.width / element.height;
    const distance = (p: PoolImage) => Math.abs(Math.log(p.width / p.height / aspect));
    const sameOrientation = this.pictures.filter((p) => orientationOf(p.width / p.height) === orientationOf(aspect));
    const choices = sameOrientation.length > 0 ? sameOrientation : this.pictures;
    const picture = choices.reduce<PoolImage | undefined>((best, p) => (!best || distance(p) < distance(best) ? p : best), undefined);
    if (!picture) return element;
    this.pictures.splice(this.pictures.indexOf(picture), 1);
    return { ...element, src: picture.src, clip: { ...element.clip, range: coverCrop(element, picture), shape: element.clip?.shape ?? 'rect' } };
  }

  /**
   * Fresh slide, element and animation ids; groupIds are renamed consistently so groups survive.
   * Links to other slides, comments and section tags point into the template, so they go.
   */
  private withFreshIds(slide: PptistSlide, type: AipptSlideType): PptistSlide {
    const elementIds = new Map<string, string>();
    const groupIds = new Map<string, string>();
    const renamed = (names: Map<string, string>, old: string) => names.get(old) ?? names.set(old, this.newId()).get(old)!;
    const elements = slide.elements.map((element) => {
      const copy: PptistElement = { ...element, id: renamed(elementIds, element.id) };
      if (element.groupId) copy.groupId = renamed(groupIds, element.groupId);
      if (copy.link?.type === 'slide') delete copy.link;
      return copy;
    });
    const { notes: _notes, sectionTag: _sectionTag, animations, ...rest } = slide;
    const kept = animations?.filter((animation) => elementIds.has(animation.elId));
    return {
      ...rest,
      id: this.newId(),
      elements,
      ...(kept ? { animations: kept.map((animation) => ({ ...animation, id: this.newId(), elId: elementIds.get(animation.elId)! })) } : {}),
      type,
    };
  }
}
