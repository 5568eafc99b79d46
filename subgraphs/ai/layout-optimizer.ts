// Layout optimisation: a slide's elements are shown to a chat model as compact HTML
// (layout-prompt.ts), its JSON answer is checked all or nothing (layout-reply.ts) and becomes the
// new elements. Two doors, one piece of logic: `optimize` is stateless (elements in, elements out:
// GraphQL's optimizeLayout and the REST route POST /api/v1/layout/optimize), `optimizeSlide` reads
// a deck's slide through the AI agent and writes the result back as ONE batch of UPDATE_ELEMENT
// operations (only the changed properties) by the agent on the user's behalf, so one undo reverts
// it. A model that is down (breaker open, transient failures past the retries, no answer in time)
// or absent is replaced by a deterministic tidy-up (layout-tidy.ts), flagged degraded; a model
// that refuses the request (401, 400…) is an error, as is an answer that breaks the rules.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Viewer } from '../../lib/auth/tokens.js';
import { isUuid, unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { ELEMENT_TYPES, MAX_ID_CHARS } from '../../lib/pptist/document.js';
import { LIMITS, rateSubject } from '../../lib/rate-limit.js';
import { AgentGraphError } from './agent-graph-client.js';
import { quotaProblem } from './daily-quota.js';
import { modelRefusal, modelUnavailable } from './model-call.js';
import { classifyModelError } from './model-errors.js';
import type { ModelEndpoint } from './model-registry.js';
import { LAYOUT_STYLES, type LayoutElement, layoutMessages, type LayoutRequest, type LayoutStyle } from './layout-prompt.js';
import { readLayoutReply } from './layout-reply.js';
import { tidyLayout } from './layout-tidy.js';
import type { AiToolDeps } from './ai-tool-deps.js';

/** The contract's bound on one request's elements. */
export const MAX_LAYOUT_ELEMENTS = 50;
// The old client gives up after 120 s; our answer (retries included) must arrive before that.
const LAYOUT_DEADLINE_MS = 110_000;
const EDITOR_ROLES = new Set(['OWNER', 'ADMIN', 'EDITOR']);

export interface LayoutOptions {
  style?: string | null;
  userPrompt?: string | null;
  model?: string | null;
  keepColors?: boolean | null;
  keepFonts?: boolean | null;
  temperature?: number | null;
}

/** The stateless form, as a client sends it. */
export interface LayoutInput extends LayoutOptions {
  slideId?: string | null;
  elements?: unknown;
  canvasWidth: number;
  canvasHeight: number;
  contentAnalysis?: unknown;
  layoutTypeHint?: string | null;
}

export interface SlideLayoutInput extends LayoutOptions {
  deckId: string;
  slideId: string;
}

export interface LayoutOutcome {
  /** Every element given, changed or not, then any the model added. */
  elements: LayoutElement[];
  description: string;
  degraded: boolean;
  /** The model that answered; null for the tidy-up. */
  model: string | null;
  durationMs: number;
}

export type LayoutResult = { ok: true; layout: LayoutOutcome } | { ok: false; error: UserErrorShape };

export interface SlideLayoutResult {
  applied: boolean;
  revision: number | null;
  batchId: string | null;
  clientId: string | null;
  /** The slide's elements after the change (locked ones included). */
  elements: LayoutElement[] | null;
  description: string | null;
  degraded: boolean;
  error: UserErrorShape | null;
}

const Options = {
  // An unknown style is not worth refusing a layout over: the contract names three, clients vary.
  style: z
    .string()
    .max(50, 'style is at most 50 characters')
    .nullish()
    .transform((style): LayoutStyle => (LAYOUT_STYLES as readonly string[]).includes(style?.trim().toLowerCase() ?? '') ? (style!.trim().toLowerCase() as LayoutStyle) : 'professional'),
  userPrompt: z.string().max(2000, 'userPrompt is at most 2000 characters').nullish(),
  model: z.string().trim().max(200).nullish(),
  // Both default to "keep": a layout pass should not restyle a deck unless asked to.
  keepColors: z.boolean().nullish().transform((keep) => keep ?? true),
  keepFonts: z.boolean().nullish().transform((keep) => keep ?? true),
  temperature: z.number().min(0, 'temperature is 0 to 2').max(2, 'temperature is 0 to 2').nullish(),
};

const ElementInput = z
  .looseObject({
    id: z.string().min(1, 'must not be empty').max(MAX_ID_CHARS, `must be at most ${MAX_ID_CHARS} characters`),
    type: z.enum(ELEMENT_TYPES, { error: `must be one of ${ELEMENT_TYPES.join(', ')}` }),
    left: z.number({ error: 'must be a number' }),
    top: z.number({ error: 'must be a number' }),
    width: z.number({ error: 'must be a number' }).min(0, 'must not be negative'),
    height: z.number({ error: 'must be a number' }).min(0, 'must not be negative').optional(),
    rotate: z.number({ error: 'must be a number' }).optional(),
  })
  .refine((e) => e.type === 'line' || e.height !== undefined, { message: 'is required (expected number)', path: ['height'] });

const StatelessInput = z.object({
  slideId: z.string().max(MAX_ID_CHARS).nullish(),
  elements: z
    .array(ElementInput, { error: 'must be a list of elements' })
    .max(MAX_LAYOUT_ELEMENTS, `at most ${MAX_LAYOUT_ELEMENTS} elements`)
    .superRefine((elements, ctx) => {
      const seen = new Set<string>();
      elements.forEach((e, i) => {
        if (seen.has(e.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate element id ${JSON.stringify(e.id)}` });
        seen.add(e.id);
      });
    }),
  canvasWidth: z.number().positive('must be positive').max(10_000, 'must be at most 10000'),
  canvasHeight: z.number().positive('must be positive').max(10_000, 'must be at most 10000'),
  contentAnalysis: z.unknown().optional(),
  layoutTypeHint: z.string().max(100, 'layoutTypeHint is at most 100 characters').nullish(),
  ...Options,
});

const SlideInput = z.object({
  deckId: z.string().refine(isUuid, 'deckId is not an id'),
  slideId: z.string().min(1, 'slideId is required').max(MAX_ID_CHARS),
  ...Options,
});

type ParsedOptions = { style: LayoutStyle; userPrompt?: string | null; model?: string | null; keepColors: boolean; keepFonts: boolean; temperature?: number | null };


export class LayoutOptimizer {
  constructor(private readonly deps: AiToolDeps) {}

  /** Elements in, elements out. Nothing to lay out (the client leaves locked elements out) is no change. */
  async optimize(viewer: Viewer | null, input: LayoutInput, clientIp: string | null = null): Promise<LayoutResult> {
    if (!viewer) throw unauthenticated();
    const parsed = StatelessInput.safeParse({ ...input, elements: withoutNulls(input.elements) });
    if (!parsed.success) return { ok: false, error: inputError(parsed.error) };
    const request = parsed.data;
    const elements = request.elements as LayoutElement[];
    if (elements.length === 0) return { ok: true, layout: { elements: [], description: 'There is nothing to lay out.', degraded: false, model: null, durationMs: 0 } };
    const refusal = await this.admit(viewer, clientIp);
    if (refusal) return { ok: false, error: refusal };
    return this.layOut(viewer.userId, request, {
      canvas: { width: request.canvasWidth, height: request.canvasHeight },
      elements,
      keepColors: request.keepColors,
      keepFonts: request.keepFonts,
      style: request.style,
      userPrompt: request.userPrompt ?? undefined,
      contentAnalysis: hint(request.contentAnalysis),
      layoutTypeHint: request.layoutTypeHint ?? undefined,
    });
  }

  /** One slide of a deck, laid out and written back as one undoable batch by the AI agent. */
  async optimizeSlide(viewer: Viewer | null, input: SlideLayoutInput, clientIp: string | null = null): Promise<SlideLayoutResult> {
    if (!viewer) throw unauthenticated();
    const parsed = SlideInput.safeParse(input);
    if (!parsed.success) return failed(inputError(parsed.error));
    const request = parsed.data;
    const userId = viewer.userId;
    const deck = await this.deps.agent.deckDocument(userId, request.deckId);
    if (!deck) return failed({ code: 'NOT_FOUND', message: `Deck ${request.deckId} not found`, field: 'deckId' });
    if (!EDITOR_ROLES.has(deck.myRole ?? '')) return failed({ code: 'FORBIDDEN', message: 'You may not edit this deck', field: 'deckId' });
    const slide = deck.document.slides.find((s) => s.id === request.slideId);
    if (!slide) return failed({ code: 'SLIDE_NOT_FOUND', message: `Slide ${request.slideId} is not in this deck`, field: 'slideId' });
    const all = slide.elements as unknown as LayoutElement[];
    // Locked elements are the user's "do not touch": they are neither shown to the model nor moved.
    const elements = all.filter((e) => !e.lock);
    const unchanged = (description: string): SlideLayoutResult => ({ applied: false, revision: deck.revision, batchId: null, clientId: null, elements: all, description, degraded: false, error: null });
    if (elements.length === 0) return unchanged('There is nothing to lay out.');
    const refusal = await this.admit(viewer, clientIp);
    if (refusal) return failed(refusal);

    const batchId = randomUUID();
    const clientId = `ai:layout:${batchId}`;
    await this.deps.agent.present(userId, deck.id, clientId, slide.id);
    try {
      const result = await this.layOut(
        userId,
        request,
        { canvas: { width: deck.document.width, height: deck.document.height }, elements, keepColors: request.keepColors, keepFonts: request.keepFonts, style: request.style, userPrompt: request.userPrompt ?? undefined },
        new Set(all.map((e) => e.id)),
      );
      if (!result.ok) return failed(result.error);
      const { layout } = result;
      const operations = layoutOperations(slide.id, elements, layout.elements);
      if (operations.length === 0) return { ...unchanged(layout.description || 'The layout needed no change.'), degraded: layout.degraded };
      const outcome = await this.deps.agent.applyOperations(userId, { deckId: deck.id, baseRevision: deck.revision, operations, batchId, clientId }).catch((error: unknown) => {
        // The decks subgraph is the judge of who may edit: its refusal is the user's answer.
        if (error instanceof AgentGraphError && (error.code === 'FORBIDDEN' || error.code === 'NOT_FOUND')) return error;
        throw error;
      });
      if (outcome instanceof AgentGraphError) return failed({ code: outcome.code, message: outcome.message, field: 'deckId' });
      if (outcome.status === 'CONFLICT') return failed({ code: 'LAYOUT_CONFLICT', message: 'The slide changed while the layout was being made; nothing was applied, try again', field: 'slideId' });
      if (outcome.status === 'REJECTED') return failed({ code: outcome.error?.code ?? 'DECK_WRITE_REFUSED', message: outcome.error?.message ?? 'The deck refused the layout', field: null });
      const byId = new Map(layout.elements.map((e) => [e.id, e]));
      const added = layout.elements.filter((e) => !all.some((a) => a.id === e.id));
      return {
        applied: true,
        revision: outcome.revision,
        batchId,
        clientId,
        elements: [...all.map((e) => byId.get(e.id) ?? e), ...added],
        description: layout.description,
        degraded: layout.degraded,
        error: null,
      };
    } finally {
      await this.deps.agent.leave(userId, deck.id, clientId);
    }
  }

  /** The daily quota (as data) and the per-user rate (thrown, RATE_LIMITED), before any model call. */
  private async admit(viewer: Viewer, clientIp: string | null): Promise<UserErrorShape | null> {
    const refusal = await quotaProblem(this.deps.store, viewer.userId, this.deps.dailyTokenQuota);
    if (refusal) return refusal;
    await this.deps.limiter.enforce(LIMITS.layoutsPerUser, rateSubject(viewer, clientIp), 'ai');
    return null;
  }

  private async layOut(userId: string, options: ParsedOptions, request: LayoutRequest, takenIds?: ReadonlySet<string>): Promise<LayoutResult> {
    const started = Date.now();
    const endpoint = await this.endpointFor(userId, options.model);
    const degrade = (reason: string): LayoutResult => {
      const tidy = tidyLayout(request.elements, request.canvas);
      return { ok: true, layout: { elements: tidy.elements, description: `${tidy.description} ${reason}`, degraded: true, model: null, durationMs: Date.now() - started } };
    };
    if (!endpoint) return degrade('No layout model is available.');

    const signal = AbortSignal.timeout(LAYOUT_DEADLINE_MS);
    const tuned: ModelEndpoint = typeof options.temperature === 'number' ? { ...endpoint, parameters: { ...endpoint.parameters, temperature: options.temperature } } : endpoint;
    let text: string;
    try {
      const answer = await this.deps.caller.stream(tuned, { signal, messages: (received) => continued(layoutMessages(request), received), onText: () => undefined });
      text = answer.text;
      await this.deps.store.addUserUsage(userId, answer.usage);
    } catch (error) {
      const failure = classifyModelError(error);
      if (modelUnavailable(error) || (failure.kind === 'aborted' && signal.aborted)) {
        this.deps.log.warn({ model: endpoint.name, reason: failure.message }, 'layout optimisation degraded to the tidy-up');
        return degrade(`${endpoint.name} is unavailable (${failure.message}).`);
      }
      if (failure.kind === 'aborted') throw error;
      return { ok: false, error: { code: 'MODEL_ERROR', message: modelRefusal(endpoint.name, error), field: 'model' } };
    }
    const read = readLayoutReply(text, request.elements, { canvas: request.canvas, keepColors: request.keepColors, keepFonts: request.keepFonts, takenIds });
    if (!read.ok) {
      this.deps.log.warn({ model: endpoint.name, reason: read.error.message, field: read.error.field }, 'layout answer refused');
      return read;
    }
    const { layout } = read;
    if (layout.repairs.length > 0) this.deps.log.info({ model: endpoint.name, repairs: layout.repairs }, 'layout answer repaired');
    return { ok: true, layout: { elements: layout.elements, description: layout.description || 'Layout improved.', degraded: false, model: endpoint.name, durationMs: Date.now() - started } };
  }

  /**
   * The model a request means (REST-COMPAT.md "Model names"): the one it names; a name this server
   * does not know, or none, means the user's default model, else the platform's default.
   */
  private async endpointFor(userId: string, requested: string | null | undefined): Promise<ModelEndpoint | null> {
    const named = requested ? await this.deps.models.resolve(userId, requested) : null;
    let model = named?.matched ? named.model : null;
    if (!model) {
      const preferred = (await this.deps.agent.preferences(userId))?.defaultModel;
      model = (await this.deps.models.resolve(userId, preferred)).model;
    }
    return model ? this.deps.models.endpoint(model.id) : null;
  }
}

/** A retry after a dropped stream continues the JSON where it broke (the caller joins the pieces). */
function continued(messages: ReturnType<typeof layoutMessages>, received: string): ReturnType<typeof layoutMessages> {
  if (!received) return messages;
  return [...messages, { role: 'assistant', content: received }, { role: 'user', content: 'Continue exactly where you stopped, without repeating anything.' }];
}

/** UPDATE_ELEMENT with only the changed properties (null removes one), INSERT_ELEMENT for new ones. */
export function layoutOperations(slideId: string, before: readonly LayoutElement[], after: readonly LayoutElement[]): Record<string, unknown>[] {
  const operations: Record<string, unknown>[] = [];
  const originals = new Map(before.map((e) => [e.id, e]));
  for (const element of after) {
    const original = originals.get(element.id);
    if (!original) {
      operations.push({ type: 'INSERT_ELEMENT', slideId, element });
      continue;
    }
    const props: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(original), ...Object.keys(element)])) {
      if (key === 'id' || key === 'type') continue;
      if (JSON.stringify(original[key]) !== JSON.stringify(element[key])) props[key] = element[key] ?? null;
    }
    if (Object.keys(props).length > 0) operations.push({ type: 'UPDATE_ELEMENT', slideId, elementId: element.id, props });
  }
  return operations;
}

/** JSON without null members (the contract's clients spread elements, so null would erase a field). */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

/** The first problem, with its whole path (`elements.3.left`), so a client can find the bad field. */
function inputError(error: z.ZodError): UserErrorShape {
  const issue = error.issues[0]!;
  const field = issue.path.map(String).join('.');
  return { code: 'BAD_USER_INPUT', message: field.startsWith('elements.') ? `${field}: ${issue.message}` : issue.message, field: field || null };
}

function hint(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return (typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 2000);
}

const failed = (error: UserErrorShape): SlideLayoutResult => ({ applied: false, revision: null, batchId: null, clientId: null, elements: null, description: null, degraded: false, error });

