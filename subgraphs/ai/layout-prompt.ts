// What the model sees when it lays out a slide: the slide as compact HTML (one absolutely
// positioned box per element, carrying its data-id, geometry, colours, font and text), and a prompt
// asking for the new geometry as JSON. JSON of numbers is what we read back (layout-reply.ts):
// HTML written back by a model drifts (renamed attributes, re-flowed text), a list of numbers per
// id does not, and it leaves the element's text out of the answer entirely.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { plainText } from '../../lib/pptist/text-fit.js';

/** An element as the optimiser handles it: PPTist's fields, of which only these are relied on. */
export type LayoutElement = Record<string, unknown> & { id: string; type: string; left: number; top: number; width: number; height?: number; rotate?: number };

export interface Canvas {
  width: number;
  height: number;
}

export const LAYOUT_STYLES = ['professional', 'creative', 'minimal'] as const;
export type LayoutStyle = (typeof LAYOUT_STYLES)[number];

export interface LayoutRequest {
  canvas: Canvas;
  elements: readonly LayoutElement[];
  keepColors: boolean;
  keepFonts: boolean;
  style: LayoutStyle;
  userPrompt?: string;
  contentAnalysis?: string;
  layoutTypeHint?: string;
}

// Enough words for the model to tell a title from a caption; the whole text is not its business.
const TEXT_PREVIEW_CHARS = 160;

const STYLE_GUIDE: Record<LayoutStyle, string> = {
  professional: 'professional: a clear grid, consistent margins, aligned edges, a strong title, generous but even spacing',
  creative: 'creative: a bolder, asymmetric composition with visual emphasis, still balanced and readable',
  minimal: 'minimal: lots of white space, few alignment lines, restrained sizes, nothing crowded',
};

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const px = (value: unknown) => `${Math.round(Number(value) * 10) / 10}px`;

/** The rich text an element shows (a text box's content, a shape's text), if any. */
export function elementRichText(element: LayoutElement): string | undefined {
  if (element.type === 'text' && typeof element.content === 'string') return element.content;
  const text = element.text as { content?: unknown } | undefined;
  if (element.type === 'shape' && text && typeof text.content === 'string') return text.content;
  return undefined;
}

const FONT_SIZE = /font-size:\s*([\d.]+)px/i;

function textStyle(element: LayoutElement): string[] {
  const html = elementRichText(element);
  if (html === undefined) return [];
  const holder = element.type === 'shape' ? (element.text as Record<string, unknown>) : element;
  const size = FONT_SIZE.exec(html)?.[1];
  return [
    size && `font-size:${size}px`,
    typeof holder.defaultColor === 'string' && `color:${holder.defaultColor}`,
    typeof holder.defaultFontName === 'string' && holder.defaultFontName && `font-family:${holder.defaultFontName}`,
  ].filter((s): s is string => Boolean(s));
}

/** One element as a box of the slide; lines as the box their two points span. */
function elementHtml(element: LayoutElement): string {
  const geometry =
    element.type === 'line'
      ? [`left:${px(element.left)}`, `top:${px(element.top)}`]
      : [`left:${px(element.left)}`, `top:${px(element.top)}`, `width:${px(element.width)}`, `height:${px(element.height)}`];
  if (element.rotate) geometry.push(`transform:rotate(${Number(element.rotate)}deg)`);
  const fill = typeof element.fill === 'string' && element.fill ? [`background:${element.fill}`] : [];
  const style = [...geometry, ...fill, ...textStyle(element)].join(';');
  const role = (element.textType ?? (element.text as { type?: unknown } | undefined)?.type ?? element.imageType) as string | undefined;
  const attributes = [`data-id="${escapeHtml(element.id)}"`, `data-type="${escapeHtml(element.type)}"`, role ? `data-role="${escapeHtml(role)}"` : '', element.groupId ? `data-group="${escapeHtml(String(element.groupId))}"` : '']
    .filter(Boolean)
    .join(' ');
  const html = elementRichText(element);
  let inner = '';
  if (html !== undefined) {
    const words = plainText(html).replace(/\s+/g, ' ').trim();
    inner = escapeHtml(words.length > TEXT_PREVIEW_CHARS ? `${words.slice(0, TEXT_PREVIEW_CHARS)}…` : words);
  } else if (element.type === 'line') {
    inner = `line from ${JSON.stringify(element.start)} to ${JSON.stringify(element.end)}`;
  } else if (element.type === 'chart') {
    inner = `${String(element.chartType ?? '')} chart`;
  } else if (element.type === 'table') {
    const rows = Array.isArray(element.data) ? element.data.length : 0;
    inner = `table, ${rows} rows`;
  } else {
    inner = element.type;
  }
  return `<div ${attributes} style="${style}">${inner}</div>`;
}

/** The slide as compact HTML: a canvas-sized box holding one absolutely positioned box per element. */
export function slideHtml(canvas: Canvas, elements: readonly LayoutElement[]): string {
  return [`<div class="slide" style="position:relative;width:${px(canvas.width)};height:${px(canvas.height)}">`, ...elements.map((e) => `  ${elementHtml(e)}`), '</div>'].join('\n');
}

export function layoutMessages(request: LayoutRequest): ChatCompletionMessageParam[] {
  const { canvas } = request;
  const fields = ['"id"', '"left"', '"top"', '"width"', '"height"', '"rotate" (optional)', '"fontSize" (optional, px, text only)'];
  if (!request.keepColors) fields.push('"color" (optional, text colour as #rrggbb)', '"fill" (optional, background as #rrggbb)');
  if (!request.keepFonts) fields.push('"fontName" (optional, a font family)');
  const system = [
    'You are a slide designer. You improve the layout of one presentation slide: position, size and alignment of its elements.',
    `The slide is ${canvas.width} × ${canvas.height} px; (0, 0) is its top-left corner.`,
    'Answer with JSON only, no commentary, in exactly this form:',
    '{"description": "<one sentence on what you changed>", "elements": [{"id": "...", "left": 0, "top": 0, "width": 0, "height": 0}]}',
    `Each entry of "elements" may have: ${fields.join(', ')}.`,
    'Rules:',
    '- Use the ids exactly as given (the data-id attributes). You may leave out an element you do not change; never invent ids for existing elements.',
    '- Never change any text: the answer carries geometry and style only.',
    `- Every element must stay fully on the slide: 0 ≤ left, 0 ≤ top, left + width ≤ ${canvas.width}, top + height ≤ ${canvas.height}.`,
    '- Widths and heights are positive numbers. Never write null: omit a field instead.',
    '- For a line element ("data-type": "line") only "left" and "top" move it; its length stays.',
    request.keepColors ? '- Keep every colour as it is (do not send "color" or "fill").' : '- You may change text colours and backgrounds to improve contrast and harmony.',
    request.keepFonts ? '- Keep the font families as they are (do not send "fontName"); you may change font sizes.' : '- You may change font families and sizes.',
    `Style: ${STYLE_GUIDE[request.style]}.`,
  ].join('\n');
  const hints = [
    request.layoutTypeHint && `Layout type hint: ${request.layoutTypeHint}`,
    request.contentAnalysis && `Content analysis: ${request.contentAnalysis}`,
    request.userPrompt && `The user asks: ${request.userPrompt}`,
  ].filter(Boolean);
  const user = ['The slide:', slideHtml(canvas, request.elements), ...hints, 'Return the improved layout as JSON.'].join('\n\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}
