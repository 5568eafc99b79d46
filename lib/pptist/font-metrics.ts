// Advance widths read from real font files, for text-fit.ts's wrapping model (a `GlyphMetrics`).
//
// Fonts: Noto Sans for Latin, Greek, Cyrillic and Vietnamese, then Noto Sans SC for CJK (and
// anything else it has), both OFL-licensed, from the @fontsource-variable packages. Why these:
// - PPTist decks name system fonts (Microsoft YaHei, PingFang, Arial …) that cannot be shipped;
//   Noto Sans / Noto Sans SC are the open sans families closest to them in width (Noto's Latin is
//   a few percent wider than Arial, so text measured here errs towards "does not fit"), and
//   Source Han / Noto Sans SC set every ideograph and full-width mark on the 1 em grid like YaHei.
// - The variable builds are the compact option: one file per Unicode chunk covers every weight
//   (bold is the `wght` axis at 700, through the HVAR table), 4.2 MB + 4.9 MB unpacked against
//   7.2 MB + 74.5 MB for the static @fontsource packages with a file per weight.
// - The files are WOFF2 chunks split by unicode-range (as a browser loads them): only the chunks
//   holding characters a deck uses are read and decoded, on first use, and each code point's
//   advance is cached once per weight. Parsing is fontkitten (a 345 kB fontkit subset that reads
//   WOFF2 and variable-font tables).
// Everything here is synchronous (text-fit's measuring is): a chunk is read with readFileSync the
// first time one of its characters is measured, which costs a few ms for Latin and up to ~100 ms
// for a large CJK chunk (fontkitten decodes Brotli in JavaScript), once per process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { create } from 'fontkitten';
import type { GlyphMetrics } from './text-fit.js';

/** CSS font-weight PPTist's `<strong>` and `font-weight: bold` resolve to. */
const BOLD_WEIGHT = 700;

/** The stylesheets whose @font-face rules list the chunks, in fallback order. */
const FONT_STYLESHEETS = ['@fontsource-variable/noto-sans/wght.css', '@fontsource-variable/noto-sans-sc/wght.css'] as const;

interface FontChunk {
  file: string;
  ranges: Array<[number, number]>;
}

/** The parts of fontkitten's parsed tables this module reads (fontkitten types them loosely). */
interface VariableFont {
  unitsPerEm: number;
  hasGlyphForCodePoint(codePoint: number): boolean;
  glyphForCodePoint(codePoint: number): { id: number; advanceWidth: number };
  fvar?: { axis: Array<{ axisTag: string; minValue: number; defaultValue: number; maxValue: number }> };
  avar?: { segment: Array<{ correspondence: Array<{ fromCoord: number; toCoord: number }> }> };
  HVAR?: {
    advanceWidthMapping?: { mapCount: number; mapData: Array<{ outerIndex: number; innerIndex: number }> };
    itemVariationStore: {
      variationRegionList: { variationRegions: Array<Array<{ startCoord: number; peakCoord: number; endCoord: number }>> };
      itemVariationData: Array<{ regionIndexCount: number; regionIndexes: number[]; deltaSets: Array<{ deltas: number[] }> }>;
    };
  };
}

interface LoadedChunk {
  font: VariableFont;
  /** The bold instance's coordinates, normalised to -1…1 and mapped through `avar`. */
  boldCoords: number[];
}

function parseRange(token: string): [number, number] | undefined {
  const match = /^U\+([0-9a-f?]+)(?:-([0-9a-f]+))?$/i.exec(token.trim());
  if (!match) return undefined;
  const [, start, end] = match;
  if (start!.includes('?')) return [parseInt(start!.replace(/\?/g, '0'), 16), parseInt(start!.replace(/\?/g, 'f'), 16)];
  return [parseInt(start!, 16), parseInt(end ?? start!, 16)];
}

/** The chunks a fontsource stylesheet declares: each @font-face's file and unicode-range. */
export function chunksOfStylesheet(css: string, dir: string): FontChunk[] {
  const chunks: FontChunk[] = [];
  for (const face of css.matchAll(/@font-face\s*{([^}]*)}/g)) {
    const body = face[1]!;
    const url = /url\(\s*['"]?([^'")]+)['"]?\s*\)/.exec(body)?.[1];
    const ranges = /unicode-range:\s*([^;]+);/.exec(body)?.[1];
    if (!url || !ranges) continue;
    chunks.push({ file: resolve(dir, url), ranges: ranges.split(',').map(parseRange).filter((range) => range !== undefined) });
  }
  return chunks;
}

function normalisedCoords(font: VariableFont, settings: Record<string, number>): number[] {
  const axes = font.fvar?.axis ?? [];
  const coords = axes.map((axis) => {
    const value = Math.min(axis.maxValue, Math.max(axis.minValue, settings[axis.axisTag.trim()] ?? axis.defaultValue));
    if (value === axis.defaultValue) return 0;
    return value < axis.defaultValue
      ? (value - axis.defaultValue) / (axis.defaultValue - axis.minValue)
      : (value - axis.defaultValue) / (axis.maxValue - axis.defaultValue);
  });
  // avar remaps each normalised coordinate piecewise-linearly.
  font.avar?.segment.forEach((segment, i) => {
    const map = segment.correspondence;
    const c = coords[i];
    if (c === undefined) return;
    for (let j = 1; j < map.length; j += 1) {
      const from = map[j - 1]!;
      const to = map[j]!;
      if (c <= to.fromCoord) {
        coords[i] = to.fromCoord === from.fromCoord ? to.toCoord : from.toCoord + ((c - from.fromCoord) * (to.toCoord - from.toCoord)) / (to.fromCoord - from.fromCoord);
        break;
      }
    }
  });
  return coords;
}

/**
 * The HVAR delta of a glyph's advance at `coords` (OpenType item variation store). Done here
 * because fontkitten's own `getVariation` re-reads a WOFF2 file as if it were uncompressed.
 */
function advanceDelta(font: VariableFont, glyphId: number, coords: number[]): number {
  const hvar = font.HVAR;
  if (!hvar) return 0;
  const mapping = hvar.advanceWidthMapping;
  const entry = mapping ? mapping.mapData[Math.min(glyphId, mapping.mapCount - 1)] : { outerIndex: 0, innerIndex: glyphId };
  const store = hvar.itemVariationStore;
  const data = entry && store.itemVariationData[entry.outerIndex];
  const deltas = data?.deltaSets[entry!.innerIndex]?.deltas;
  if (!data || !deltas) return 0;
  let delta = 0;
  for (let k = 0; k < data.regionIndexCount; k += 1) {
    const region = store.variationRegionList.variationRegions[data.regionIndexes[k]!] ?? [];
    let scalar = 1;
    region.forEach((axis, j) => {
      const c = coords[j] ?? 0;
      const { startCoord: start, peakCoord: peak, endCoord: end } = axis;
      if (start > peak || peak > end || (start < 0 && end > 0) || peak === 0) return;
      if (c < start || c > end) scalar = 0;
      else if (c < peak) scalar *= (c - start) / (peak - start);
      else if (c > peak) scalar *= (end - c) / (end - peak);
    });
    delta += scalar * (deltas[k] ?? 0);
  }
  return delta;
}

/** Glyph advances from font files, each chunk decoded on first use and each code point measured once per weight. */
export class FontFileMetrics implements GlyphMetrics {
  private readonly loaded = new Map<string, LoadedChunk | null>();
  private readonly regular = new Map<number, number | null>();
  private readonly bold = new Map<number, number | null>();

  constructor(private readonly chunks: readonly FontChunk[]) {}

  advance(codePoint: number, bold: boolean): number | undefined {
    const cache = bold ? this.bold : this.regular;
    let em = cache.get(codePoint);
    if (em === undefined) {
      em = this.measure(codePoint, bold);
      cache.set(codePoint, em);
    }
    return em ?? undefined;
  }

  /** Files decoded so far (the bench reports it; tests check laziness). */
  get loadedFiles(): string[] {
    return [...this.loaded.entries()].filter(([, chunk]) => chunk).map(([file]) => file);
  }

  private measure(codePoint: number, bold: boolean): number | null {
    for (const chunk of this.chunks) {
      if (!chunk.ranges.some(([start, end]) => codePoint >= start && codePoint <= end)) continue;
      const loaded = this.load(chunk.file);
      if (!loaded?.font.hasGlyphForCodePoint(codePoint)) continue;
      const glyph = loaded.font.glyphForCodePoint(codePoint);
      const units = glyph.advanceWidth + (bold ? advanceDelta(loaded.font, glyph.id, loaded.boldCoords) : 0);
      return units / loaded.font.unitsPerEm;
    }
    return null;
  }

  private load(file: string): LoadedChunk | null {
    if (!this.loaded.has(file)) {
      let chunk: LoadedChunk | null = null;
      try {
        const font = create(readFileSync(file)) as unknown as VariableFont;
        chunk = { font, boldCoords: normalisedCoords(font, { wght: BOLD_WEIGHT }) };
      } catch {
        // A missing or unreadable chunk leaves its characters to text-fit's estimates.
      }
      this.loaded.set(file, chunk);
    }
    return this.loaded.get(file)!;
  }
}

let bundled: FontFileMetrics | undefined;

/** The bundled Noto Sans + Noto Sans SC metrics, one instance (and one cache) per process. */
export function bundledFontMetrics(): FontFileMetrics {
  if (!bundled) {
    const require = createRequire(import.meta.url);
    const chunks = FONT_STYLESHEETS.flatMap((sheet) => {
      const path = require.resolve(sheet);
      return chunksOfStylesheet(readFileSync(path, 'utf8'), dirname(path));
    });
    bundled = new FontFileMetrics(chunks);
  }
  return bundled;
}
