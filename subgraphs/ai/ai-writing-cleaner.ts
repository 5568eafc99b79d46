// A model's rewrite as the clients may show it, cleaned while it streams: code-fence lines dropped,
// a leading chatter line ("Here is the rewritten text:", "以下是润色后的内容：") and leading blank
// lines dropped, trailing blank lines never sent. Text goes out as soon as it cannot be one of
// those: a line is held back only while it could still be a fence, or, before any text was sent,
// a chatter line.

// How a chatter line starts (compared in lower case).
const CHATTER_OPENERS = [
  'here is', "here's", 'here are', 'sure', 'certainly', 'okay', 'ok,', 'ok!', 'of course', 'below is', 'the following',
  'the rewritten', 'the polished', 'the expanded', 'the condensed', 'the translated', 'the translation', 'rewritten', 'polished', 'expanded',
  'condensed', 'translated', 'translation', 'revised', 'the revised',
  '以下是', '以下为', '好的', '当然', '这是', '下面是', '改写', '润色', '扩写', '精简', '翻译', '修改后', '优化后',
];
// Chatter is a short line; a longer first line is the passage.
const MAX_CHATTER_CHARS = 160;
const FENCE = /^\s*```[\w+-]*\s*$/;

const lead = (line: string) => line.trimStart().replace(/^\*\*/, '').toLowerCase();

function couldBeChatter(line: string): boolean {
  const text = lead(line);
  return text.length <= MAX_CHATTER_CHARS && CHATTER_OPENERS.some((opener) => opener.startsWith(text) || text.startsWith(opener));
}

function isChatter(line: string): boolean {
  const text = line.trim().replace(/\*\*/g, '');
  if (!couldBeChatter(text)) return false;
  return /[:：]$/.test(text) || /^(sure|certainly|okay|ok|of course|好的|当然)[\s!！.。,，]*$/i.test(text);
}

/** A line that may still turn out to be a fence: blank so far, a prefix of ``` or a ``` line. */
const couldBeFence = (line: string) => {
  const text = line.trimStart();
  return '```'.startsWith(text) || text.startsWith('```');
};

export class WritingTextCleaner {
  /** The current line's text not yet sent. */
  private line = '';
  /** Part of the current line was sent: the rest follows as it comes. */
  private lineOpen = false;
  /** Some text was sent. */
  private started = false;
  /** Line breaks held until more text follows them. */
  private breaks = '';

  push(piece: string): string {
    let out = '';
    for (const part of piece.split(/(\n)/)) {
      if (part === '\n') out += this.endLine();
      else if (part) {
        this.line += part;
        out += this.partialLine();
      }
    }
    return out;
  }

  end(): string {
    const line = this.line;
    this.line = '';
    if (this.lineOpen) return '';
    if (!line.trim() || FENCE.test(line) || (!this.started && isChatter(line))) return '';
    return this.send(line.trimEnd());
  }

  private partialLine(): string {
    if (this.lineOpen) return this.send(this.take(), true);
    if (!this.line.trim() || couldBeFence(this.line)) return '';
    if (!this.started && couldBeChatter(this.line)) return '';
    return this.send(this.take(), true);
  }

  private endLine(): string {
    const line = this.take();
    if (this.lineOpen) {
      this.lineOpen = false;
      this.breaks += '\n';
      return '';
    }
    if (FENCE.test(line)) return '';
    if (!this.started && (!line.trim() || isChatter(line))) return '';
    if (!line.trim()) {
      this.breaks += '\n';
      return '';
    }
    const out = this.send(line.trimEnd());
    this.breaks += '\n';
    return out;
  }

  private take(): string {
    const line = this.line;
    this.line = '';
    return line;
  }

  private send(text: string, open = false): string {
    if (!text) return '';
    const out = (this.started ? this.breaks : '') + text;
    this.breaks = '';
    this.started = true;
    this.lineOpen = open || this.lineOpen;
    return out;
  }
}

/** The whole answer at once (tests, offline checks). */
export function cleanWriting(text: string): string {
  const cleaner = new WritingTextCleaner();
  return cleaner.push(text) + cleaner.end();
}
