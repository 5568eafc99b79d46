// What the model is asked. The outline grammar and the AIPPT objects are the contracts' own
// (REST-COMPAT.md): asking for exactly what the clients parse keeps repair work small. A retry after
// a dropped stream continues from what was already received instead of starting again, so clients
// that already showed part of the answer never see it twice.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { AipptSlide } from '../../lib/pptist/aippt.js';

const LANGUAGE_NAMES: Record<string, string> = { 'zh-CN': 'Simplified Chinese (简体中文)', en: 'English', ja: 'Japanese (日本語)' };
const STYLE_HINTS: Record<string, string> = {
  general: 'clear and neutral',
  academic: 'academic: precise terms, evidence and definitions',
  business: 'business: concise, results and actions first',
  education: 'educational: simple explanations and examples for learners',
  marketing: 'marketing: vivid, benefit-led and persuasive',
};
/** Source text beyond this is cut from prompts: it bounds prompt cost, the full text stays on the job. */
const SOURCE_IN_PROMPT_CHARS = 12_000;

export interface OutlineRequest {
  topic: string;
  sourceText: string | null;
  language: string;
  style: string | null;
  slideCount: number;
}

export interface SlidesRequest {
  outline: string;
  sourceText: string | null;
  language: string;
  style: string | null;
}

const languageOf = (language: string) => LANGUAGE_NAMES[language] ?? language;
const styleOf = (style: string | null) => STYLE_HINTS[style ?? 'general'] ?? STYLE_HINTS.general!;
const sourceBlock = (sourceText: string | null) =>
  sourceText ? `\n\nBuild on this source material (do not invent facts it contradicts):\n"""\n${sourceText.slice(0, SOURCE_IN_PROMPT_CHARS)}\n"""` : '';

export function outlineMessages(request: OutlineRequest, partial = ''): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [
    {
      role: 'system',
      content:
        'You write presentation outlines in Markdown. Use exactly this grammar, every line starting at column 0: ' +
        '"# " deck title (once), "## " chapter, "### " page, "- " bullet point (2 to 4 per page). ' +
        'No numbering, no nested lists, no code fences, no text before or after the outline.',
    },
    {
      role: 'user',
      content:
        `Topic: ${request.topic}\nLanguage: ${languageOf(request.language)}\nTone: ${styleOf(request.style)}\n` +
        `Write ${request.slideCount} pages ("### ") grouped into 3 to 6 chapters ("## ").${sourceBlock(request.sourceText)}`,
    },
  ];
  return partial ? [...messages, ...continuation(partial)] : messages;
}

export function slidesMessages(request: SlidesRequest, done: AipptSlide[] = []): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [
    {
      role: 'system',
      content:
        'You turn a presentation outline into slide objects, one compact JSON object per line, no code fences, no commentary. Schemas:\n' +
        '{"type":"cover","data":{"title":str,"text":str}}\n{"type":"contents","data":{"items":[str]}}\n' +
        '{"type":"transition","data":{"title":str,"text":str}}\n{"type":"content","data":{"title":str,"items":[{"title":str,"text":str}]}}\n' +
        '{"type":"end","data":{}}\n' +
        'Order: cover, contents (the chapter titles), then for each chapter one transition followed by one content slide per page ' +
        '(one item per bullet point; item text is one or two sentences), then end.',
    },
    {
      role: 'user',
      content: `Language: ${languageOf(request.language)}\nTone: ${styleOf(request.style)}\nOutline:\n${request.outline}${sourceBlock(request.sourceText)}`,
    },
  ];
  return done.length ? [...messages, ...continuation(done.map((slide) => JSON.stringify(slide)).join('\n') + '\n')] : messages;
}

/** The retry of a dropped stream: what arrived, as the assistant's, and a request to go on from there. */
export function continuation(partial: string): ChatCompletionMessageParam[] {
  return [
    { role: 'assistant', content: partial },
    { role: 'user', content: 'Your answer was cut off. Continue exactly where it stopped, without repeating anything already written.' },
  ];
}

export interface SlideRequest {
  /** What the user asked for, in their words (may be empty when rewriting a slide as it is). */
  instruction: string;
  /** The slide's current words (rewrite) or the one the new slide follows (insert). */
  slideText: string;
  deckTitle: string;
  /** The slide type to write: the current one when rewriting, content for a new slide. */
  type: string;
  language: string;
}

/** One slide, rewritten or new, as one AIPPT object. */
export function slideMessages(request: SlideRequest, rewrite: boolean): ChatCompletionMessageParam[] {
  return [
    {
      role: 'system',
      content:
        'You write one presentation slide as one compact JSON object on one line, no code fences, no commentary. Schemas:\n' +
        '{"type":"cover","data":{"title":str,"text":str}}\n{"type":"contents","data":{"items":[str]}}\n' +
        '{"type":"transition","data":{"title":str,"text":str}}\n{"type":"content","data":{"title":str,"items":[{"title":str,"text":str}]}}\n' +
        'A content slide has 2 to 4 items; item text is one or two sentences.',
    },
    {
      role: 'user',
      content:
        `Language: ${languageOf(request.language)}\nDeck: ${request.deckTitle}\n` +
        (rewrite
          ? `Rewrite this ${request.type} slide, keeping its type.\nCurrent slide:\n"""\n${request.slideText}\n"""`
          : `Write a new content slide that follows this slide:\n"""\n${request.slideText}\n"""`) +
        (request.instruction ? `\nInstruction: ${request.instruction}` : ''),
    },
  ];
}

/** Speaker notes for one slide: what the presenter says, in plain text. */
export function notesMessages(request: { slideText: string; deckTitle: string; language: string }): ChatCompletionMessageParam[] {
  return [
    {
      role: 'system',
      content: 'You write speaker notes: what the presenter says while showing the slide, 2 to 5 spoken sentences of plain text. No headings, no lists, no Markdown.',
    },
    { role: 'user', content: `Language: ${languageOf(request.language)}\nDeck: ${request.deckTitle}\nSlide:\n"""\n${request.slideText}\n"""` },
  ];
}
