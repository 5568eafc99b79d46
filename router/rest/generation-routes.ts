// Generation over REST: jobs at /generations (a token required; their events as Server-Sent Events
// with Last-Event-ID resume), and the old client's /generate/outline and /generate/slides streams
// (REST-COMPAT.md §1 "Generation"), which run through the same jobs.
import type express from 'express';
import { z } from 'zod';
import type { Gateway } from '../gateway.js';
import { runOperation } from './graphql-client.js';
import {
  FINISHED_STATUSES,
  type GenerationEvent,
  generationEvents,
  type StartGenerationInput,
  startFollowedGeneration,
  startGeneration,
  aipptLine,
} from './generation-jobs.js';
import { bodyOf, type Caller, type Handler, optionalText as text, parseBody, requireToken, wholeNumberField } from './handler.js';
import type { LegacyAccess } from './legacy-access.js';
import { type GraphGenerationJob, restGenerationJob } from './representations.js';
import { abortedOnClose, openResponseStream, resumeAfter, sendServerSentEvents } from './response-stream.js';
import { RestError } from './standard-response.js';



const CreateGenerationBody = z.object({
  topic: text,
  source_text: text,
  outline: text,
  language: text,
  slide_count: wholeNumberField('slide_count').nullish().transform((value) => value ?? undefined),
  style: text,
  template_id: text,
  deck_id: text,
  idempotency_key: text,
  model: text,
  mode: z
    .enum(['deck', 'outline', 'slides', 'DECK', 'OUTLINE', 'SLIDES'], { error: 'mode is deck, outline or slides' })
    .nullish()
    .transform((mode) => (mode ? (mode.toUpperCase() as 'DECK' | 'OUTLINE' | 'SLIDES') : undefined)),
});

function generationInput(body: z.infer<typeof CreateGenerationBody>): StartGenerationInput {
  return {
    mode: body.mode,
    topic: body.topic,
    sourceText: body.source_text,
    outline: body.outline,
    language: body.language,
    slideCount: body.slide_count,
    style: body.style,
    templateId: body.template_id,
    deckId: body.deck_id,
    model: body.model,
    idempotencyKey: body.idempotency_key,
  };
}

/** The REST data of an SSE event: the graph's event as is (its payloads are documented there). */
const restEvent = (event: GenerationEvent) => `id: ${event.seq}\ndata: ${JSON.stringify({ seq: event.seq, type: event.type, payload: event.payload, at: event.at })}\n\n`;

// ------------------------------------------------------------------ the old client's streams

type LegacyMessage = Record<string, unknown>;
/** `data: ` + one line of JSON + a blank line, nothing else: that is all the old client parses. */
const legacyEvent = (message: LegacyMessage) => `data: ${JSON.stringify(message)}\n\n`;
const now = () => new Date().toISOString();
const secondsSince = (start: number) => Math.round((Date.now() - start) / 10) / 100;

/** `model`, `ai_model_id` or `ai_model_config.model`: whichever names one ('' means the default). */
export function requestedModel(body: Record<string, unknown>): string | undefined {
  const config = body.ai_model_config;
  const candidates = [body.ai_model_id, config && typeof config === 'object' ? (config as Record<string, unknown>).model : undefined, body.model];
  return candidates.find((name): name is string => typeof name === 'string' && name.trim() !== '')?.trim();
}

const OutlineRequest = z.object({
  title: z.string({ error: 'title is required' }).trim().min(1, 'title is required').max(200, 'title is at most 200 characters'),
  input_content: text,
  slide_count: wholeNumberField('slide_count')
    .refine((count) => count >= 5 && count <= 25, 'slide_count is 5 to 25')
    .default(10),
  language: text,
});

const SlidesRequest = z.object({
  content: z.string({ error: 'content (the outline) is required' }).refine((outline) => outline.trim() !== '', 'content (the outline) is required'),
  language: text,
  style: text,
});

interface LegacyGeneration {
  /** The `code` of this stream's `error` event. */
  failureCode: string;
  /** The request -> the `start` event's data and the job to run; throws on a bad request. */
  prepare(req: express.Request): { start: LegacyMessage; input: Omit<StartGenerationInput, 'idempotencyKey'> };
  /** A translator of one job's events into the client's messages. */
  translator(jobId: string, startedAt: number): (event: GenerationEvent) => LegacyMessage[];
}

const promptReady = (jobId: string, event: GenerationEvent): LegacyMessage => ({ event: 'prompt_ready', data: { job_id: jobId, model: event.payload.model, timestamp: now() } });

const OUTLINE: LegacyGeneration = {
  failureCode: 'OUTLINE_GENERATION_ERROR',
  prepare(req) {
    const request = parseBody(OutlineRequest, req);
    return {
      start: { title: request.title, slide_count: request.slide_count, language: request.language ?? null, operation_type: 'outline_generation' },
      input: { mode: 'OUTLINE', topic: request.title, sourceText: request.input_content, slideCount: request.slide_count, language: request.language, model: requestedModel(bodyOf(req)) },
    };
  },
  translator(jobId, startedAt) {
    const chunks: string[] = [];
    let markdown: string | undefined;
    return (event) => {
      switch (event.type) {
        case 'QUEUED':
          return [promptReady(jobId, event)];
        case 'OUTLINE_CHUNK':
          chunks.push(String(event.payload.chunk ?? ''));
          return [{ event: 'content_chunk', data: { chunk: chunks.at(-1), timestamp: now() } }];
        case 'OUTLINE_READY':
          markdown = String(event.payload.markdown ?? '');
          return [];
        case 'SUCCEEDED':
          // The client replaces its text with raw_markdown (and waits forever without it); it is
          // also the whole outline when the job replaced what it had streamed.
          return [{ event: 'complete', data: { raw_markdown: markdown ?? chunks.join(''), generation_time: secondsSince(startedAt), timestamp: now() } }];
        default:
          return [];
      }
    };
  },
};

const SLIDES: LegacyGeneration = {
  failureCode: 'SLIDES_GENERATION_ERROR',
  prepare(req) {
    const request = parseBody(SlidesRequest, req);
    return {
      start: { language: request.language ?? null, style: request.style ?? null, operation_type: 'slides_generation' },
      input: { mode: 'SLIDES', outline: request.content, language: request.language, style: request.style, model: requestedModel(bodyOf(req)) },
    };
  },
  translator(jobId, startedAt) {
    let slides = 0;
    return (event) => {
      switch (event.type) {
        case 'QUEUED':
          return [promptReady(jobId, event)];
        case 'SLIDE':
          slides += 1;
          // A bare AIPPT object: the client keeps objects with `type` and a truthy `data` as slides.
          return [aipptLine(event.payload.slide)];
        case 'SUCCEEDED':
          return [{ event: 'complete', data: { total_slides: slides, generation_time: secondsSince(startedAt), timestamp: now() } }];
        default:
          return [];
      }
    };
  },
};

/** Why a job ended without succeeding, for the `error` event. */
function endedWithout(event: GenerationEvent | undefined): Error {
  if (event?.type === 'FAILED') return new Error(String(event.payload.message ?? 'Generation failed'));
  if (event?.type === 'CANCELLED') return new Error('The generation was cancelled');
  return new Error('The generation stream ended before the job finished');
}

/**
 * One of the old client's streams. It is always HTTP 200 and a stream: that client never reads the
 * status, so every failure (a bad request, a refusal, a failed job) is an `error` event.
 */
function legacyGenerationStream(gateway: Gateway, legacy: LegacyAccess, generation: LegacyGeneration): Handler {
  return async (req, caller, res) => {
    const startedAt = Date.now();
    const signal = abortedOnClose(res);
    // No keepalive comments and no retry line: the client parses every block as `data: <json>`.
    const stream = openResponseStream(res);
    const send = (message: LegacyMessage) => stream.send(legacyEvent(message));
    try {
      const { start, input } = generation.prepare(req);
      const acting = await legacy.resolve(caller);
      send({ event: 'start', data: { ...start, timestamp: now() } });
      const { job, events } = await startFollowedGeneration(gateway, acting, input, signal);
      const translate = generation.translator(job.id, startedAt);
      let last: GenerationEvent | undefined;
      for await (const event of events) {
        last = event;
        for (const message of translate(event)) send(message);
      }
      if (last?.type !== 'SUCCEEDED') throw endedWithout(last);
    } catch (error) {
      if (!signal.aborted) send({ event: 'error', data: { error: error instanceof Error ? error.message : 'Generation failed', code: generation.failureCode } });
    } finally {
      stream.end();
    }
    return { sent: true };
  };
}

// ---------------------------------------------------------------------------------- routes

export function mountGenerationRoutes(router: express.Router, gateway: Gateway, route: (handler: Handler) => express.RequestHandler, legacy: LegacyAccess): void {
  const readJob = async (id: string, caller: Caller): Promise<GraphGenerationJob> => {
    requireToken(caller);
    const { job } = await runOperation<{ job: GraphGenerationJob | null }>(gateway, 'GenerationJob', { id }, caller);
    if (!job) throw new RestError(404, 'RESOURCE_NOT_FOUND', `Generation ${id} not found`);
    return job;
  };

  router.post(
    '/generations',
    route(async (req, caller) => {
      requireToken(caller);
      const { job, created } = await startGeneration(gateway, caller, generationInput(parseBody(CreateGenerationBody, req)));
      return created ? { data: restGenerationJob(job), status: 201, message: 'Generation started' } : { data: restGenerationJob(job), message: 'A generation with this idempotency key exists' };
    }),
  );

  router.get(
    '/generations/:id',
    route(async (req, caller) => ({ data: restGenerationJob(await readJob(String(req.params.id), caller)) })),
  );

  router.post(
    '/generations/:id/cancel',
    route(async (req, caller) => {
      requireToken(caller);
      type CancelPayload = { job: GraphGenerationJob | null; error: { code: string; message: string } | null };
      const { result } = await runOperation<{ result: CancelPayload }>(gateway, 'CancelGeneration', { id: req.params.id }, caller);
      if (result.error?.code === 'ALREADY_FINISHED') throw new RestError(409, 'ALREADY_FINISHED', result.error.message, { status: result.job?.status.toLowerCase() });
      if (result.error || !result.job) throw new RestError(400, 'INVALID_REQUEST', result.error?.message ?? 'Not cancelled', { code: result.error?.code });
      return { data: restGenerationJob(result.job), message: 'Generation cancelled' };
    }),
  );

  router.get(
    '/generations/:id/events',
    route(async (req, caller, res) => {
      const after = resumeAfter(req);
      // Access is checked before the stream starts, so refusals are ordinary 4xx answers.
      const job = await readJob(String(req.params.id), caller);
      // A finished job whose log the client already has: 204 tells an EventSource to stop reconnecting.
      if (FINISHED_STATUSES.has(job.status) && (after ?? 0) >= job.lastEventSeq) {
        res.status(204).end();
        return { sent: true };
      }
      const signal = abortedOnClose(res);
      await sendServerSentEvents(res, generationEvents(gateway, caller, job.id, after, signal), signal, restEvent);
      return { sent: true };
    }),
  );

  const streams = { outline: OUTLINE, slides: SLIDES };
  for (const [kind, generation] of Object.entries(streams)) router.post(`/generate/${kind}`, route(legacyGenerationStream(gateway, legacy, generation)));
  // A body that is not JSON fails before any route runs; for this client that too is 200 and an
  // `error` event, not the envelope the facade's other routes answer with.
  router.use('/generate/:kind', (error: unknown, req: express.Request, res: express.Response, next: express.NextFunction) => {
    const generation = streams[String(req.params.kind) as keyof typeof streams];
    if (!generation || req.method !== 'POST') return next(error);
    const stream = openResponseStream(res);
    stream.send(legacyEvent({ event: 'error', data: { error: 'Request body is not valid JSON', code: generation.failureCode } }));
    stream.end();
  });
}
