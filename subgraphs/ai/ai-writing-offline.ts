// AI writing without a model (degraded mode): what can be done honestly without one. CONDENSE keeps
// the passage's key sentences (offline-generator.ts), POLISH tidies spacing, punctuation and
// sentence case; EXPAND, TRANSLATE and TONE cannot be faked, so the passage comes back unchanged.
import type { AiWritingCommand } from './ai-writing-prompts.js';
import { keySentences } from './offline-generator.js';

// Condensing keeps about two fifths of the sentences, at least one.
const CONDENSED_SHARE = 0.4;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

export function offlineRewrite(command: AiWritingCommand, content: string): string {
  if (command === 'CONDENSE') return content.split(/\n\s*\n/).map((paragraph) => keySentences(paragraph, CONDENSED_SHARE)).filter(Boolean).join('\n\n') || content.trim();
  if (command === 'POLISH') return tidy(content);
  return content;
}

/** Spacing, repeated punctuation and sentence case; the words themselves stay as they are. */
export function tidy(content: string): string {
  const paragraphs = content
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((paragraph) =>
      paragraph
        .split('\n')
        .map((line) => tidyLine(line))
        .filter(Boolean)
        .join('\n'),
    )
    .filter(Boolean);
  return paragraphs.join('\n\n');
}

function tidyLine(line: string): string {
  let text = line.replace(/[ \t\u00A0]+/g, ' ').trim();
  // No space before punctuation; one after it when a word follows (Latin text only: CJK uses none).
  text = text.replace(/ +([,.;:!?])(?=[A-Za-z])/g, '$1 ').replace(/ +([,.;:!?])/g, '$1');
  text = text.replace(/([,;:!?])(?=[A-Za-z])/g, '$1 ').replace(/([a-z]{2})\.(?=[A-Z][a-z])/g, '$1. ');
  // Doubled marks, but not an ellipsis.
  text = text.replace(/([,;:!?])\1+/g, '$1').replace(/([，。；：！？])\1+/g, '$1');
  text = text.replace(/ +([，。；：！？、])/g, '$1').replace(/([，。；：！？、]) +/g, '$1');
  if (CJK.test(text)) return text;
  // Sentence case: the first letter of the line and of every sentence.
  return text.replace(/^([^A-Za-z]*)([a-z])/, (_m, before: string, letter: string) => before + letter.toUpperCase()).replace(/([.!?] +)([a-z])/g, (_m, gap: string, letter: string) => gap + letter.toUpperCase());
}
