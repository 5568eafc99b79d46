// Layout optimisation through the router with the fake model: the old client's REST route
// (REST-COMPAT.md "Layout optimisation"), GraphQL's stateless optimizeLayout, and the deck form
// optimizeSlideLayout that writes one undoable batch as the AI agent.
import { stackWithFakeModels, userWithModel } from './generation-kit.js';
import { gql, signUp, wsClient } from './stack.js';

// Short retries so a dead model degrades in well under a second.
const running = stackWithFakeModels({
  worker: false,
  ai: { layoutCalls: { retry: { baseDelayMs: 10, maxDelayMs: 40, maxAttempts: 2 }, firstTokenTimeoutMs: 2000, idleTimeoutMs: 2000, breaker: { failureThreshold: 50 } } },
});

const CANVAS = { width: 1000, height: 562.5 };
const TITLE = { id: 'title', type: 'text', left: 53, top: 41, width: 700, height: 60, rotate: 0, content: '<p><span style="font-size: 28px">Quarterly results</span></p>', defaultFontName: 'Arial', defaultColor: '#333333', textType: 'title' };
const BODY = { id: 'body', type: 'text', left: 61, top: 130, width: 500, height: 200, rotate: 0, content: '<p>Revenue grew</p><p>Costs fell</p>', defaultFontName: 'Arial', defaultColor: '#333333' };
const PICTURE = { id: 'pic', type: 'image', left: 600, top: 141, width: 320, height: 240, rotate: 0, src: 'https://example.test/a.png', fixedRatio: true };
const ELEMENTS = [TITLE, BODY, PICTURE];

const GOOD_LAYOUT = {
  description: 'Aligned the title and the text on one left edge and balanced the picture.',
  elements: [
    { id: 'title', left: 60, top: 40, width: 880, height: 70 },
    { id: 'body', left: 60, top: 130, width: 480, height: 300, fontSize: 20 },
    { id: 'pic', left: 580, top: 130, width: 360, height: 270 },
  ],
};

type User = Awaited<ReturnType<typeof userWithModel>>;
let user: User;
/** A model of the user's on a port nobody listens on: the model is down. */
let deadModel: string;

beforeAll(async () => {
  const { stack, fake } = running;
  user = await userWithModel(stack, fake);
  const dead = await gql(
    `${stack.routerUrl}/graphql`,
    'mutation($input: CreateAiModelInput!) { createAiModel(input: $input) { model { name } error { code } } }',
    { input: { name: `dead-${user.userId}`, providerModel: 'fake-model', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-dead' } },
    user.token,
  );
  deadModel = dead.data!.createAiModel.model.name;
});

const chatRequests = () => running.fake.requests.filter((r) => r.path === '/v1/chat/completions');

async function optimize(body: unknown, token: string | undefined = user.token) {
  const response = await fetch(`${running.stack.routerUrl}/api/v1/layout/optimize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { status: string; message: string; data: any; error_code?: string; error_details?: any } };
}

const request = (extra: Record<string, unknown> = {}) => ({
  slide_id: 'slide-1',
  elements: ELEMENTS,
  canvas_size: CANVAS,
  options: { keep_colors: true, keep_fonts: true, style: 'professional' },
  ai_model_config: { model: user.model.name },
  ...extra,
});

/** Every path holding null in a JSON value. */
function nullPaths(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullPaths(v, `${path}[${i}]`));
  if (typeof value === 'object') return Object.entries(value as object).flatMap(([k, v]) => nullPaths(v, `${path}.${k}`));
  return [];
}

const words = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();

describe('POST /api/v1/layout/optimize', () => {
  it('applies a good answer: the contract’s shape, ids kept, text unchanged, no nulls', async () => {
    running.fake.script({ text: JSON.stringify(GOOD_LAYOUT) });
    const before = chatRequests().length;
    const { status, body } = await optimize(request());
    expect(status).toBe(200);
    expect(body.status).toBe('success');
    expect(Object.keys(body.data).sort()).toEqual(['description', 'duration', 'elements', 'slide_id']);
    expect(body.data.slide_id).toBe('slide-1');
    expect(body.data.description).toBe(GOOD_LAYOUT.description);
    expect(typeof body.data.duration).toBe('number');
    expect(nullPaths(body)).toEqual([]);
    const [title, text, picture] = body.data.elements;
    expect(body.data.elements.map((e: { id: string }) => e.id)).toEqual(['title', 'body', 'pic']);
    expect(title).toEqual({ ...TITLE, left: 60, top: 40, width: 880, height: 70 });
    expect(picture).toEqual({ ...PICTURE, left: 580, top: 130, width: 360, height: 270 });
    expect(text).toMatchObject({ left: 60, top: 130, width: 480, height: 300, defaultColor: '#333333', defaultFontName: 'Arial' });
    expect(text.content).toContain('font-size: 20px');
    expect(words(text.content)).toBe(words(BODY.content));

    // The model saw the slide as HTML, by id, and was told the canvas and the rules.
    const asked = chatRequests().slice(before);
    expect(asked).toHaveLength(1);
    const messages = asked[0]!.body!.messages!.map((m) => String(m.content)).join('\n');
    expect(messages).toContain('data-id="title"');
    expect(messages).toContain('Quarterly results');
    expect(messages).toContain('1000 × 562.5');
    expect(messages).toContain('do not send "color" or "fill"');
  });

  it('reads an answer wrapped in code fences and chatter', async () => {
    running.fake.script({ text: `Sure! Here is a cleaner layout:\n\n\`\`\`json\n${JSON.stringify(GOOD_LAYOUT, null, 2)}\n\`\`\`\n\nLet me know if you want changes.`, chunkSize: 25 });
    const { status, body } = await optimize(request());
    expect(status).toBe(200);
    expect(body.data.elements[0]).toMatchObject({ id: 'title', left: 60, width: 880 });
  });

  it('refuses an answer that lost an element, and returns nothing', async () => {
    running.fake.script({ text: JSON.stringify({ elements: [{ id: 'title', left: 60, top: 40, width: 880, height: 70 }, { id: 'pic', left: 600, top: 141, width: 320, height: 240 }] }) });
    const { status, body } = await optimize(request());
    expect(status).toBe(502);
    expect(body).toMatchObject({ status: 'error', data: null, error_code: 'LAYOUT_REPLY_INVALID', error_details: { code: 'LAYOUT_REPLY_INVALID', field: 'elements.body' } });
  });

  it.each([
    ['changes a text', { id: 'body', left: 60, top: 130, width: 480, height: 300, content: '<p>Revenue fell</p><p>Costs fell</p>' }, 'elements.body.content'],
    ['puts an element off the slide', { id: 'pic', left: 900, top: 130, width: 360, height: 270 }, 'elements.pic.left'],
    ['writes null for a size', { id: 'body', left: 60, top: 130, width: null, height: 300 }, 'elements.body.width'],
    ['gives a size of zero', { id: 'body', left: 60, top: 130, width: 0, height: 300 }, 'elements.body.width'],
  ])('refuses an answer that %s, and returns nothing', async (_what, entry, field) => {
    running.fake.script({ text: JSON.stringify({ elements: [{ id: 'title', left: 60, top: 40, width: 880, height: 70 }, entry] }) });
    const { status, body } = await optimize(request());
    expect(status).toBe(502);
    expect(body).toMatchObject({ status: 'error', data: null, error_code: 'LAYOUT_REPLY_INVALID', error_details: { code: 'LAYOUT_REPLY_INVALID', field } });
    expect(body.message).toMatch(/refused/);
  });

  it('refuses an answer with no JSON in it', async () => {
    running.fake.script({ text: 'I think the slide looks great as it is!' });
    const { status, body } = await optimize(request());
    expect(status).toBe(502);
    expect(body.error_code).toBe('LAYOUT_REPLY_INVALID');
  });

  it('clamps an element a little off the slide back onto it', async () => {
    running.fake.script({ text: JSON.stringify({ elements: [{ id: 'title', left: 53, top: 41, width: 700, height: 60 }, { id: 'body', left: 61, top: 130, width: 500, height: 200 }, { id: 'pic', left: 660, top: 130, width: 360, height: 270 }] }) });
    const { status, body } = await optimize(request());
    expect(status).toBe(200);
    expect(body.data.elements[2]).toMatchObject({ id: 'pic', left: 640, width: 360 });
  });

  it('answers an empty slide (every element locked) with no change and no model call', async () => {
    const before = chatRequests().length;
    const { status, body } = await optimize(request({ elements: [] }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'success', data: { slide_id: 'slide-1', elements: [] } });
    expect(chatRequests().length).toBe(before);
  });

  it.each([
    ['no canvas_size', { canvas_size: undefined }, 'canvas_size'],
    ['a negative canvas width', { canvas_size: { width: -1, height: 562.5 } }, 'canvas_size'],
    ['elements that are not a list', { elements: 'title' }, 'elements'],
    ['an element without a position', { elements: [{ id: 'x', type: 'text', top: 0, width: 10, height: 10 }] }, 'elements.0.left'],
    ['two elements with one id', { elements: [TITLE, TITLE] }, 'elements.1.id'],
    ['more than 50 elements', { elements: Array.from({ length: 51 }, (_, i) => ({ ...PICTURE, id: `p${i}` })) }, 'elements'],
  ])('refuses %s with a 400 naming the field', async (_what, change, field) => {
    const before = chatRequests().length;
    const { status, body } = await optimize(request(change));
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: 'error', error_code: 'INVALID_REQUEST', data: null });
    expect(body.error_details.field).toBe(field);
    expect(body.message).toEqual(expect.any(String));
    expect(chatRequests().length).toBe(before);
  });

  it('falls back to my default model when the model name is unknown', async () => {
    const { stack, fake } = running;
    const preferences = await gql(`${stack.routerUrl}/graphql`, 'mutation($m: String!) { updatePreferences(input: { defaultModel: $m }) { error { code } } }', { m: user.model.id }, user.token);
    expect(preferences.data?.updatePreferences.error).toBeNull();
    fake.script({ text: JSON.stringify(GOOD_LAYOUT) });
    const before = chatRequests().length;
    const { status, body } = await optimize(request({ ai_model_config: { model: 'GLM-4.5-Air' } }));
    expect(status).toBe(200);
    expect(body.message).toBe('Layout optimised');
    expect(chatRequests().length).toBe(before + 1);
    expect(chatRequests().at(-1)!.headers.authorization).toBe(`Bearer sk-test-${user.userId}`);
  });

  it('tidies the slide without the model when the model is down, and says so', async () => {
    const before = chatRequests().length;
    const { status, body } = await optimize(request({ ai_model_config: { model: deadModel } }));
    expect(status).toBe(200);
    expect(body.status).toBe('success');
    expect(body.message).toMatch(/degraded/);
    expect(body.data.description).toMatch(/^Tidied without the model/);
    const elements = body.data.elements as { id: string; left: number; top: number; width: number; height: number; content?: string }[];
    expect(elements.map((e) => e.id)).toEqual(['title', 'body', 'pic']);
    // The title's and the text's left edges (53, 61) are one edge now, on the grid.
    expect(elements[0]!.left).toBe(elements[1]!.left);
    for (const e of elements) {
      expect(e.left % 4).toBe(0);
      expect(e.left + e.width).toBeLessThanOrEqual(CANVAS.width);
      expect(e.top + e.height).toBeLessThanOrEqual(CANVAS.height);
    }
    expect(elements[1]!.content).toBe(BODY.content);
    expect(chatRequests().length).toBe(before);
  });
});

describe('GraphQL optimizeLayout', () => {
  const OPTIMIZE = 'mutation($input: OptimizeLayoutInput!) { optimizeLayout(input: $input) { elements description degraded model error { code message field } } }';

  it('flags the tidy-up as degraded when the model is down', async () => {
    const result = await gql(`${running.stack.routerUrl}/graphql`, OPTIMIZE, { input: { elements: ELEMENTS, canvasWidth: 1000, canvasHeight: 562.5, model: deadModel } }, user.token);
    expect(result.errors).toBeUndefined();
    expect(result.data!.optimizeLayout).toMatchObject({ degraded: true, model: null, error: null });
  });

  it('is for signed-in users only', async () => {
    const result = await gql(`${running.stack.routerUrl}/graphql`, OPTIMIZE, { input: { elements: [], canvasWidth: 1000, canvasHeight: 562.5 } });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('GraphQL optimizeSlideLayout', () => {
  const OPTIMIZE_SLIDE = `mutation($input: OptimizeSlideLayoutInput!) {
    optimizeSlideLayout(input: $input) { applied revision batchId clientId elements description degraded error { code message field } }
  }`;
  const LOCKED = { id: 'logo', type: 'text', left: 900, top: 500, width: 80, height: 40, rotate: 0, content: '<p>ACME</p>', defaultFontName: 'Arial', defaultColor: '#999999', lock: true };

  async function deckWithSlide(): Promise<{ deckId: string; revision: number }> {
    const document = {
      title: 'Layout',
      width: 1000,
      height: 562.5,
      theme: { backgroundColor: '#ffffff', themeColors: ['#5b9bd5'], fontColor: '#333333', fontName: '', outline: { width: 2, color: '#525252', style: 'solid' }, shadow: { h: 3, v: 3, blur: 2, color: '#808080' } },
      slides: [{ id: 'slide-1', elements: [...ELEMENTS, LOCKED] }],
    };
    const created = await gql(`${running.stack.routerUrl}/graphql`, 'mutation($input: CreateDeckInput!) { createDeck(input: $input) { deck { id revision } error { code message } } }', { input: { title: 'Layout', document } }, user.token);
    expect(created.data?.createDeck.error).toBeNull();
    return { deckId: created.data!.createDeck.deck.id, revision: created.data!.createDeck.deck.revision };
  }

  async function slideElements(deckId: string) {
    const deck = await gql(`${running.stack.routerUrl}/graphql`, 'query($id: ID!) { deck(id: $id) { revision document } }', { id: deckId }, user.token);
    return { revision: deck.data!.deck.revision as number, elements: deck.data!.deck.document.slides[0].elements as Record<string, unknown>[] };
  }

  /** The deck's events after `after` up to revision `until`, as a subscriber sees them. */
  async function eventsUntil(deckId: string, after: number, until: number) {
    const client = wsClient(running.stack.routerUrl, { authorization: `Bearer ${user.token}` });
    const events: any[] = [];
    try {
      const query = 'subscription($id: ID!, $after: Int!) { deckEvents(deckId: $id, afterRevision: $after) { type revision kind clientId batchId operations actor { id } } }';
      for await (const result of client.iterate<{ deckEvents: any }>({ query, variables: { id: deckId, after } })) {
        expect(result.errors).toBeUndefined();
        events.push(result.data!.deckEvents);
        if (result.data!.deckEvents.revision >= until) break;
      }
    } finally {
      await client.dispose();
    }
    return events;
  }

  it('applies the layout as one batch by the AI agent, which one undo reverts', async () => {
    const { deckId, revision } = await deckWithSlide();
    running.fake.script({ text: JSON.stringify(GOOD_LAYOUT) });
    const result = await gql(`${running.stack.routerUrl}/graphql`, OPTIMIZE_SLIDE, { input: { deckId, slideId: 'slide-1', model: user.model.name } }, user.token);
    expect(result.errors).toBeUndefined();
    const payload = result.data!.optimizeSlideLayout;
    expect(payload).toMatchObject({ applied: true, revision: revision + 1, degraded: false, error: null, description: GOOD_LAYOUT.description });
    expect(payload.clientId).toMatch(/^ai:layout:/);

    const events = await eventsUntil(deckId, revision, payload.revision);
    expect(events).toHaveLength(1);
    const [batch] = events;
    expect(batch).toMatchObject({ type: 'OPERATIONS', kind: 'EDIT', revision: revision + 1, clientId: payload.clientId, batchId: payload.batchId, actor: { id: user.userId } });
    expect(batch.operations.map((op: any) => [op.type, op.elementId])).toEqual([
      ['UPDATE_ELEMENT', 'title'],
      ['UPDATE_ELEMENT', 'body'],
      ['UPDATE_ELEMENT', 'pic'],
    ]);
    // Only what changed travels: the title moved and grew; its text did not change.
    expect(batch.operations[0].props).toEqual({ left: 60, top: 40, width: 880, height: 70 });
    expect(Object.keys(batch.operations[1].props).sort()).toEqual(['content', 'height', 'left', 'width']);

    const after = await slideElements(deckId);
    expect(after.elements.find((e) => e.id === 'title')).toMatchObject({ left: 60, width: 880 });
    expect(after.elements.find((e) => e.id === 'logo')).toEqual(LOCKED);

    const undo = await gql(`${running.stack.routerUrl}/graphql`, 'mutation($id: ID!) { undoDeckEdit(input: { deckId: $id }) { applied revision error { code } } }', { id: deckId }, user.token);
    expect(undo.data!.undoDeckEdit).toMatchObject({ applied: true, error: null });
    expect((await slideElements(deckId)).elements).toEqual([...ELEMENTS, LOCKED]);
  });

  it('applies nothing when the answer breaks a rule', async () => {
    const { deckId, revision } = await deckWithSlide();
    running.fake.script({ text: JSON.stringify({ elements: [{ id: 'title', left: 60, top: 40, width: 880, height: 70 }, { id: 'body', left: 60, top: 130, width: 480, height: 300, content: '<p>Revenue fell</p>' }] }) });
    const result = await gql(`${running.stack.routerUrl}/graphql`, OPTIMIZE_SLIDE, { input: { deckId, slideId: 'slide-1', model: user.model.name } }, user.token);
    expect(result.data!.optimizeSlideLayout).toMatchObject({ applied: false, error: { code: 'LAYOUT_REPLY_INVALID', field: 'elements.body.content' } });
    expect(await slideElements(deckId)).toEqual({ revision, elements: [...ELEMENTS, LOCKED] });
  });

  it('tidies the slide when the model is down, flagged degraded', async () => {
    const { deckId, revision } = await deckWithSlide();
    const result = await gql(`${running.stack.routerUrl}/graphql`, OPTIMIZE_SLIDE, { input: { deckId, slideId: 'slide-1', model: deadModel } }, user.token);
    expect(result.data!.optimizeSlideLayout).toMatchObject({ applied: true, revision: revision + 1, degraded: true, error: null });
    const { elements } = await slideElements(deckId);
    expect(elements.find((e) => e.id === 'title')!.left).toBe(elements.find((e) => e.id === 'body')!.left);
    expect(elements.find((e) => e.id === 'logo')).toEqual(LOCKED);
  });

  it('refuses a collaborator who may only view, and a stranger, before asking the model', async () => {
    const { deckId } = await deckWithSlide();
    const viewer = await signUp(running.stack.routerUrl, 'Viewer');
    const stranger = await signUp(running.stack.routerUrl, 'Stranger');
    const shared = await gql(`${running.stack.routerUrl}/graphql`, 'mutation($input: ShareDeckInput!) { shareDeck(input: $input) { error { code } } }', { input: { deckId, userId: viewer.userId, role: 'VIEWER' } }, user.token);
    expect(shared.data?.shareDeck.error).toBeNull();
    const before = chatRequests().length;
    const as = (token: string) => gql(`${running.stack.routerUrl}/graphql`, OPTIMIZE_SLIDE, { input: { deckId, slideId: 'slide-1' } }, token);
    expect((await as(viewer.token)).data!.optimizeSlideLayout).toMatchObject({ applied: false, error: { code: 'FORBIDDEN', field: 'deckId' } });
    expect((await as(stranger.token)).data!.optimizeSlideLayout).toMatchObject({ applied: false, error: { code: 'NOT_FOUND', field: 'deckId' } });
    expect(chatRequests().length).toBe(before);
  });
});
