// What the model is asked to do with a passage, one instruction per command. The answer must be the
// rewritten passage and nothing else: PPTist and the old client paste every byte into the text box.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { continuation } from './generation-prompts.js';

export const AI_WRITING_COMMANDS = ['POLISH', 'EXPAND', 'CONDENSE', 'TRANSLATE', 'TONE'] as const;
export type AiWritingCommand = (typeof AI_WRITING_COMMANDS)[number];

export interface AiWritingRequest {
  content: string;
  command: AiWritingCommand;
  /** TRANSLATE: the language to translate into, as the user named it. */
  language?: string | null;
  /** TONE: the tone to write in (formal, friendly, persuasive, …). */
  tone?: string | null;
}

const SYSTEM =
  'You are a writing assistant for presentation slides. You rewrite the passage the user gives as instructed. ' +
  'Answer with the rewritten passage only: no preface such as "Here is the rewritten text", no explanation, no notes, ' +
  'no quotation marks around it, no code fences, no Markdown the passage did not have. Keep its paragraph breaks as line breaks. ' +
  'Unless told to translate, write in the language of the passage.';

const INSTRUCTIONS: Record<AiWritingCommand, (request: AiWritingRequest) => string> = {
  POLISH: () => 'Polish this passage: fix grammar, spelling and punctuation, and make the wording clearer and more fluent. Keep its meaning, facts and length.',
  EXPAND: () => 'Expand this passage: develop each point with explanation, detail or an example, to about twice its length. Add nothing that contradicts it.',
  CONDENSE: () => 'Condense this passage: keep only its key points, in about half its length or less. Drop repetition and filler.',
  TRANSLATE: (request) => `Translate this passage into ${request.language}. Keep its meaning, tone and formatting; translate everything.`,
  TONE: (request) => `Rewrite this passage in a ${request.tone} tone. Keep its meaning, facts and language.`,
};

export function writingInstruction(request: AiWritingRequest): string {
  return INSTRUCTIONS[request.command](request);
}

/** The messages of one attempt; `partial` is what a dropped stream already delivered. */
export function writingMessages(request: AiWritingRequest, partial = ''): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `${writingInstruction(request)}\n\nPassage:\n"""\n${request.content}\n"""` },
  ];
  return partial ? [...messages, ...continuation(partial)] : messages;
}
