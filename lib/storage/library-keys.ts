// Recognising image-library keys inside slide content: an image element's src is either the key
// itself (what the old client stores) or our stable img-access link to it. Kept apart from the
// storage drivers so the decks subgraph can read slides without loading a storage SDK.
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KEY = `images/${UUID}/${UUID}(?:\\.(?:thumb|web))?\\.[a-z0-9]{1,8}`;
const BARE_KEY = new RegExp(`^${KEY}$`);
const IN_ACCESS_LINK = new RegExp(`/api/v1/img-access/(${KEY})(?:[?#]|$)`);

/** The library key an image src points at, or null for any other picture (a URL, a data URL). */
export function libraryKeyOf(src: string): string | null {
  if (BARE_KEY.test(src)) return src;
  return IN_ACCESS_LINK.exec(src)?.[1] ?? null;
}
