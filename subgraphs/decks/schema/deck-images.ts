// The library images a deck shows. The media subgraph owns Image; decks only know the storage
// keys its image elements and backgrounds point at, and hand them to the graph as references.
import { libraryKeyOf } from '../../../lib/storage/library-keys.js';
import { builder } from '../builder.js';
import { assembleDocument } from '../deck-parts.js';
import { Deck } from './deck.js';

const ImageRef = builder.externalRef('Image', builder.selection<{ storageKey: string }>('storageKey')).implement({
  fields: (t) => ({ storageKey: t.exposeString('storageKey') }),
});

/** Every image src in a document (elements, slide backgrounds) that points at the library, once each. */
export function libraryImageKeys(document: { slides: Record<string, unknown>[] }): string[] {
  const keys = new Set<string>();
  for (const slide of document.slides as { elements?: { type?: string; src?: unknown }[]; background?: { image?: { src?: unknown } } }[]) {
    const sources = [...(slide.elements ?? []).filter((element) => element.type === 'image').map((element) => element.src), slide.background?.image?.src];
    for (const src of sources) {
      const key = typeof src === 'string' ? libraryKeyOf(src) : null;
      if (key) keys.add(key);
    }
  }
  return [...keys];
}

builder.objectField(Deck, 'libraryImages', (t) =>
  t.field({
    type: [ImageRef],
    description: 'The image-library images this deck shows (resolved by the media subgraph; ones you may not see are left out)',
    resolve: async (deck, _args, ctx) => libraryImageKeys(assembleDocument(deck, await ctx.loaders.slidesByDeck.load(deck.id))).map((storageKey) => ({ storageKey })),
  }),
);
