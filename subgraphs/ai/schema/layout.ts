import type { SubgraphTypes } from '../../../lib/graphql/subgraph-builder.js';
import { builder, UserError } from '../builder.js';
import type { AiContext } from '../context.js';
import { type LayoutResult, MAX_LAYOUT_ELEMENTS, type SlideLayoutResult } from '../layout-optimizer.js';
import { LAYOUT_STYLES } from '../layout-prompt.js';

const OPTION_FIELDS = {
  style: `${LAYOUT_STYLES.join(', ')} (default professional; other values read as professional)`,
  userPrompt: 'What the user wants from the layout, in their words (at most 2000 characters)',
  model: 'A chat model (id, provider model or name); unknown names fall back to my default model, then the platform default',
  keepColors: 'Leave colours as they are (default true)',
  keepFonts: 'Leave font families as they are (default true; sizes may still change)',
  temperature: 'The model’s temperature, 0 to 2 (default: the model’s own setting)',
} as const;

/** The options both inputs take, as the REST contract's `options` plus model and temperature. */
function optionFields(t: PothosSchemaTypes.InputFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<SubgraphTypes<AiContext>>, 'InputObject'>) {
  return {
    style: t.string({ description: OPTION_FIELDS.style }),
    userPrompt: t.string({ description: OPTION_FIELDS.userPrompt }),
    model: t.string({ description: OPTION_FIELDS.model }),
    keepColors: t.boolean({ description: OPTION_FIELDS.keepColors }),
    keepFonts: t.boolean({ description: OPTION_FIELDS.keepFonts }),
    temperature: t.float({ description: OPTION_FIELDS.temperature }),
  };
}

const OptimizeLayoutInput = builder.inputType('OptimizeLayoutInput', {
  fields: (t) => ({
    slideId: t.string({ description: 'Echoed back; the slide is not read (the elements are given)' }),
    elements: t.field({ type: 'JSON', required: true, description: `0 to ${MAX_LAYOUT_ELEMENTS} PPTist elements (locked ones left out); each needs id, type, left, top, width and (except lines) height` }),
    canvasWidth: t.float({ required: true }),
    canvasHeight: t.float({ required: true }),
    contentAnalysis: t.field({ type: 'JSON', description: 'A hint for the model about the slide’s content' }),
    layoutTypeHint: t.string({ description: 'A hint for the model, e.g. "title-content" or "two-column"' }),
    ...optionFields(t),
  }),
});

const OptimizeSlideLayoutInput = builder.inputType('OptimizeSlideLayoutInput', {
  fields: (t) => ({
    deckId: t.id({ required: true }),
    slideId: t.string({ required: true }),
    ...optionFields(t),
  }),
});

const OptimizeLayoutPayload = builder.objectRef<LayoutResult>('OptimizeLayoutPayload').implement({
  fields: (t) => ({
    elements: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Every element given, changed where the layout changed it (complete elements, no null fields), then any new ones',
      resolve: (r) => (r.ok ? r.layout.elements : null),
    }),
    description: t.string({ nullable: true, description: 'What changed, in words', resolve: (r) => (r.ok ? r.layout.description : null) }),
    degraded: t.boolean({ description: 'The model was unavailable: a deterministic tidy-up (grid, aligned edges, on the slide) stood in', resolve: (r) => r.ok && r.layout.degraded }),
    model: t.string({ nullable: true, description: 'The model that made the layout; null for the tidy-up', resolve: (r) => (r.ok ? r.layout.model : null) }),
    durationMs: t.int({ nullable: true, resolve: (r) => (r.ok ? r.layout.durationMs : null) }),
    error: t.field({
      type: UserError,
      nullable: true,
      description: 'BAD_USER_INPUT, QUOTA_EXCEEDED, MODEL_ERROR, or LAYOUT_REPLY_INVALID (the model’s answer broke a rule; `field` names the part; nothing is returned)',
      resolve: (r) => (r.ok ? null : r.error),
    }),
  }),
});

const OptimizeSlideLayoutPayload = builder.objectRef<SlideLayoutResult>('OptimizeSlideLayoutPayload').implement({
  fields: (t) => ({
    applied: t.exposeBoolean('applied', { description: 'A batch was written (false when nothing needed to change, or on error)' }),
    revision: t.exposeInt('revision', { nullable: true, description: 'The deck revision after the batch (or now, when nothing changed)' }),
    batchId: t.exposeID('batchId', { nullable: true, description: 'The batch the AI agent wrote (undoDeckEdit reverts it in one step)' }),
    clientId: t.exposeString('clientId', { nullable: true, description: 'The AI agent’s client id on the batch and in presence' }),
    elements: t.field({ type: 'JSON', nullable: true, description: 'The slide’s elements after the change', resolve: (r) => r.elements }),
    description: t.exposeString('description', { nullable: true }),
    degraded: t.exposeBoolean('degraded', { description: 'The tidy-up stood in for an unavailable model' }),
    error: t.field({
      type: UserError,
      nullable: true,
      description: 'NOT_FOUND, FORBIDDEN (not an editor), SLIDE_NOT_FOUND, LAYOUT_CONFLICT, QUOTA_EXCEEDED, MODEL_ERROR or LAYOUT_REPLY_INVALID; nothing was applied',
      resolve: (r) => r.error,
    }),
  }),
});

builder.mutationField('optimizeLayout', (t) =>
  t.field({
    type: OptimizeLayoutPayload,
    description: 'Improves the layout of a slide’s elements with a model (elements in, elements out; nothing is stored)',
    args: { input: t.arg({ type: OptimizeLayoutInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.layouts.optimize(ctx.viewer, input, ctx.client.ip),
  }),
);

builder.mutationField('optimizeSlideLayout', (t) =>
  t.field({
    type: OptimizeSlideLayoutPayload,
    description: 'Improves the layout of one slide of a deck I may edit and applies it as one undoable batch by the AI agent',
    args: { input: t.arg({ type: OptimizeSlideLayoutInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.layouts.optimizeSlide(ctx.viewer, input, ctx.client.ip),
  }),
);
