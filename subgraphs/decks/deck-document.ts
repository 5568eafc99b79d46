// The PPTist document at the boundary. The foundation checks the document's frame (title, size,
// theme, slides with ids and element lists); element-level validation belongs to the decks issue.
// Unknown fields pass through untouched so newer editors do not lose data.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

const Slide = z.looseObject({
  id: z.string().min(1),
  elements: z.array(z.looseObject({ id: z.string().min(1), type: z.string().min(1) })),
});

export const DeckDocument = z.looseObject({
  title: z.string().max(200),
  width: z.number().positive().max(10_000).default(1000),
  height: z.number().positive().max(10_000).default(562.5),
  theme: z.looseObject({}).default({}),
  slides: z.array(Slide).max(500),
});
export type DeckDocument = z.infer<typeof DeckDocument>;

export function emptyDocument(title: string): DeckDocument {
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

/** The first problem, with the path of the bad field (e.g. `slides.2.elements.0.id`). */
export function parseDocument(input: unknown): { ok: true; document: DeckDocument } | { ok: false; path: string; message: string } {
  const parsed = DeckDocument.safeParse(input);
  if (parsed.success) return { ok: true, document: parsed.data };
  const issue = parsed.error.issues[0]!;
  const path = ['document', ...issue.path.map(String)].join('.');
  return { ok: false, path, message: `${path}: ${issue.message}` };
}
