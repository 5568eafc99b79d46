// What the fake model writes in the generation bench: a 30-page outline in the strict grammar and
// the AIPPT slide objects for it, one compact JSON object a line, as the prompts ask. Drawn from a
// seeded generator, so every run (and every job with the same seed) streams the same text, with
// lines of varied length like a model's. Loads no project module beyond the seeded generator and types.
import type { AipptItem, AipptSlide } from '../../lib/pptist/aippt.js';
import { seededRandom } from '../../test/seeded-random.js';

export interface AiDeck {
  /** The outline markdown, every line ending with a newline. */
  outline: string;
  slides: AipptSlide[];
  /** The slides as the model streams them (JSON Lines). */
  slidesText: string;
  /** Where each slide object's closing brace is in `slidesText`. */
  closingBraces: number[];
  pages: number;
}

const WORDS = (
  'water supply network pipe main pressure tank storage dam treatment filter quality sensor meter demand leak loss ' +
  'pump station energy cost tariff user district city council crew repair renewal drought flood rain runoff river ' +
  'groundwater reuse chlorine data forecast plan growth peak risk response valve hydrant budget rule health home ' +
  'farm field use saving smart asset age safe clean fast low high new old local public shared'
).split(' ');


/** A whole number from `min` to `max`, both included. */
export const between = (random: () => number, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

function phrase(random: () => number, minWords: number, maxWords: number): string {
  const words = Array.from({ length: between(random, minWords, maxWords) }, () => WORDS[Math.floor(random() * WORDS.length)]!);
  return words.join(' ').replace(/^./, (c) => c.toUpperCase());
}

const sentence = (random: () => number, minWords: number, maxWords: number) => `${phrase(random, minWords, maxWords)}.`;

/**
 * `chapters` × `pagesPerChapter` content pages of 2–3 points each (titles 2–6 words, points 2–7,
 * item text one sentence of 4–10 words), so outline lines run from about 10 to 70 characters.
 */
export function aiDeck(seed: number, chapters = 6, pagesPerChapter = 5): AiDeck {
  const random = seededRandom(seed);
  const title = phrase(random, 3, 6);
  const page = () => ({ title: phrase(random, 2, 6), points: Array.from({ length: between(random, 2, 3) }, () => phrase(random, 2, 7)) });
  const outline = { title, chapters: Array.from({ length: chapters }, () => ({ title: phrase(random, 2, 5), pages: Array.from({ length: pagesPerChapter }, page) })) };

  const lines = [`# ${outline.title}`];
  for (const chapter of outline.chapters) {
    lines.push(`## ${chapter.title}`);
    for (const page of chapter.pages) lines.push(`### ${page.title}`, ...page.points.map((point) => `- ${point}`));
  }

  const slides: AipptSlide[] = [
    { type: 'cover', data: { title, text: sentence(random, 5, 10) } },
    { type: 'contents', data: { items: outline.chapters.map((chapter) => chapter.title) } },
  ];
  for (const chapter of outline.chapters) {
    slides.push({ type: 'transition', data: { title: chapter.title, text: sentence(random, 4, 9) } });
    for (const page of chapter.pages) {
      const items: AipptItem[] = page.points.map((point) => ({ title: point, text: sentence(random, 4, 10) }));
      slides.push({ type: 'content', data: { title: page.title, items } });
    }
  }
  slides.push({ type: 'end', data: {} });

  const objects = slides.map((slide) => JSON.stringify(slide));
  const closingBraces: number[] = [];
  let offset = 0;
  for (const object of objects) {
    closingBraces.push(offset + object.length - 1);
    offset += object.length + 1;
  }
  return { outline: `${lines.join('\n')}\n`, slides, slidesText: objects.join('\n'), closingBraces, pages: chapters * pagesPerChapter };
}
