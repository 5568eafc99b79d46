// AI writing: one passage polished, expanded, condensed, translated or re-toned, streamed as the
// model writes it. One model call through the model's breaker and our retries (ModelCaller), its
// output cleaned of fences and chatter on the way, its tokens added to the user's day (and so to the
// daily quota). A model that is down (breaker open, transient failures past the retries) or absent
// is replaced by the offline rewrite (ai-writing-offline.ts), flagged degraded with the reason; a
// model that refuses the request (401, 400…) ends the stream with an ERROR event.
// GraphQL's aiWriting subscription serves it; the router's /tools/ai_writing and
// /api/tools/ai_writing run that subscription.
import { z } from 'zod';
import type { Viewer } from '../../lib/auth/tokens.js';
import { badInput, unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import { userErrorFromZod } from '../../lib/graphql/user-error.js';
import { LIMITS, rateSubject } from '../../lib/rate-limit.js';
import { inbox, stoppable } from '../../lib/stoppable.js';
import { WritingTextCleaner } from './ai-writing-cleaner.js';
import { offlineRewrite } from './ai-writing-offline.js';
import { AI_WRITING_COMMANDS, type AiWritingRequest, writingMessages } from './ai-writing-prompts.js';
import { quotaProblem } from './daily-quota.js';
import { type CallUsage, modelRefusal, modelUnavailable } from './model-call.js';
import { classifyModelError } from './model-errors.js';
import type { ModelEndpoint } from './model-registry.js';
import type { AiToolDeps } from './ai-tool-deps.js';

/** A passage is a slide's text or a few paragraphs pasted in; 20k characters is a long document. */
export const MAX_WRITING_CHARS = 20_000;

export const AiWritingEventType = ['CHUNK', 'DONE', 'ERROR'] as const;

export interface AiWritingUsage {
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/**
 * CHUNK: the next piece of the rewritten text. DONE: the whole text (what the CHUNKs add up to,
 * except when a model that broke mid-answer was replaced, which `message` then says), with the
 * usage. ERROR: the request failed (`code`, `message`); nothing follows.
 */
export interface AiWritingEvent {
  type: (typeof AiWritingEventType)[number];
  text: string | null;
  degraded: boolean;
  code: string | null;
  message: string | null;
  usage: AiWritingUsage | null;
  model: string | null;
}

const Input = z
  .object({
    content: z
      .string({ error: 'content is required' })
      .min(1, `content is 1 to ${MAX_WRITING_CHARS} characters`)
      .max(MAX_WRITING_CHARS, `content is 1 to ${MAX_WRITING_CHARS} characters`)
      .refine((text) => text.trim() !== '', 'content must not be blank'),
    command: z.enum(AI_WRITING_COMMANDS, { message: `command is one of ${AI_WRITING_COMMANDS.join(', ')}` }),
    language: z.string().trim().max(50, 'language is at most 50 characters').nullish(),
    tone: z.string().trim().max(50, 'tone is at most 50 characters').nullish(),
    model: z.string().trim().max(200).nullish(),
  })
  .refine((input) => input.command !== 'TRANSLATE' || input.language, { message: 'Translating needs the language to translate into', path: ['language'] })
  .refine((input) => input.command !== 'TONE' || input.tone, { message: 'Changing the tone needs the tone to write in', path: ['tone'] });

/** As a client sends it; `Input` checks it. */
export interface AiWritingInput {
  content: string;
  command: string;
  language?: string | null;
  tone?: string | null;
  model?: string | null;
}


const NO_USAGE: AiWritingUsage = { promptTokens: 0, completionTokens: 0, costUsd: 0 };
const event = (type: AiWritingEvent['type'], fields: Partial<AiWritingEvent> = {}): AiWritingEvent => ({ type, text: null, degraded: false, code: null, message: null, usage: null, model: null, ...fields });

type CallOutcome = { ok: true; usage: CallUsage } | { ok: false; error: unknown };

export class AiWritingService {
  constructor(private readonly deps: AiToolDeps) {}

  /**
   * Checks the request, the quota and the rate before anything streams: bad input is a
   * BAD_USER_INPUT error naming the field; a spent quota is a stream of one ERROR event.
   * `clientIp` counts anonymous PPTist callers (one shared account) per address.
   */
  async start(viewer: Viewer | null, input: AiWritingInput, clientIp: string | null = null): Promise<AsyncIterableIterator<AiWritingEvent>> {
    if (!viewer) throw unauthenticated();
    const parsed = Input.safeParse(input);
    if (!parsed.success) {
      const problem = userErrorFromZod(parsed.error);
      throw badInput(problem.message, problem.field ?? undefined);
    }
    const request = parsed.data;
    const refusal = await quotaProblem(this.deps.store, viewer.userId, this.deps.dailyTokenQuota);
    if (refusal) return once(failed(refusal));
    await this.deps.limiter.enforce(LIMITS.aiWritingPerUser, rateSubject(viewer, clientIp), 'ai');

    const requested = request.model || (await this.deps.agent.preferences(viewer.userId))?.defaultModel;
    const { model } = await this.deps.models.resolve(viewer.userId, requested);
    const endpoint = model ? await this.deps.models.endpoint(model.id) : null;
    const userId = viewer.userId;
    return stoppable((signal) => (endpoint ? this.write(userId, request, endpoint, signal) : offline(request, 'NO_MODEL', 'No model is available; the offline writer answered', false)));
  }

  private async *write(userId: string, request: AiWritingRequest, endpoint: ModelEndpoint, signal: AbortSignal): AsyncGenerator<AiWritingEvent> {
    const chunks = inbox<string>(signal);
    const cleaner = new WritingTextCleaner();
    let written = '';
    const take = (text: string) => {
      if (!text) return;
      chunks.push(text);
      written += text;
    };
    let outcome: CallOutcome | undefined;
    // Usage is recorded even when the client left before the end: the provider bills it anyway.
    void this.deps.caller
      .stream(endpoint, { signal, messages: (received) => writingMessages(request, received), onText: (piece) => take(cleaner.push(piece)) })
      .then(async ({ usage }) => {
        take(cleaner.end());
        await this.deps.store.addUserUsage(userId, usage);
        return { ok: true, usage } as const;
      })
      .catch((error: unknown) => ({ ok: false, error }) as const)
      .then((result) => {
        outcome = result;
        chunks.close();
      });

    for await (const text of chunks.items()) yield event('CHUNK', { text, model: endpoint.name });
    if (signal.aborted || !outcome) return;
    const usage = outcome.ok ? { promptTokens: outcome.usage.promptTokens, completionTokens: outcome.usage.completionTokens, costUsd: outcome.usage.costUsd } : NO_USAGE;
    if (outcome.ok && written.trim()) {
      yield event('DONE', { text: written, usage, model: endpoint.name });
      return;
    }
    if (outcome.ok) {
      yield* offline(request, 'EMPTY_ANSWER', `${endpoint.name} answered with no text; the offline writer answered`, false, usage);
      return;
    }
    const failure = classifyModelError(outcome.error);
    if (failure.kind === 'aborted') return;
    if (modelUnavailable(outcome.error)) {
      this.deps.log.warn({ model: endpoint.name, reason: failure.message }, 'ai writing degraded to the offline writer');
      yield* offline(request, 'MODEL_UNAVAILABLE', `${endpoint.name} is unavailable (${failure.message}); the offline writer answered`, written !== '');
      return;
    }
    yield failed({ code: 'MODEL_ERROR', message: modelRefusal(endpoint.name, outcome.error) });
  }
}

/** The offline rewrite as a stream: one CHUNK (unless model text already went out) and DONE, both degraded. */
async function* offline(request: AiWritingRequest, code: string, reason: string, replacing: boolean, usage: AiWritingUsage = NO_USAGE): AsyncGenerator<AiWritingEvent> {
  const text = offlineRewrite(request.command, request.content);
  if (!replacing) yield event('CHUNK', { text, degraded: true, model: 'offline' });
  const message = replacing ? `${reason}. The text streamed so far was replaced; use this text` : reason;
  yield event('DONE', { text, degraded: true, code, message, usage, model: 'offline' });
}

const failed = (error: UserErrorShape) => event('ERROR', { code: error.code, message: error.message });

function once(only: AiWritingEvent): AsyncIterableIterator<AiWritingEvent> {
  return (async function* () {
    yield only;
  })();
}
