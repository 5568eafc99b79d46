// The outline markdown grammar of REST-COMPAT.md: `#` deck title, `##` chapter (a transition
// slide), `###` content page, `- ` point, every line at column 0. Models and people stray from it
// (code fences, `<!-- -->` comments, chatter, numbered or indented lists), so reading is tolerant
// and writing is strict. Only headings and list items carry content: a plain line is chatter.

export interface OutlinePage {
  title: string;
  points: string[];
}

export interface OutlineChapter {
  title: string;
  pages: OutlinePage[];
}

export interface Outline {
  title: string;
  chapters: OutlineChapter[];
}

type OutlineLine = { kind: 'heading'; level: number; text: string } | { kind: 'point'; text: string } | { kind: 'other' };

const FENCE = /^(```|~~~)/;
const HEADING = /^(#{1,6})\s*(.*)$/;
// `-`, `*`, `+`, `•` bullets and `1.`, `1)`, `1、`, `(1)` numbers; `**bold**` and `---` are not bullets.
const LIST_ITEM = /^(?:[-*+•·]\s+|\d{1,3}[.)]\s+|\d{1,3}、\s*|[（(]\d{1,3}[)）]\s*)(.*)$/;

/** The text of a bulleted or numbered line (indentation allowed), or null when it is no list item. */
export function listItemText(line: string): string | null {
  return LIST_ITEM.exec(line.trim())?.[1] ?? null;
}
const HAS_WORD = /[\p{L}\p{N}]/u;

/** One line of outline text, whitespace collapsed, without emphasis markers or leading `#`s. */
export function outlineText(text: string): string {
  return text
    .replace(/\*\*|__/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^#+\s*/, '');
}

/** Reads outline lines one at a time; a `<!-- -->` comment may span lines, so it keeps that state. */
class OutlineLineReader {
  private inComment = false;

  read(raw: string): OutlineLine {
    const line = this.withoutComments(raw).trim();
    if (!line || FENCE.test(line)) return { kind: 'other' };
    const heading = HEADING.exec(line);
    if (heading) {
      const text = outlineText(heading[2]!.replace(/\s#+$/, ''));
      if (!HAS_WORD.test(text)) return { kind: 'other' };
      // Deeper headings than a page have no slide of their own: they are points of the page.
      return heading[1]!.length > 3 ? { kind: 'point', text } : { kind: 'heading', level: heading[1]!.length, text };
    }
    const item = listItemText(line);
    if (item !== null) {
      const text = outlineText(item);
      return HAS_WORD.test(text) ? { kind: 'point', text } : { kind: 'other' };
    }
    return { kind: 'other' };
  }

  private withoutComments(line: string): string {
    let rest = line;
    let kept = '';
    for (;;) {
      if (this.inComment) {
        const close = rest.indexOf('-->');
        if (close < 0) return kept;
        rest = rest.slice(close + 3);
        this.inComment = false;
      }
      const open = rest.indexOf('<!--');
      if (open < 0) return kept + rest;
      kept += rest.slice(0, open);
      rest = rest.slice(open + 4);
      this.inComment = true;
    }
  }
}

export function parseOutline(markdown: string): Outline {
  const reader = new OutlineLineReader();
  const outline: Outline = { title: '', chapters: [] };
  let hasTitle = false;
  let firstHeading: string | null = null;
  let chapter: OutlineChapter | undefined;
  let page: OutlinePage | undefined;
  // Pages before any `##` go into an implicit chapter, titled after the deck once it is known.
  const implicit = new Set<OutlineChapter>();
  const implicitChapter = (): OutlineChapter => {
    const created: OutlineChapter = { title: '', pages: [] };
    implicit.add(created);
    outline.chapters.push(created);
    return created;
  };

  for (const raw of markdown.split(/\r?\n/)) {
    const line = reader.read(raw);
    if (line.kind === 'heading') {
      firstHeading ??= line.text;
      if (line.level === 1 && !hasTitle) {
        outline.title = line.text;
        hasTitle = true;
      } else if (line.level <= 2) {
        chapter = { title: line.text, pages: [] };
        outline.chapters.push(chapter);
        page = undefined;
      } else {
        page = { title: line.text, points: [] };
        chapter ??= implicitChapter();
        chapter.pages.push(page);
      }
    } else if (line.kind === 'point' && firstHeading !== null) {
      if (!page) {
        // A point straight under a chapter (the model skipped `###`): its page is named after the chapter.
        page = { title: '', points: [] };
        chapter ??= implicitChapter();
        chapter.pages.push(page);
      }
      page.points.push(line.text);
    }
  }
  if (!hasTitle) outline.title = firstHeading ?? '';
  for (const each of implicit) each.title = outline.title;
  for (const each of outline.chapters) for (const p of each.pages) p.title ||= each.title;
  return outline;
}

/** The strict grammar: `#`, `##`, `###`, `- `, one item a line, ending with a newline. */
export function renderOutline(outline: Outline): string {
  const lines: string[] = [];
  const title = outlineText(outline.title);
  if (title) lines.push(`# ${title}`);
  for (const chapter of outline.chapters) {
    const chapterTitle = outlineText(chapter.title) || title;
    if (chapterTitle) lines.push(`## ${chapterTitle}`);
    for (const page of chapter.pages) {
      const pageTitle = outlineText(page.title) || chapterTitle;
      if (pageTitle) lines.push(`### ${pageTitle}`);
      for (const point of page.points) {
        const text = outlineText(point);
        if (text) lines.push(`- ${text}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Cleans a model's outline while it streams: drops code fences, comments, blank lines and chatter,
 * strips indentation and turns numbered or `*` items into `- `. It holds back only the line being
 * written, so clients see the outline grow; parsing its output gives what parsing the raw text does.
 */
export class OutlineTextCleaner {
  private readonly reader = new OutlineLineReader();
  private partial = '';
  private started = false;

  push(chunk: string): string {
    this.partial += chunk;
    const end = this.partial.lastIndexOf('\n');
    if (end < 0) return '';
    const complete = this.partial.slice(0, end);
    this.partial = this.partial.slice(end + 1);
    return complete
      .split('\n')
      .map((line) => this.clean(line))
      .join('');
  }

  end(): string {
    const rest = this.partial;
    this.partial = '';
    return rest ? this.clean(rest) : '';
  }

  private clean(raw: string): string {
    const line = this.reader.read(raw);
    if (line.kind === 'heading') {
      this.started = true;
      return `${'#'.repeat(line.level)} ${line.text}\n`;
    }
    // Before the first heading a list is chatter too ("Here is your outline: 1. …").
    if (line.kind === 'point' && this.started) return `- ${line.text}\n`;
    return '';
  }
}
