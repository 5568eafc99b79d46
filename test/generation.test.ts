// AI generation end to end: the router, the ai subgraph and worker, the real openai SDK against a
// local OpenAI-compatible fake server, and deck assembly through the decks subgraph. Each test
// registers a model of its own (a personal model: its breaker and requests are its own).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parsePptistDocument } from '../lib/pptist/document.js';
import { measureText } from '../lib/pptist/text-fit.js';
import { textLayoutOf } from '../lib/pptist/template-filler.js';
import type { FakeReply } from './fake-openai.js';
import { pptistFixture, pptistFixturesDir } from './pptist-fixtures.js';
import {
  FAST_MODEL_CALLS,
  followGeneration,
  GENERATION_EVENTS,
  type GenerationEvent,
  jsonLines,
  presentation,
  stackWithFakeModels,
  startGeneration,
  userWithModel as kitUserWithModel,
} from './generation-kit.js';
import { gql, wsClient } from './stack.js';

const { outline: OUTLINE, slides: SLIDES } = presentation('Solar power', 'Energy from the sun', [
  ['Basics', 'What solar power is', {
    'What it is': { 'Sunlight into electricity': 'Photovoltaic cells turn light into current.', 'Panels on roofs': 'Most systems sit on roofs.' },
    'Why it matters': { 'Clean energy': 'No emissions while running.', 'Falling costs': 'Prices fell for a decade.' },
  }],
  ['Practice', 'Solar power in use', {
    'At home': { 'Rooftop systems': 'A few kilowatts per house.', Batteries: 'Store the midday surplus.' },
    'In cities': { 'Solar farms': 'Large plants feed the grid.', Grids: 'Grids balance supply.' },
    Outlook: { Storage: 'Storage makes solar firm.', Policy: 'Policy sets the pace.' },
  }],
]);
const SLIDES_JSONL = jsonLines(SLIDES).trimEnd();

const JOB = `query($id: ID!) { generationJob(id: $id) {
  id status stage degraded deckId outline slidesDone slidesTotal error errorCode usage { promptTokens completionTokens costUsd }
} }`;

const env = stackWithFakeModels({ worker: FAST_MODEL_CALLS });

const graphql = () => `${env.stack.routerUrl}/graphql`;

/** A user with a model of their own on the fake server (prices make cost visible). */
const userWithModel = () => kitUserWithModel(env.stack, env.fake, { inputPrice: 1, outputPrice: 2 });
const start = (token: string, input: Record<string, unknown>) => startGeneration(env.stack, token, input);
const follow = (token: string, jobId: string, options?: Parameters<typeof followGeneration>[3]) => followGeneration(env.stack, token, jobId, options);

async function job(token: string, id: string) {
  const result = await gql(graphql(), JOB, { id }, token);
  return result.data!.generationJob;
}

/** The model calls made with one user's key (each test has a user and a model of its own). */
const callsOf = (user: { userId: string }) => env.fake.requests.filter((r) => r.path.endsWith('/chat/completions') && r.headers.authorization === `Bearer sk-test-${user.userId}`);

const outlineReply = (text = OUTLINE): FakeReply => ({ text, chunkSize: 7, usage: { prompt_tokens: 100, completion_tokens: 50 } });
const slidesReply = (text = SLIDES_JSONL): FakeReply => ({ text, chunkSize: 23, usage: { prompt_tokens: 300, completion_tokens: 400 } });

describe('a whole generation through the router', () => {
  it('streams the outline and each slide, writes the slides into a new deck as they arrive, and records usage', async () => {
    const user = await userWithModel();
    const topic = `Solar power ${user.userId}`;
    env.fake.script(outlineReply(), slidesReply('```json\n' + SLIDES_JSONL + '\n```'));
    const started = await start(user.token, { topic, model: user.model.name, language: 'en', slideCount: 5 });
    expect(started.error).toBeNull();
    const events = await follow(user.token, started.job!.id);

    const types = events.map((e) => e.type);
    expect(types[0]).toBe('QUEUED');
    expect(types.at(-1)).toBe('SUCCEEDED');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const chunks = events.filter((e) => e.type === 'OUTLINE_CHUNK').map((e) => e.payload.chunk as string);
    expect(chunks.length).toBeGreaterThan(5);
    const ready = events.find((e) => e.type === 'OUTLINE_READY')!;
    expect(chunks.join('')).toBe(ready.payload.markdown);
    expect(ready.payload.markdown).toBe(OUTLINE);
    expect(types.indexOf('OUTLINE_READY')).toBeLessThan(types.indexOf('SLIDE'));

    const slides = events.filter((e) => e.type === 'SLIDE');
    expect(slides.map((e) => e.payload.slide)).toEqual(SLIDES);
    expect(slides.map((e) => e.payload.index)).toEqual(SLIDES.map((_, i) => i));
    const deckId = events.at(-1)!.payload.deckId as string;
    expect(slides.every((e) => e.payload.deckId === deckId && e.payload.deckSlideIds.length >= 1)).toBe(true);
    expect(events.at(-1)!.payload.degraded).toBe(false);

    // The model got the key, the provider model name and the topic.
    const [outlineCall, slidesCall] = callsOf(user);
    expect(JSON.stringify(outlineCall!.body!.messages)).toContain(topic);
    expect(outlineCall!.body!.model).toBe('fake-model');
    expect(JSON.stringify(slidesCall!.body!.messages)).toContain('### At home');

    const finished = await job(user.token, started.job!.id);
    expect(finished).toMatchObject({ status: 'SUCCEEDED', stage: 'done', degraded: false, deckId, slidesDone: 5, outline: OUTLINE });
    expect(finished.usage).toMatchObject({ promptTokens: 400, completionTokens: 450 });
    expect(finished.usage.costUsd).toBeCloseTo((400 * 1 + 450 * 2) / 1_000_000, 12);

    // The deck: a PPTist document whose slides are the filled template, in order, with its theme.
    const deck = await gql(graphql(), 'query($id: ID!) { deck(id: $id) { title document } }', { id: deckId }, user.token);
    const document = deck.data!.deck.document;
    expect(parsePptistDocument(document).ok).toBe(true);
    const written = slides.flatMap((e) => e.payload.deckSlideIds as string[]);
    expect(document.slides.map((s: { id: string }) => s.id)).toEqual(written);
    expect(document.slides.map((s: { type: string }) => s.type)).toEqual(['cover', 'contents', 'transition', 'content', 'content', 'transition', 'content', 'content', 'content', 'end']);
    expect(JSON.stringify(document)).toContain('Store the midday surplus.');
    const template = await gql(graphql(), 'query { deck(id: "00000000-0000-4000-8000-0000000007a1") { theme } }', {}, user.token);
    expect(document.theme).toEqual(template.data!.deck.theme);
  });

  it('replays from a cursor: a client that reconnects misses nothing and sees nothing twice', async () => {
    const user = await userWithModel();
    env.fake.script(outlineReply(), slidesReply());
    const started = await start(user.token, { topic: `Resume ${user.userId}`, model: user.model.name });
    const firstPart = await follow(user.token, started.job!.id, { until: (events) => events.length >= 4 });
    const rest = await follow(user.token, started.job!.id, { after: String(firstPart.at(-1)!.seq) });
    const all = [...firstPart, ...rest];
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.at(-1)!.type).toBe('SUCCEEDED');
  });

  it('over SSE too, the same events in order', async () => {
    const user = await userWithModel();
    env.fake.script(outlineReply(), slidesReply());
    const started = await start(user.token, { topic: `SSE ${user.userId}`, model: user.model.name });
    const response = await fetch(graphql(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: GENERATION_EVENTS, variables: { jobId: started.job!.id } }),
    });
    const text = await response.text();
    const events = text
      .split('\n\n')
      .map((block) => block.split('\n').find((line) => line.startsWith('data:')))
      .filter((line): line is string => Boolean(line) && line!.length > 6)
      .map((line) => JSON.parse(line.slice(5)).data?.generationEvents as GenerationEvent)
      .filter(Boolean);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'SLIDE')).toHaveLength(SLIDES.length);
    expect(events.at(-1)!.type).toBe('SUCCEEDED');
  });

  it('the same idempotency key returns the same job and runs it once', async () => {
    const user = await userWithModel();
    env.fake.script(outlineReply(), slidesReply());
    const key = `key-${user.userId}`;
    const first = await start(user.token, { topic: `Once ${user.userId}`, model: user.model.name, idempotencyKey: key });
    const second = await start(user.token, { topic: `Once ${user.userId}`, model: user.model.name, idempotencyKey: key });
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, job: { id: first.job!.id } });
    const events = await follow(user.token, first.job!.id);
    expect(events.filter((e) => e.type === 'QUEUED')).toHaveLength(1);
    expect(callsOf(user)).toHaveLength(2);
  });

  it('takes what the request leaves open from the user’s preferences, and falls back to the default model for unknown names', async () => {
    const user = await userWithModel();
    const prefs = await gql(graphql(), 'mutation($input: UpdatePreferencesInput!) { updatePreferences(input: $input) { error { code } } }', { input: { language: 'ja', defaultModel: user.model.name, defaultStyle: 'academic' } }, user.token);
    expect(prefs.data!.updatePreferences.error).toBeNull();
    env.fake.script(outlineReply());
    const preferred = await start(user.token, { topic: `Prefs ${user.userId}`, mode: 'OUTLINE' });
    await follow(user.token, preferred.job!.id);
    const job = (await gql(graphql(), 'query($id: ID!) { generationJob(id: $id) { language style modelId } }', { id: preferred.job!.id }, user.token)).data!.generationJob;
    expect(job).toEqual({ language: 'ja', style: 'academic', modelId: user.model.id });

    const unknown = await start(user.token, { topic: 'Unknown model', mode: 'OUTLINE', model: 'GLM-4.5-Air' });
    const events = await follow(user.token, unknown.job!.id);
    expect(events[0]!.payload.model).toBe('offline');
    expect(events.at(-1)!.type).toBe('SUCCEEDED');
  });

  it('refuses bad input as data and queues nothing', async () => {
    const user = await userWithModel();
    for (const [input, field] of [
      [{ topic: 'x', slideCount: 3 }, 'slideCount'],
      [{ topic: '' }, 'topic'],
      [{ mode: 'SLIDES', topic: 'x' }, 'outline'],
      [{ topic: 'x', deckId: 'not-an-id' }, 'deckId'],
    ] as const) {
      const result = await start(user.token, input);
      expect(result).toMatchObject({ job: null, error: { code: 'BAD_USER_INPUT', field } });
    }
    const missingDeck = await start(user.token, { topic: 'x', deckId: '00000000-0000-4000-8000-000000000000' });
    expect(missingDeck.error).toMatchObject({ code: 'NOT_FOUND', field: 'deckId' });
    const mine = await gql(graphql(), 'query { myGenerations { id } }', {}, user.token);
    expect(mine.data!.myGenerations).toEqual([]);
  });
  it('writes into an existing deck while it runs: its editors watch the slides arrive and see the AI in presence', async () => {
    const user = await userWithModel();
    const created = await gql(graphql(), 'mutation { createDeck(input: { title: "Ours" }) { deck { id revision } } }', {}, user.token);
    const deckId = created.data!.createDeck.deck.id as string;
    const client = wsClient(env.stack.routerUrl, { authorization: `Bearer ${user.token}` });
    const deckEvents: { type: string; clientId: string | null; operations: { type: string }[] | null }[] = [];
    const presence: { change: string; participant: { agent: string | null; clientId: string } | null }[] = [];
    const until = (check: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => check() && (clearInterval(timer), resolve()), 20);
        setTimeout(() => (clearInterval(timer), reject(new Error('timed out'))), 20_000);
      });
    const stopEvents = client.subscribe<{ deckEvents: (typeof deckEvents)[number] }>(
      { query: 'subscription($id: ID!) { deckEvents(deckId: $id, afterRevision: 0) { type clientId operations } }', variables: { id: deckId } },
      { next: (r) => r.data && deckEvents.push(r.data.deckEvents), error: () => undefined, complete: () => undefined },
    );
    const stopPresence = client.subscribe<{ deckPresence: (typeof presence)[number] }>(
      { query: 'subscription($id: ID!) { deckPresence(deckId: $id) { change participant { agent clientId } } }', variables: { id: deckId } },
      { next: (r) => r.data && presence.push(r.data.deckPresence), error: () => undefined, complete: () => undefined },
    );
    await until(() => presence.length > 0);

    env.fake.script(outlineReply(), slidesReply());
    const started = await start(user.token, { topic: `Into ours ${user.userId}`, model: user.model.name, deckId });
    expect(started.job).toMatchObject({ deckId });
    const events = await follow(user.token, started.job!.id);
    expect(events.at(-1)).toMatchObject({ type: 'SUCCEEDED', payload: { deckId } });
    const aiClient = `ai:${started.job!.id}`;
    // Slides that arrive while a deck write is in flight go into the next batch together.
    const aiOperations = () => deckEvents.filter((e) => e.clientId === aiClient).flatMap((e) => e.operations!);
    await until(() => aiOperations().length === SLIDES.length);
    expect(aiOperations().every((op) => op.type === 'INSERT_SLIDE')).toBe(true);
    await until(() => presence.some((p) => p.change === 'LEFT' && p.participant?.clientId === aiClient));
    expect(presence.find((p) => p.change === 'JOINED' && p.participant?.clientId === aiClient)?.participant?.agent).toBe('ai-agent');
    stopEvents();
    stopPresence();
    await client.dispose();

    // The deck kept its own first slide; the AI's slides follow it.
    const deck = await gql(graphql(), 'query($id: ID!) { deck(id: $id) { slideCount } }', { id: deckId }, user.token);
    expect(deck.data!.deck.slideCount).toBe(1 + SLIDES.length);
  });
});

describe('model failures', () => {
  it('retries 429 (honouring Retry-After) and 500, then succeeds without degrading', async () => {
    const user = await userWithModel();
    const topic = `Retry ${user.userId}`;
    env.fake.script({ status: 429, retryAfter: '1' }, { status: 500 }, outlineReply(), slidesReply());
    const started = await start(user.token, { topic, model: user.model.name });
    const events = await follow(user.token, started.job!.id);
    const retries = events.filter((e) => e.type === 'WARNING' && e.payload.code === 'MODEL_RETRY');
    expect(retries.map((e) => e.payload.status)).toEqual([429, 500]);
    const calls = callsOf(user);
    expect(calls).toHaveLength(4);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(events.at(-1)).toMatchObject({ type: 'SUCCEEDED', payload: { degraded: false } });
  });

  it('does not retry a 401: the job fails with the model’s refusal', async () => {
    const user = await userWithModel();
    const topic = `Refused ${user.userId}`;
    env.fake.script({ status: 401 });
    const started = await start(user.token, { topic, model: user.model.name });
    const events = await follow(user.token, started.job!.id);
    expect(events.at(-1)).toMatchObject({ type: 'FAILED', payload: { code: 'MODEL_ERROR' } });
    expect(callsOf(user)).toHaveLength(1);
    expect(await job(user.token, started.job!.id)).toMatchObject({ status: 'FAILED', errorCode: 'MODEL_ERROR' });
  });

  it('continues a stream cut in the middle from where it stopped, with no text twice', async () => {
    const user = await userWithModel();
    const topic = `Cut ${user.userId}`;
    const cut = OUTLINE.indexOf('## Practice');
    env.fake.script({ cutAfterChars: cut, text: OUTLINE, chunkSize: 5 }, outlineReply(OUTLINE.slice(cut)), slidesReply());
    const started = await start(user.token, { topic, model: user.model.name });
    const events = await follow(user.token, started.job!.id);
    const chunks = events.filter((e) => e.type === 'OUTLINE_CHUNK').map((e) => e.payload.chunk).join('');
    expect(chunks).toBe(OUTLINE);
    const continuation = callsOf(user)[1]!.body!.messages!;
    expect(continuation.at(-2)).toMatchObject({ role: 'assistant', content: OUTLINE.slice(0, cut) });
    expect(events.at(-1)!.type).toBe('SUCCEEDED');
  });

  it('parses slides out of chatter, fences and slightly broken JSON, and says what it repaired', async () => {
    const user = await userWithModel();
    const broken = `Sure! Here are your slides:\n\`\`\`json\n[${SLIDES_JSONL.replace(/\n/g, ',\n').replace('"Solar power","text"', "'Solar power','text'")},]\n\`\`\`\nHope this helps!`;
    env.fake.script(outlineReply(), slidesReply(broken));
    const started = await start(user.token, { topic: `Broken ${user.userId}`, model: user.model.name });
    const events = await follow(user.token, started.job!.id);
    expect(events.filter((e) => e.type === 'SLIDE').map((e) => e.payload.slide)).toEqual(SLIDES);
    expect(events.some((e) => e.type === 'WARNING' && e.payload.code === 'MODEL_OUTPUT_REPAIRED')).toBe(true);
  });

  it('a slow first token times out and is retried', async () => {
    const user = await userWithModel();
    const topic = `Slow ${user.userId}`;
    env.fake.script({ text: OUTLINE, firstTokenDelayMs: 4000 }, outlineReply(), slidesReply());
    const started = await start(user.token, { topic, model: user.model.name });
    const events = await follow(user.token, started.job!.id);
    expect(events.filter((e) => e.type === 'WARNING' && e.payload.code === 'MODEL_RETRY')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'SUCCEEDED', payload: { degraded: false } });
  });

  it('opens the breaker after repeated failures: jobs degrade to the offline writer, flagged; a later probe closes it', async () => {
    const user = await userWithModel();
    const down = `Down ${user.userId}`;
    env.fake.script({ status: 503 }, { status: 503 }, { status: 503 });
    const first = await start(user.token, { topic: down, model: user.model.name, slideCount: 5 });
    const firstEvents = await follow(user.token, first.job!.id);
    expect(firstEvents.some((e) => e.type === 'WARNING' && e.payload.code === 'DEGRADED')).toBe(true);
    expect(firstEvents.at(-1)).toMatchObject({ type: 'SUCCEEDED', payload: { degraded: true } });
    expect(firstEvents.filter((e) => e.type === 'SLIDE').length).toBeGreaterThanOrEqual(5 + 3);
    expect(callsOf(user)).toHaveLength(3);
    expect(await job(user.token, first.job!.id)).toMatchObject({ status: 'SUCCEEDED', degraded: true });

    // Open: the next job does not even call the model.
    const stillDown = `Still down ${user.userId}`;
    const second = await start(user.token, { topic: stillDown, model: user.model.name });
    const secondEvents = await follow(user.token, second.job!.id);
    expect(secondEvents.at(-1)).toMatchObject({ type: 'SUCCEEDED', payload: { degraded: true } });
    expect(callsOf(user)).toHaveLength(3);

    // After openMs one probe goes through; it succeeds and the breaker closes.
    await new Promise((r) => setTimeout(r, 5100));
    const back = `Back ${user.userId}`;
    env.fake.script(outlineReply(), slidesReply());
    const third = await start(user.token, { topic: back, model: user.model.name });
    const thirdEvents = await follow(user.token, third.job!.id);
    expect(thirdEvents.at(-1)).toMatchObject({ type: 'SUCCEEDED', payload: { degraded: false } });
    expect(callsOf(user)).toHaveLength(5);
  });
});

describe('cancel', () => {
  it('stops a running job at once: the model call is aborted and nothing more is written', async () => {
    const user = await userWithModel();
    const topic = `Cancel ${user.userId}`;
    env.fake.script(outlineReply(), { text: SLIDES_JSONL, chunkSize: 10, delayMs: 200 });
    const started = await start(user.token, { topic, model: user.model.name });
    const client = wsClient(env.stack.routerUrl, { authorization: `Bearer ${user.token}` });
    const events: GenerationEvent[] = [];
    for await (const result of client.iterate<{ generationEvents: GenerationEvent }>({ query: GENERATION_EVENTS, variables: { jobId: started.job!.id } })) {
      events.push(result.data!.generationEvents);
      if (result.data!.generationEvents.type === 'SLIDE') {
        const cancelled = await gql(graphql(), 'mutation($id: ID!) { cancelGeneration(id: $id) { job { status } error { code } } }', { id: started.job!.id }, user.token);
        expect(cancelled.data!.cancelGeneration).toEqual({ job: { status: 'CANCELLED' }, error: null });
      }
    }
    await client.dispose();
    expect(events.at(-1)!.type).toBe('CANCELLED');
    expect(events.some((e) => e.type === 'SUCCEEDED')).toBe(false);
    const slidesBefore = events.filter((e) => e.type === 'SLIDE').length;
    await new Promise((r) => setTimeout(r, 600));
    const replay = await follow(user.token, started.job!.id);
    expect(replay.filter((e) => e.type === 'SLIDE')).toHaveLength(slidesBefore);
    expect(replay.at(-1)!.type).toBe('CANCELLED');
    const again = await gql(graphql(), 'mutation($id: ID!) { cancelGeneration(id: $id) { error { code } } }', { id: started.job!.id }, user.token);
    expect(again.data!.cancelGeneration.error.code).toBe('ALREADY_FINISHED');
  });
});

describe('deck assembly from PPTist’s own files', () => {
  it('AIPPT_Outline.md and AIPPT.json become a deck through template_1.json with no text overflowing its box', async () => {
    const user = await userWithModel();
    const template = pptistFixture('template_1.json');
    const created = await gql(
      graphql(),
      'mutation($input: CreateDeckInput!) { createDeck(input: $input) { deck { id } error { code message } } }',
      { input: { title: 'Template 1', document: { ...template, title: 'Template 1' } } },
      user.token,
    );
    const templateId = created.data!.createDeck.deck.id;
    const published = await gql(graphql(), 'mutation($id: ID!) { publishDeckAsTemplate(deckId: $id, visibility: PRIVATE) { isTemplate } }', { id: templateId }, user.token);
    expect(published.data!.publishDeckAsTemplate.isTemplate).toBe(true);

    const outline = readFileSync(resolve(pptistFixturesDir(), 'AIPPT_Outline.md'), 'utf8');
    const aippt = pptistFixture<unknown[]>('AIPPT.json');
    env.fake.script(slidesReply(aippt.map((slide) => JSON.stringify(slide)).join('\n')));
    const started = await start(user.token, { outline, model: user.model.name, templateId, language: 'zh-CN' });
    expect(started.error).toBeNull();
    const events = await follow(user.token, started.job!.id);
    expect(events.at(-1)!.type).toBe('SUCCEEDED');
    expect(events.some((e) => e.type === 'OUTLINE_CHUNK')).toBe(false);
    expect(events.filter((e) => e.type === 'SLIDE')).toHaveLength(aippt.length);

    const deck = await gql(graphql(), 'query($id: ID!) { deck(id: $id) { title document } }', { id: events.at(-1)!.payload.deckId }, user.token);
    const document = deck.data!.deck.document;
    expect(deck.data!.deck.title).toBe('5G技术如何改变我们的生活');
    expect(document.theme).toEqual(template.theme);
    expect(document.slides.length).toBeGreaterThanOrEqual(aippt.length);
    let measured = 0;
    for (const slide of document.slides) {
      for (const element of slide.elements) {
        const layout = textLayoutOf(element, document.theme.fontName);
        if (!layout || !layout.html) continue;
        measured++;
        const metrics = measureText(layout.html, { ...layout.box, fontSize: layout.fontSize });
        expect(metrics.height).toBeLessThanOrEqual(layout.box.height + 1);
      }
    }
    expect(measured).toBeGreaterThan(100);
  });
});
