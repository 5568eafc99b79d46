// POST /api/v1/layout/optimize (REST-COMPAT.md §1 "Layout optimisation"): the graph's
// optimizeLayout in the predecessor's shapes. A legacy route: the old client calls it without a
// token, so anonymous calls act as the workspace account (LegacyAccess). The client spreads each
// returned element over its original, so `data` carries no nulls, and it accepts only 2xx with
// status "success": a degraded tidy-up is still a success, said so in `message` and `description`.
import type express from 'express';
import { z } from 'zod';
import type { Gateway } from '../gateway.js';
import { requestedModel } from './generation-routes.js';
import { runOperation } from './graphql-client.js';
import { bodyOf, type Handler, optionalText, parseBody } from './handler.js';
import type { LegacyAccess } from './legacy-access.js';
import { RestError } from './standard-response.js';

interface LayoutPayload {
  elements: unknown[] | null;
  description: string | null;
  degraded: boolean;
  model: string | null;
  durationMs: number | null;
  error: { code: string; message: string; field: string | null } | null;
}

const dimension = (name: string) => z.number({ error: `${name} must be a number` }).positive(`${name} must be positive`);

const LayoutBody = z.object({
  slide_id: z.string({ error: 'slide_id is required' }).min(1, 'slide_id is required'),
  elements: z.array(z.unknown(), { error: 'elements must be a list of elements' }),
  canvas_size: z.object({ width: dimension('canvas_size.width'), height: dimension('canvas_size.height') }, { error: 'canvas_size ({width, height}) is required' }),
  options: z
    .object(
      {
        keep_colors: z.boolean({ error: 'options.keep_colors must be true or false' }).nullish(),
        keep_fonts: z.boolean({ error: 'options.keep_fonts must be true or false' }).nullish(),
        style: optionalText,
      },
      { error: 'options must be an object' },
    )
    .nullish(),
  user_prompt: optionalText,
  temperature: z.number({ error: 'temperature must be a number' }).nullish(),
  content_analysis: z.unknown().optional(),
  layout_type_hint: optionalText,
});

/** The graph's input names -> the contract's, for `error_details.field`. */
const FIELD_NAMES: Record<string, string> = {
  canvasWidth: 'canvas_size.width',
  canvasHeight: 'canvas_size.height',
  userPrompt: 'user_prompt',
  keepColors: 'options.keep_colors',
  keepFonts: 'options.keep_fonts',
  style: 'options.style',
  model: 'ai_model_config.model',
  layoutTypeHint: 'layout_type_hint',
};

/** A refusal as the contract's envelope: the caller's mistake 400, a spent quota 429, the model's fault 502. */
function refusal(error: NonNullable<LayoutPayload['error']>): RestError {
  const field = error.field ? (FIELD_NAMES[error.field] ?? error.field) : undefined;
  const details = { code: error.code, ...(field && { field }) };
  if (error.code === 'BAD_USER_INPUT') return new RestError(400, 'INVALID_REQUEST', error.message, details);
  if (error.code === 'QUOTA_EXCEEDED') return new RestError(429, 'QUOTA_EXCEEDED', error.message, details);
  return new RestError(502, error.code, error.message, details);
}

export function mountLayoutRoutes(router: express.Router, gateway: Gateway, route: (handler: Handler) => express.RequestHandler, legacy: LegacyAccess): void {
  router.post(
    '/layout/optimize',
    route(async (req, caller) => {
      const body = parseBody(LayoutBody, req);
      const input = {
        slideId: body.slide_id,
        elements: body.elements,
        canvasWidth: body.canvas_size.width,
        canvasHeight: body.canvas_size.height,
        keepColors: body.options?.keep_colors ?? undefined,
        keepFonts: body.options?.keep_fonts ?? undefined,
        style: body.options?.style,
        userPrompt: body.user_prompt,
        model: requestedModel(bodyOf(req)),
        temperature: body.temperature ?? undefined,
        contentAnalysis: body.content_analysis ?? undefined,
        layoutTypeHint: body.layout_type_hint,
      };
      const { result } = await runOperation<{ result: LayoutPayload }>(gateway, 'OptimizeLayout', { input }, await legacy.resolve(caller));
      if (result.error) throw refusal(result.error);
      if (!result.elements) throw new RestError(500, 'INTERNAL_ERROR', 'Internal server error');
      const data = {
        slide_id: body.slide_id,
        elements: result.elements,
        description: result.description ?? '',
        duration: Math.round((result.durationMs ?? 0) / 10) / 100,
      };
      return { data, message: result.degraded ? 'Layout tidied without the model (degraded mode)' : 'Layout optimised' };
    }),
  );
}
