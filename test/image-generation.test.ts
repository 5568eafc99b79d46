// Images drawn from a prompt: a user's own image model (the fake OpenAI-compatible server) draws
// through the openai SDK, the AI agent stores the picture in the user's library as a generated
// image, and media processes it like any upload. Transient provider failures are retried,
// permanent ones come back as a coded error, and without an image model nothing is called.
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai.js';
import { gql, type Stack, signUp, startStack } from './stack.js';

let stack: Stack;
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  stack = await startStack({ worker: false, ai: { imageCalls: { retry: { baseDelayMs: 20, maxDelayMs: 100 } } } });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await fake?.close();
});

const graphql = () => `${stack.routerUrl}/graphql`;
const imageRequests = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/images/generations');

const GENERATE = `mutation($input: GenerateImageInput!) {
  generateImage(input: $input) { image { id status sourceType prompt generationModel mimeType } error { code message field } }
}`;

/** A new user with a personal image model pointing at the fake. */
async function userWithImageModel() {
  const user = await signUp(stack.routerUrl, 'Illustrator');
  const name = `painter-${user.userId}`;
  const created = await gql(
    graphql(),
    'mutation($input: CreateAiModelInput!) { createAiModel(input: $input) { model { id } error { code message } } }',
    { input: { name, providerModel: 'dall-e-3', baseUrl: fake.url, apiKey: `sk-test-${user.userId}`, capabilities: ['image_gen'] } },
    user.token,
  );
  expect(created.data?.createAiModel.error).toBeNull();
  return { ...user, model: name };
}

async function generate(token: string, input: Record<string, unknown>) {
  const result = await gql(graphql(), GENERATE, { input }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.generateImage as { image: Record<string, any> | null; error: { code: string; message: string; field: string | null } | null };
}

async function statusOf(token: string, id: string): Promise<string> {
  return (await gql(graphql(), 'query($id: ID!) { image(id: $id) { status } }', { id }, token)).data!.image.status;
}

it('draws an image with my image model and keeps it in my library as a generated image', async () => {
  const user = await userWithImageModel();
  const before = imageRequests().length;

  const result = await generate(user.token, { prompt: 'A lighthouse at dusk', size: '512x512' });

  expect(result.error).toBeNull();
  expect(result.image).toMatchObject({ sourceType: 'generated', prompt: 'A lighthouse at dusk', generationModel: user.model, mimeType: 'image/png' });
  const sent = imageRequests().slice(before);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.body).toMatchObject({ model: 'dall-e-3', prompt: 'A lighthouse at dusk', size: '512x512', response_format: 'b64_json', n: 1 });
  expect(sent[0]!.headers.authorization).toBe(`Bearer sk-test-${user.userId}`);

  const id = result.image!.id as string;
  const deadline = Date.now() + 20_000;
  let status = await statusOf(user.token, id);
  while (status !== 'READY' && status !== 'FAILED' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    status = await statusOf(user.token, id);
  }
  expect(status).toBe('READY');

  const page = await gql(graphql(), '{ myImagePage(sourceType: "generated") { total items { id prompt width height } } }', {}, user.token);
  expect(page.data!.myImagePage).toEqual({ total: 1, items: [{ id, prompt: 'A lighthouse at dusk', width: 8, height: 8 }] });
  const uploaded = await gql(graphql(), '{ myImagePage(sourceType: "uploaded") { total } }', {}, user.token);
  expect(uploaded.data!.myImagePage.total).toBe(0);
});

it('retries a provider failure that may pass (500), then stores the image', async () => {
  const user = await userWithImageModel();
  const before = imageRequests().length;
  fake.scriptImages({ status: 500 });

  const result = await generate(user.token, { prompt: 'Rain over a harbour', model: user.model });

  expect(result.error).toBeNull();
  expect(result.image).toMatchObject({ sourceType: 'generated', prompt: 'Rain over a harbour' });
  expect(imageRequests().length - before).toBe(2);
});

it('does not retry a refused request (400) and says why, storing nothing', async () => {
  const user = await userWithImageModel();
  const before = imageRequests().length;
  fake.scriptImages({ status: 400, body: { error: { message: 'Your prompt was rejected by the safety system', type: 'invalid_request_error', param: null, code: 'content_policy_violation' } } });

  const result = await generate(user.token, { prompt: 'Something refused' });

  expect(result.image).toBeNull();
  expect(result.error).toMatchObject({ code: 'MODEL_ERROR', field: 'prompt' });
  expect(result.error!.message).toContain('safety system');
  expect(imageRequests().length - before).toBe(1);
  const page = await gql(graphql(), '{ myImagePage(sourceType: "generated") { total } }', {}, user.token);
  expect(page.data!.myImagePage.total).toBe(0);
});

it('answers NO_IMAGE_MODEL when I have no image model, without calling any provider', async () => {
  const user = await signUp(stack.routerUrl, 'No painter');
  // A chat-only model of mine is no image model.
  await gql(
    graphql(),
    'mutation($input: CreateAiModelInput!) { createAiModel(input: $input) { model { id } } }',
    { input: { name: 'chatty', providerModel: 'fake-model', baseUrl: fake.url, capabilities: ['chat'] } },
    user.token,
  );
  const before = imageRequests().length;

  const result = await generate(user.token, { prompt: 'A cat' });

  expect(result).toEqual({ image: null, error: { code: 'NO_IMAGE_MODEL', message: expect.any(String), field: 'model' } });
  expect(imageRequests().length).toBe(before);
});

it('refuses a bad size and an empty prompt as data', async () => {
  const user = await userWithImageModel();
  expect((await generate(user.token, { prompt: 'A cat', size: '300x300' })).error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'size' });
  expect((await generate(user.token, { prompt: '   ' })).error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'prompt' });
});

it('lets only a service mark an upload as generated', async () => {
  const user = await signUp(stack.routerUrl, 'Pretender');
  const result = await gql(
    graphql(),
    'mutation { requestImageUpload(filename: "fake.png", contentType: "image/png", generated: { prompt: "mine, honestly", model: "dall-e-3" }) { upload { imageId } } }',
    {},
    user.token,
  );
  expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});
