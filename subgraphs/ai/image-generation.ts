// Images from a prompt: a model with the image_gen capability draws one through the openai SDK
// (our retries and the model's circuit breaker, as for text), and the AI agent stores it in the
// caller's image library as a generated image, through the media subgraph's own API.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Viewer } from '../../lib/auth/tokens.js';
import { unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { userErrorFromZod } from '../../lib/graphql/user-error.js';
import { type AgentGraphClient, AgentGraphError } from './agent-graph-client.js';
import { clientFor } from './chat-stream.js';
import { type ModelCaller, modelRefusal, modelUnavailable } from './model-call.js';
import { classifyModelError } from './model-errors.js';
import { LIMITS, type RateLimiter } from '../../lib/rate-limit.js';
import type { ModelEndpoint, ModelRegistry } from './model-registry.js';

// The sizes DALL·E 2/3 and their OpenAI-compatible lookalikes accept.
export const IMAGE_SIZES = ['256x256', '512x512', '1024x1024', '1792x1024', '1024x1792'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

// Drawing takes tens of seconds; a request with no answer after two minutes is not coming back.
const DRAW_TIMEOUT_MS = 120_000;
const CONTENT_TYPES = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;

const Input = z.object({
  prompt: z.string().trim().min(1, 'Describe the image').max(1000, 'The prompt is at most 1000 characters'),
  model: z.string().trim().max(200).nullish(),
  size: z.enum(IMAGE_SIZES, { message: `size is one of ${IMAGE_SIZES.join(', ')}` }).nullish(),
});
/** As a client sends it; `Input` checks it. */
export interface ImageGenerationInput {
  prompt: string;
  model?: string | null;
  size?: string | null;
}

export type ImageGenerationResult = { ok: true; image: { id: string } } | { ok: false; error: UserErrorShape };

export class ImageGenerator {
  constructor(
    private readonly models: ModelRegistry,
    private readonly agent: AgentGraphClient,
    private readonly caller: ModelCaller,
    private readonly limiter: RateLimiter,
  ) {}

  async generate(viewer: Viewer | null, input: ImageGenerationInput): Promise<ImageGenerationResult> {
    if (!viewer) throw unauthenticated();
    const parsed = Input.safeParse(input);
    if (!parsed.success) return { ok: false, error: userErrorFromZod(parsed.error) };
    const { prompt, model: requested } = parsed.data;
    const size = parsed.data.size ?? '1024x1024';
    const { model } = await this.models.resolve(viewer.userId, requested, 'image_gen');
    const endpoint = model ? await this.models.endpoint(model.id) : null;
    if (!endpoint) return { ok: false, error: { code: 'NO_IMAGE_MODEL', message: 'No image model is available: add one with the image_gen capability', field: 'model' } };
    await this.limiter.enforce(LIMITS.imagesPerUser, viewer.userId, 'ai');

    let drawn: { bytes: Buffer; format: keyof typeof CONTENT_TYPES };
    try {
      drawn = await this.caller.call(endpoint, () => draw(endpoint, prompt, size));
    } catch (error) {
      return { ok: false, error: modelProblem(endpoint, error) };
    }
    try {
      const image = await this.agent.storeGeneratedImage(viewer.userId, {
        bytes: drawn.bytes,
        contentType: CONTENT_TYPES[drawn.format],
        filename: `generated-${randomUUID()}.${drawn.format === 'jpeg' ? 'jpg' : drawn.format}`,
        prompt,
        model: endpoint.name,
      });
      return { ok: true, image };
    } catch (error) {
      // The library refused the picture (corrupt, too large): the user's request failed, not the platform.
      if (error instanceof AgentGraphError && error.code !== 'AGENT_NOT_CONFIGURED' && error.code !== 'GRAPH_ERROR') {
        return { ok: false, error: { code: error.code, message: error.message, field: null } };
      }
      throw error;
    }
  }
}

/** One request; the SDK's retries are off (clientFor), ours are around it. */
async function draw(endpoint: ModelEndpoint, prompt: string, size: ImageSize): Promise<{ bytes: Buffer; format: keyof typeof CONTENT_TYPES }> {
  const response = await clientFor(endpoint.baseUrl, endpoint.apiKey).images.generate(
    { model: endpoint.providerModel, prompt, size, response_format: 'b64_json', n: 1 },
    { timeout: DRAW_TIMEOUT_MS },
  );
  const encoded = response.data?.[0]?.b64_json;
  // A well-formed answer without the picture will not improve on a retry: permanent.
  if (!encoded) throw new Error(`${endpoint.name} answered without an image`);
  return { bytes: Buffer.from(encoded, 'base64'), format: response.output_format ?? 'png' };
}

function modelProblem(endpoint: ModelEndpoint, error: unknown): UserErrorShape {
  const failure = classifyModelError(error);
  if (failure.kind === 'aborted') throw error;
  if (modelUnavailable(error)) {
    return { code: 'MODEL_UNAVAILABLE', message: `${endpoint.name} is unavailable (${failure.message}); try again later`, field: 'model' };
  }
  return { code: 'MODEL_ERROR', message: modelRefusal(endpoint.name, error), field: failure.status === 400 ? 'prompt' : 'model' };
}
