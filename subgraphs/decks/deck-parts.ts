// A PPTist document <-> the stored form (deck fields, extra top-level fields, one row per slide).
import type { Prisma } from '../../lib/db.js';
import type { Deck, DocumentParts, Slide } from './deck-store.js';

const KNOWN = new Set(['title', 'width', 'height', 'theme', 'slides']);

export interface DocumentLike {
  title: string;
  width: number;
  height: number;
  theme: unknown;
  slides: ({ id: string } & Record<string, unknown>)[];
  [field: string]: unknown;
}

export function splitDocument(document: DocumentLike, title = document.title): DocumentParts {
  const extra = Object.fromEntries(Object.entries(document).filter(([key]) => !KNOWN.has(key)));
  return {
    title,
    width: document.width,
    height: document.height,
    theme: (document.theme ?? {}) as Prisma.InputJsonValue,
    extra: extra as Prisma.InputJsonValue,
    slides: document.slides.map(({ id, ...content }) => ({ id, content: content as Prisma.InputJsonValue })),
  };
}

export function assembleDocument(deck: Deck, slides: Slide[]): DocumentLike {
  return {
    ...(deck.extra as Record<string, unknown>),
    title: deck.title,
    width: deck.width,
    height: deck.height,
    theme: deck.theme,
    slides: slides.map((slide) => ({ id: slide.id, ...(slide.content as Record<string, unknown>) })),
  };
}

/** What changed between two documents, slide by slide (for version summaries). */
export function summariseChanges(from: DocumentLike, to: DocumentLike) {
  const before = new Map(from.slides.map((slide) => [slide.id, JSON.stringify(slide)]));
  const after = new Map(to.slides.map((slide) => [slide.id, JSON.stringify(slide)]));
  const added = [...after.keys()].filter((id) => !before.has(id));
  const removed = [...before.keys()].filter((id) => !after.has(id));
  const changed = [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id));
  const orderBefore = from.slides.map((s) => s.id).filter((id) => after.has(id));
  const orderAfter = to.slides.map((s) => s.id).filter((id) => before.has(id));
  return {
    added,
    removed,
    changed,
    reordered: orderBefore.join() !== orderAfter.join(),
    titleChanged: from.title !== to.title,
    themeChanged: JSON.stringify(from.theme) !== JSON.stringify(to.theme),
  };
}
