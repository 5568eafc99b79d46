import { builder } from '../builder.js';
import { type AiWritingEvent as WritingEvent, AiWritingEventType, MAX_WRITING_CHARS } from '../ai-writing.js';
import { AI_WRITING_COMMANDS } from '../ai-writing-prompts.js';
import { GenerationUsage } from './generation-job.js';

const AiWritingCommand = builder.enumType('AiWritingCommand', {
  description: 'POLISH: clearer, correct wording; EXPAND: more detail; CONDENSE: the key points; TRANSLATE: into `language`; TONE: in `tone`',
  values: AI_WRITING_COMMANDS,
});

const EventType = builder.enumType('AiWritingEventType', { values: AiWritingEventType });

const AiWritingInput = builder.inputType('AiWritingInput', {
  fields: (t) => ({
    content: t.string({ required: true, description: `The passage, 1 to ${MAX_WRITING_CHARS} characters` }),
    command: t.field({ type: AiWritingCommand, required: true }),
    language: t.string({ description: 'TRANSLATE (required there): the language to translate into, e.g. French, 中文' }),
    tone: t.string({ description: 'TONE (required there): formal, friendly, persuasive, …' }),
    model: t.string({ description: 'A chat model (id, provider model or name); unknown names fall back to my default model' }),
  }),
});

const AiWritingEvent = builder.objectRef<WritingEvent>('AiWritingEvent').implement({
  description: 'CHUNKs of the rewritten text as the model writes them, then DONE with the whole text; or ERROR',
  fields: (t) => ({
    type: t.field({ type: EventType, resolve: (e) => e.type }),
    text: t.exposeString('text', { nullable: true, description: 'CHUNK: the next piece; DONE: the whole rewritten text' }),
    degraded: t.exposeBoolean('degraded', { description: 'The offline writer answered because no model was available (`code` and `message` say why)' }),
    code: t.exposeString('code', { nullable: true, description: 'ERROR: why it failed (QUOTA_EXCEEDED, MODEL_ERROR); degraded DONE: why (NO_MODEL, MODEL_UNAVAILABLE, EMPTY_ANSWER)' }),
    message: t.exposeString('message', { nullable: true }),
    usage: t.field({ type: GenerationUsage, nullable: true, description: 'DONE: the tokens and cost the call added to my day', resolve: (e) => e.usage }),
    model: t.exposeString('model', { nullable: true, description: 'The model that wrote the text (offline for the offline writer)' }),
  }),
});

builder.subscriptionField('aiWriting', (t) =>
  t.field({
    type: AiWritingEvent,
    description: 'Rewrites a passage (polish, expand, condense, translate, change the tone), streamed; ends after DONE or ERROR',
    args: { input: t.arg({ type: AiWritingInput, required: true }) },
    subscribe: (_root, { input }, ctx) => ctx.writing.start(ctx.viewer, input, ctx.client.ip),
    resolve: (event) => event,
  }),
);
