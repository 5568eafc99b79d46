// Per-slide AI tasks: each starts a job like startGeneration (same payload, events, cancel) that
// changes the deck as one batch by the AI, undone by one undoDeckEdit.
import { builder } from '../builder.js';
import type { SlideTaskInput } from '../generation-service.js';
import { StartGenerationPayload, withoutNulls } from './generation-job.js';

const RegenerateSlideInput = builder.inputType('RegenerateSlideInput', {
  fields: (t) => ({
    deckId: t.id({ required: true }),
    slideId: t.string({ required: true }),
    instruction: t.string({ description: 'How to rewrite it (at most 2000 characters); absent: rewrite it as it is' }),
    model: t.string({ description: 'As in startGeneration' }),
    language: t.string({ description: 'zh-CN, en or ja; absent: your preference' }),
  }),
});

const InsertAiSlideInput = builder.inputType('InsertAiSlideInput', {
  fields: (t) => ({
    deckId: t.id({ required: true }),
    afterSlideId: t.string({ required: true }),
    instruction: t.string({ required: true, description: 'What the new slide is about (at most 2000 characters)' }),
    model: t.string(),
    language: t.string(),
  }),
});

const SplitSlideInput = builder.inputType('SplitSlideInput', {
  fields: (t) => ({ deckId: t.id({ required: true }), slideId: t.string({ required: true }) }),
});

const WriteSpeakerNotesInput = builder.inputType('WriteSpeakerNotesInput', {
  fields: (t) => ({
    deckId: t.id({ required: true }),
    slideId: t.string({ description: 'Absent: every slide of the deck' }),
    model: t.string(),
    language: t.string(),
  }),
});

const deckIdOf = (input: { deckId: string | number }) => String(input.deckId);

builder.mutationField('regenerateSlide', (t) =>
  t.field({
    type: StartGenerationPayload,
    description: 'The AI rewrites the slide from its current words and your instruction; it is replaced in place (same id)',
    args: { input: t.arg({ type: RegenerateSlideInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.generations.startSlideTask(ctx.viewer, { ...withoutNulls(input), mode: 'SLIDE_REGENERATE', deckId: deckIdOf(input), slideId: input.slideId }, ctx.client.ip),
  }),
);

builder.mutationField('insertAiSlide', (t) =>
  t.field({
    type: StartGenerationPayload,
    description: 'The AI writes a new slide from your instruction, placed after the given slide',
    args: { input: t.arg({ type: InsertAiSlideInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.generations.startSlideTask(ctx.viewer, { ...withoutNulls(input), mode: 'SLIDE_INSERT', deckId: deckIdOf(input), afterSlideId: input.afterSlideId, instruction: input.instruction }, ctx.client.ip),
  }),
);

builder.mutationField('splitSlide', (t) =>
  t.field({
    type: StartGenerationPayload,
    description: 'An overfull slide becomes two or more: the text that does not fit moves to new slides after it (deterministic, no model)',
    args: { input: t.arg({ type: SplitSlideInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.generations.startSlideTask(ctx.viewer, { mode: 'SLIDE_SPLIT', deckId: deckIdOf(input), slideId: input.slideId }, ctx.client.ip),
  }),
);

builder.mutationField('writeSpeakerNotes', (t) =>
  t.field({
    type: StartGenerationPayload,
    description: "The AI writes speaker notes (each slide's remark) for one slide, or for every slide when slideId is absent",
    args: { input: t.arg({ type: WriteSpeakerNotesInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const { slideId, ...rest } = withoutNulls(input);
      const task: SlideTaskInput = slideId ? { ...rest, mode: 'SLIDE_NOTES', deckId: deckIdOf(input), slideId } : { ...rest, mode: 'DECK_NOTES', deckId: deckIdOf(input) };
      return ctx.generations.startSlideTask(ctx.viewer, task, ctx.client.ip);
    },
  }),
);
