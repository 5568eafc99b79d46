// Per-slide AI tasks end to end through the router: regenerate, insert, split, speaker notes, each a
// job with the generation's events, written as one batch by the AI that one undo reverts.
import { plainText } from '../lib/pptist/text-fit.js';
import { documentWithSlides, revert, textElement } from './deck-follower.js';
import { FAST_MODEL_CALLS, followGeneration, jsonLines, stackWithFakeModels, userWithModel } from './generation-kit.js';
import { gql, signUp, wsClient } from './stack.js';

const env = stackWithFakeModels({ worker: FAST_MODEL_CALLS });
const graphql = () => `${env.stack.routerUrl}/graphql`;
const PAYLOAD = '{ created job { id status mode deckId targetSlideId instruction } error { code message field } }';

const para = (text: string, size = 24) => `<p style="font-size: ${size}px;">${text}</p>`;
const LONG_TEXT = Array.from({ length: 14 }, (_, i) => para(`Point ${i + 1}: water flows downhill into the valley`)).join('');

function titled(id: string, title: string, body: string, bodyOverrides: Record<string, unknown> = {}) {
  return {
    id,
    type: 'content',
    background: { type: 'solid', color: '#ffffff' },
    elements: [textElement(`${id}-title`, { textType: 'title', content: para(title, 28), width: 800, height: 60 }), textElement(`${id}-body`, { top: 100, width: 800, height: 300, content: body, ...bodyOverrides })],
  };
}

async function deckFor(user: { token: string }) {
  const document = documentWithSlides('River basics', [
    titled('s1', 'Rivers', para('Rivers carry water to the sea.')),
    titled('s2', 'Floods', para('Floods happen after heavy rain.') + para('Levees hold the water back.')),
    titled('s3', 'Crowded', LONG_TEXT, { width: 600, height: 120, top: 90 }),
  ]);
  const created = await gql(graphql(), 'mutation($i: CreateDeckInput!) { createDeck(input: $i) { deck { id revision } error { code } } }', { i: { title: 'River basics', document } }, user.token);
  expect(created.data!.createDeck.error).toBeNull();
  return { deckId: created.data!.createDeck.deck.id as string, revision: created.data!.createDeck.deck.revision as number };
}

async function task(token: string, field: string, input: Record<string, unknown>) {
  const inputType = { regenerateSlide: 'RegenerateSlideInput', insertAiSlide: 'InsertAiSlideInput', splitSlide: 'SplitSlideInput', writeSpeakerNotes: 'WriteSpeakerNotesInput' }[field];
  const result = await gql(graphql(), `mutation($i: ${inputType}!) { ${field}(input: $i) ${PAYLOAD} }`, { i: input }, token);
  expect(result.errors).toBeUndefined();
  return result.data![field];
}

async function documentOf(token: string, deckId: string) {
  const deck = await gql(graphql(), 'query($id: ID!) { deck(id: $id) { revision document versions { name kind revision } } }', { id: deckId }, token);
  return deck.data!.deck as { revision: number; document: { slides: any[] }; versions: { name: string | null; kind: string; revision: number }[] };
}

const textOf = (slide: { elements: any[] }) => slide.elements.map((e) => plainText(e.content ?? e.text?.content ?? '')).join('\n');

async function run(token: string, field: string, input: Record<string, unknown>) {
  const started = await task(token, field, input);
  expect(started.error).toBeNull();
  const events = await followGeneration(env.stack, token, started.job.id);
  return { job: started.job, events, done: events.at(-1)! };
}

/** The AI's turn is one batch (one revision) that one undo by the user reverts. */
async function expectOneUndoableBatch(token: string, deckId: string, before: Awaited<ReturnType<typeof documentOf>>) {
  expect((await documentOf(token, deckId)).revision).toBe(before.revision + 1);
  expect((await revert(env.stack.routerUrl, token, 'undoDeckEdit', deckId)).status).toBe('APPLIED');
  expect((await documentOf(token, deckId)).document.slides).toEqual(before.document.slides);
}

const slideReply = (slide: unknown) => ({ text: jsonLines([slide]), chunkSize: 20, delayMs: 30, usage: { prompt_tokens: 50, completion_tokens: 40 } });

describe('regenerateSlide', () => {
  it('rewrites the slide in place as one batch by the AI, after a version, holding the slide; one undo restores it', async () => {
    const user = await userWithModel(env.stack, env.fake);
    const { deckId } = await deckFor(user);
    const before = await documentOf(user.token, deckId);

    // Follow presence before the job starts: the AI's lock on s2 must show.
    const presence: any[] = [];
    const client = wsClient(env.stack.routerUrl, { authorization: `Bearer ${user.token}` });
    const ended = new Promise<void>((resolve) => {
      client.subscribe(
        { query: 'subscription($d: ID!) { deckPresence(deckId: $d) { change lock { slideId clientId agent } participant { clientId slideId } } }', variables: { d: deckId } },
        { next: (m) => void presence.push((m.data as any).deckPresence), error: () => resolve(), complete: resolve },
      );
    });
    for (let i = 0; i < 100 && presence.length === 0; i++) await new Promise((r) => setTimeout(r, 30));

    env.fake.script(slideReply({ type: 'content', data: { title: 'Flood safety', items: [{ title: 'Warnings', text: 'Listen to flood warnings.' }, { title: 'High ground', text: 'Move to higher ground early.' }] } }));
    const { job, events, done } = await run(user.token, 'regenerateSlide', { deckId, slideId: 's2', instruction: 'Make it about safety', model: user.model.name });
    expect(job).toMatchObject({ mode: 'SLIDE_REGENERATE', deckId, targetSlideId: 's2', instruction: 'Make it about safety' });
    expect(done.type).toBe('SUCCEEDED');
    expect(done.payload).toMatchObject({ deckId, revision: before.revision + 1, slideIds: ['s2'], degraded: false });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['QUEUED', 'STARTED', 'STAGE', 'USAGE', 'SUCCEEDED']));
    // The model saw the slide's words and the instruction.
    const call = env.fake.requests.filter((r) => r.headers.authorization === `Bearer sk-test-${user.userId}`).at(-1)!;
    expect(JSON.stringify(call.body!.messages)).toContain('Levees hold the water back.');
    expect(JSON.stringify(call.body!.messages)).toContain('Make it about safety');

    const after = await documentOf(user.token, deckId);
    expect(after.document.slides.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
    expect(textOf(after.document.slides[1])).toContain('Move to higher ground early.');
    expect(after.document.slides[1].type).toBe('content');
    const version = after.versions.find((v) => v.name === 'Before AI: regenerate slide 2');
    expect(version).toMatchObject({ revision: before.revision, kind: 'AUTO_BEFORE_AI' });

    // One batch, by the AI's session, with the announced batch id.
    const stream = wsClient(env.stack.routerUrl, { authorization: `Bearer ${user.token}` });
    const batches: any[] = [];
    for await (const result of stream.iterate<any>({ query: 'subscription($d: ID!, $r: Int!) { deckEvents(deckId: $d, afterRevision: $r) { revision clientId batchId } }', variables: { d: deckId, r: before.revision } })) {
      batches.push(result.data!.deckEvents);
      break;
    }
    await stream.dispose();
    expect(batches[0]).toEqual({ revision: before.revision + 1, clientId: `ai:${job.id}`, batchId: done.payload.batchId });

    // The AI held the slide while it worked, and let go at the end.
    for (let i = 0; i < 100 && !presence.some((p) => p.change === 'UNLOCKED' || p.change === 'LEFT'); i++) await new Promise((r) => setTimeout(r, 30));
    expect(presence.find((p) => p.change === 'LOCKED')?.lock).toMatchObject({ slideId: 's2', clientId: `ai:${job.id}` });
    expect(presence.some((p) => p.change === 'JOINED' && p.participant?.clientId === `ai:${job.id}` && p.participant.slideId === 's2')).toBe(true);
    await client.dispose();
    await ended;
    const locks = await gql(graphql(), 'query($id: ID!) { deck(id: $id) { locks { slideId } presence { clientId } } }', { id: deckId }, user.token);
    expect(locks.data!.deck).toEqual({ locks: [], presence: [] });

    // One undo brings the old slide back.
    expect((await revert(env.stack.routerUrl, user.token, 'undoDeckEdit', deckId)).status).toBe('APPLIED');
    const undone = await documentOf(user.token, deckId);
    expect(undone.document.slides).toEqual(before.document.slides);
  });
});

it('insertAiSlide puts a new slide after the given one, dressed with a template, the theme unchanged', async () => {
  const user = await userWithModel(env.stack, env.fake);
  const { deckId } = await deckFor(user);
  const before = await documentOf(user.token, deckId);
  env.fake.script(slideReply({ type: 'content', data: { title: 'Deltas', items: [{ title: 'Silt', text: 'Rivers drop silt at their mouths.' }, { title: 'Land', text: 'Silt builds new land.' }] } }));
  const { done } = await run(user.token, 'insertAiSlide', { deckId, afterSlideId: 's1', instruction: 'A slide about river deltas', model: user.model.name });
  expect(done.type).toBe('SUCCEEDED');
  const after = await documentOf(user.token, deckId);
  expect(after.document.slides.map((s) => s.id)).toEqual(['s1', ...done.payload.slideIds, 's2', 's3']);
  expect(textOf(after.document.slides[1])).toContain('Silt builds new land.');
  expect((after.document as any).theme).toEqual((before.document as any).theme);
  await expectOneUndoableBatch(user.token, deckId, before);
});

it('splitSlide turns an overfull slide into several, every item kept once, without the model', async () => {
  const user = await signUp(env.stack.routerUrl);
  const { deckId } = await deckFor(user);
  const before = await documentOf(user.token, deckId);
  const { done } = await run(user.token, 'splitSlide', { deckId, slideId: 's3' });
  expect(done.type).toBe('SUCCEEDED');
  expect(done.payload.slideIds[0]).toBe('s3');
  expect(done.payload.slideIds.length).toBeGreaterThanOrEqual(2);
  const after = await documentOf(user.token, deckId);
  expect(after.document.slides.map((s) => s.id)).toEqual(['s1', 's2', ...done.payload.slideIds]);
  const points = after.document.slides
    .slice(2)
    .flatMap((s) => s.elements.filter((e: any) => e.textType !== 'title'))
    .flatMap((e: any) => plainText(e.content).split('\n'))
    .filter((line: string) => line.startsWith('Point'));
  expect(points).toEqual(Array.from({ length: 14 }, (_, i) => `Point ${i + 1}: water flows downhill into the valley`));
  // Every part keeps the title.
  for (const slide of after.document.slides.slice(2)) expect(textOf(slide)).toContain('Crowded');
  await expectOneUndoableBatch(user.token, deckId, before);

  // A slide that fits has nothing to split.
  const fits = await run(user.token, 'splitSlide', { deckId, slideId: 's1' });
  expect(fits.done).toMatchObject({ type: 'FAILED', payload: { code: 'NOTHING_TO_SPLIT' } });
});

it('writeSpeakerNotes writes one slide’s remark, or every slide’s', async () => {
  const user = await userWithModel(env.stack, env.fake);
  const { deckId } = await deckFor(user);
  env.fake.script({ text: 'Rivers start in the hills.\nThey end in the sea.', chunkSize: 10 });
  const one = await run(user.token, 'writeSpeakerNotes', { deckId, slideId: 's1', model: user.model.name });
  expect(one.done.payload).toMatchObject({ slideIds: ['s1'], degraded: false });
  let after = await documentOf(user.token, deckId);
  expect(after.document.slides[0].remark).toBe('<p>Rivers start in the hills.</p><p>They end in the sea.</p>');
  expect(after.document.slides[1].remark).toBeUndefined();

  const beforeAll = after;
  env.fake.script({ text: 'Notes one.' }, { text: 'Notes two.' }, { text: 'Notes three.' });
  const all = await run(user.token, 'writeSpeakerNotes', { deckId, model: user.model.name });
  expect(all.job.mode).toBe('DECK_NOTES');
  expect(all.done.payload.slideIds).toEqual(['s1', 's2', 's3']);
  after = await documentOf(user.token, deckId);
  expect(after.document.slides.map((s) => s.remark)).toEqual(['<p>Notes one.</p>', '<p>Notes two.</p>', '<p>Notes three.</p>']);
  expect(all.events.filter((e) => e.type === 'PROGRESS')).toHaveLength(3);
  await expectOneUndoableBatch(user.token, deckId, beforeAll);
});

it('degrades to the offline writer when the model is down, and says so', async () => {
  const user = await signUp(env.stack.routerUrl);
  const created = await gql(
    graphql(),
    'mutation($input: CreateAiModelInput!) { createAiModel(input: $input) { model { name } } }',
    { input: { name: `down-${user.userId}`, providerModel: 'fake-model', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-down' } },
    user.token,
  );
  const model = created.data!.createAiModel.model.name as string;
  const { deckId } = await deckFor(user);
  const regenerated = await run(user.token, 'regenerateSlide', { deckId, slideId: 's2', model });
  expect(regenerated.done).toMatchObject({ type: 'SUCCEEDED', payload: { degraded: true, slideIds: ['s2'] } });
  expect(regenerated.events.some((e) => e.type === 'WARNING' && e.payload.code === 'DEGRADED')).toBe(true);
  const notes = await run(user.token, 'writeSpeakerNotes', { deckId, slideId: 's1', model });
  expect(notes.done).toMatchObject({ type: 'SUCCEEDED', payload: { degraded: true } });
  const after = await documentOf(user.token, deckId);
  expect(after.document.slides[1].id).toBe('s2');
  expect(after.document.slides[0].remark).toContain('Rivers');
  const job = await gql(graphql(), 'query($id: ID!) { generationJob(id: $id) { degraded status } }', { id: notes.job.id }, user.token);
  expect(job.data!.generationJob).toEqual({ degraded: true, status: 'SUCCEEDED' });
}, 30_000);

it('refuses bad input and a viewer, as data with codes', async () => {
  const owner = await signUp(env.stack.routerUrl);
  const viewer = await signUp(env.stack.routerUrl);
  const { deckId } = await deckFor(owner);
  expect((await task(owner.token, 'regenerateSlide', { deckId: 'nope', slideId: 's1' })).error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'deckId' });
  expect((await task(owner.token, 'insertAiSlide', { deckId, afterSlideId: 's1', instruction: '  ' })).error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'instruction' });
  expect((await task(owner.token, 'regenerateSlide', { deckId, slideId: 's1', instruction: 'x'.repeat(2001) })).error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'instruction' });
  expect((await task(owner.token, 'splitSlide', { deckId, slideId: 'missing' })).error).toMatchObject({ code: 'SLIDE_NOT_FOUND', field: 'slideId' });
  expect((await task(owner.token, 'insertAiSlide', { deckId, afterSlideId: 'missing', instruction: 'More' })).error).toMatchObject({ code: 'SLIDE_NOT_FOUND', field: 'afterSlideId' });
  expect((await task(owner.token, 'writeSpeakerNotes', { deckId: '00000000-0000-4000-8000-000000000000' })).error).toMatchObject({ code: 'NOT_FOUND', field: 'deckId' });
  expect((await task(viewer.token, 'writeSpeakerNotes', { deckId })).error).toMatchObject({ code: 'NOT_FOUND', field: 'deckId' });
  const shared = await gql(graphql(), 'mutation($i: ShareDeckInput!) { shareDeck(input: $i) { error { code } } }', { i: { deckId, userId: viewer.userId, role: 'VIEWER' } }, owner.token);
  expect(shared.data!.shareDeck.error).toBeNull();
  expect((await task(viewer.token, 'regenerateSlide', { deckId, slideId: 's1' })).error).toMatchObject({ code: 'FORBIDDEN', field: 'deckId' });
  expect((await task(viewer.token, 'splitSlide', { deckId, slideId: 's3' })).error).toMatchObject({ code: 'FORBIDDEN', field: 'deckId' });
  const anonymous = await gql(graphql(), 'mutation($i: SplitSlideInput!) { splitSlide(input: $i) { error { code } } }', { i: { deckId, slideId: 's3' } });
  expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect((await documentOf(owner.token, deckId)).revision).toBe(0);
});

it('cancel stops the job: nothing is written, the lock and presence go', async () => {
  const user = await userWithModel(env.stack, env.fake);
  const { deckId, revision } = await deckFor(user);
  env.fake.script({ text: jsonLines([{ type: 'content', data: { title: 'Slow', items: [{ title: 'A', text: 'B' }] } }]), chunkSize: 4, delayMs: 100 });
  const started = await task(user.token, 'regenerateSlide', { deckId, slideId: 's1', model: user.model.name });
  await followGeneration(env.stack, user.token, started.job.id, { until: (events) => events.some((e) => e.type === 'STAGE' && e.payload.stage === 'writing') });
  const cancelled = await gql(graphql(), 'mutation($id: ID!) { cancelGeneration(id: $id) { job { status } error { code } } }', { id: started.job.id }, user.token);
  expect(cancelled.data!.cancelGeneration).toEqual({ job: { status: 'CANCELLED' }, error: null });
  const events = await followGeneration(env.stack, user.token, started.job.id);
  expect(events.at(-1)!.type).toBe('CANCELLED');
  let deck: any;
  for (let i = 0; i < 100; i++) {
    deck = (await gql(graphql(), 'query($id: ID!) { deck(id: $id) { revision locks { slideId } presence { clientId } } }', { id: deckId }, user.token)).data!.deck;
    if (deck.locks.length === 0 && deck.presence.length === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(deck).toEqual({ revision, locks: [], presence: [] });
});
