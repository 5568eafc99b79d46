// /api/v1/ai-models as the old client's model-settings page uses it (REST-COMPAT.md §1 "AI models
// registry"): keys are write-only (only their mask comes back), the mask sent back means
// "unchanged", both body forms are accepted, and every item carries the supports_* flags.
import { createPrisma } from '../lib/db.js';
import { gql, type Stack, signUp, startStack } from './stack.js';

let stack: Stack;
const prisma = createPrisma();
beforeAll(async () => {
  stack = await startStack({ legacyAnonymousAccess: true });
});
afterAll(async () => {
  await stack?.close();
  await prisma.$disconnect();
});

const OFFLINE_MODEL_ID = '00000000-0000-4000-8000-0000000000f1';
const KEY = 'sk-test-0123456789abcdef';
let unique = 0;
const modelName = (label: string) => `${label}-${process.pid}-${Date.now()}-${unique++}`;

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`${stack.routerUrl}/api/v1${path}`, {
    method,
    headers: { ...(options.token && { authorization: `Bearer ${options.token}` }), ...(options.body !== undefined && { 'content-type': 'application/json' }) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, any> };
}

async function signIn(email: string): Promise<string> {
  const result = await gql(`${stack.routerUrl}/graphql`, 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: { email, password: 'correct horse battery' } });
  return result.data?.signIn.accessToken as string;
}

/** A signed-up user promoted to admin, with a token that carries the role. */
async function makeAdmin() {
  const admin = await signUp(stack.routerUrl, 'Admin');
  await prisma.user.update({ where: { id: admin.userId }, data: { role: 'ADMIN' } });
  return { ...admin, token: await signIn(admin.email) };
}

const platformModel = (overrides: Record<string, unknown> = {}) => ({
  name: modelName('rest-model'),
  ai_model_name: 'gpt-test-mini',
  base_url: 'http://127.0.0.1:9/v1',
  api_key: KEY,
  capabilities: ['chat', 'vision'],
  provider_mapping: { chat: 'openai', vision: 'openai' },
  parameters: { temperature: 0.2 },
  max_tokens: 4096,
  context_window: 128000,
  is_enabled: true,
  is_default: false,
  ...overrides,
});

async function sealedKey(id: string) {
  const row = await prisma.aiModel.findUniqueOrThrow({ where: { id } });
  return { hint: row.keyHint, ciphertext: Buffer.from(row.keyCiphertext ?? []).toString('base64') };
}

describe('/api/v1/ai-models', () => {
  let admin: Awaited<ReturnType<typeof makeAdmin>>;
  beforeAll(async () => {
    admin = await makeAdmin();
  });

  it('creates a platform model and answers with the mask of its key, never the key', async () => {
    const created = await call('POST', '/ai-models/models', { token: admin.token, body: platformModel() });
    expect(created.status).toBe(201);
    expect(created.text).not.toContain(KEY);
    expect(created.body.data).toMatchObject({
      ai_model_name: 'gpt-test-mini',
      base_url: 'http://127.0.0.1:9/v1',
      api_key: expect.stringMatching(/cdef$/),
      capabilities: ['chat', 'vision'],
      provider_mapping: { chat: 'openai', vision: 'openai' },
      parameters: { temperature: 0.2 },
      max_tokens: 4096,
      context_window: 128000,
      is_enabled: true,
      is_default: false,
      is_personal: false,
      supports_chat: true,
      supports_vision: true,
      supports_image_generation: false,
      supports_embeddings: false,
      supports_tools: false,
      provider: 'openai',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(created.body.data.api_key).not.toBe(KEY);
    await call('DELETE', `/ai-models/models/${created.body.data.id}`, { token: admin.token });
  });

  it('lists models for anonymous legacy callers with the supports_* flags, the offline writer included', async () => {
    const created = await call('POST', '/ai-models/models', { token: admin.token, body: platformModel() });
    const listed = await call('GET', '/ai-models');
    expect(listed.status).toBe(200);
    expect(listed.body.data.total).toBe(listed.body.data.items.length);
    const items = listed.body.data.items as Record<string, any>[];
    expect(items.find((m) => m.id === OFFLINE_MODEL_ID)).toMatchObject({ supports_chat: true, provider: 'offline', api_key: '' });
    expect(items.find((m) => m.id === created.body.data.id)).toMatchObject({ supports_chat: true, supports_vision: true });
    for (const item of items) expect(typeof item.supports_image_generation).toBe('boolean');
    expect(listed.text).not.toContain(KEY);

    const imageModels = await call('GET', '/ai-models?supports_image_generation=true');
    expect((imageModels.body.data.items as Record<string, any>[]).every((m) => m.supports_image_generation)).toBe(true);
    const read = await call('GET', `/ai-models/${created.body.data.id}`);
    expect(read.body.data).toMatchObject({ id: created.body.data.id, api_key: created.body.data.api_key });
    expect((await call('GET', '/ai-models/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    await call('DELETE', `/ai-models/models/${created.body.data.id}`, { token: admin.token });
  });

  it('keeps the key when an update sends back the mask or an empty key', async () => {
    const created = await call('POST', '/ai-models/models', { token: admin.token, body: platformModel() });
    const id = created.body.data.id as string;
    const before = await sealedKey(id);
    const hintOf = async () => (await gql(`${stack.routerUrl}/graphql`, 'query($id: ID!) { aiModel(id: $id) { apiKeyHint } }', { id }, admin.token)).data?.aiModel.apiKeyHint;
    const hint = await hintOf();

    const withMask = await call('PUT', `/ai-models/models/${id}`, { token: admin.token, body: { ...created.body.data, name: `${created.body.data.name}-renamed`, max_tokens: '2048', parameters: '{"temperature":0.5}' } });
    expect(withMask.status).toBe(200);
    expect(withMask.body.data).toMatchObject({ name: `${created.body.data.name}-renamed`, max_tokens: 2048, parameters: { temperature: 0.5 }, api_key: created.body.data.api_key });
    expect(await hintOf()).toBe(hint);
    expect(await sealedKey(id)).toEqual(before);

    const withEmpty = await call('PUT', `/ai-models/models/${id}`, { token: admin.token, body: { api_key: '' } });
    expect(withEmpty.status).toBe(200);
    expect(await sealedKey(id)).toEqual(before);

    const replaced = await call('PUT', `/ai-models/models/${id}`, { token: admin.token, body: { api_key: 'sk-test-replacement-9876' } });
    expect(replaced.body.data.api_key).toMatch(/9876$/);
    expect((await sealedKey(id)).ciphertext).not.toBe(before.ciphertext);
    await call('DELETE', `/ai-models/models/${id}`, { token: admin.token });
  });

  it('refuses a masked key on create with 400', async () => {
    const refused = await call('POST', '/ai-models/models', { token: admin.token, body: platformModel({ api_key: 'sk-…abcd' }) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ status: 'error', error_code: 'INVALID_REQUEST', error_details: { field: 'api_key' } });
  });

  it('accepts the older body form: provider + supports_* flags, parameters and numbers as strings', async () => {
    const body = {
      name: modelName('legacy-form'),
      ai_model_name: 'glm-4-flash',
      base_url: 'http://127.0.0.1:9/v1',
      api_key: KEY,
      provider: 'zhipu',
      supports_chat: true,
      supports_vision: true,
      supports_image_generation: false,
      parameters: '{"top_p":0.9}',
      max_tokens: '2048',
      context_window: '',
      is_enabled: true,
    };
    const created = await call('POST', '/ai-models/models', { token: admin.token, body });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      capabilities: ['chat', 'vision'],
      provider_mapping: { chat: 'zhipu', vision: 'zhipu' },
      provider: 'zhipu',
      parameters: { top_p: 0.9 },
      max_tokens: 2048,
      context_window: null,
      supports_chat: true,
      supports_vision: true,
    });
    // A flag changes one capability and leaves the others.
    const updated = await call('PUT', `/ai-models/models/${created.body.data.id}`, { token: admin.token, body: { supports_image_generation: true } });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ supports_chat: true, supports_vision: true, supports_image_generation: true });
    expect((await call('PUT', `/ai-models/models/${created.body.data.id}`, { token: admin.token, body: { max_tokens: 'lots' } })).body).toMatchObject({ error_code: 'INVALID_REQUEST', error_details: { field: 'max_tokens' } });
    await call('DELETE', `/ai-models/models/${created.body.data.id}`, { token: admin.token });
  });

  it("gives a non-admin's model to them alone, and keeps platform models the admins' to change", async () => {
    const user = await signUp(stack.routerUrl, 'Modeller');
    const other = await signUp(stack.routerUrl, 'Other');
    const created = await call('POST', '/ai-models/models', { token: user.token, body: platformModel() });
    expect(created.status).toBe(201);
    expect(created.body.data.is_personal).toBe(true);
    const id = created.body.data.id as string;
    expect(((await call('GET', '/ai-models', { token: user.token })).body.data.items as { id: string }[]).map((m) => m.id)).toContain(id);
    expect(((await call('GET', '/ai-models', { token: other.token })).body.data.items as { id: string }[]).map((m) => m.id)).not.toContain(id);
    expect(((await call('GET', '/ai-models')).body.data.items as { id: string }[]).map((m) => m.id)).not.toContain(id);
    expect((await call('GET', `/ai-models/${id}`, { token: other.token })).status).toBe(404);
    expect((await call('PUT', `/ai-models/models/${OFFLINE_MODEL_ID}`, { token: user.token, body: { is_enabled: false } })).status).toBe(403);
    expect((await call('DELETE', `/ai-models/models/${id}`, { token: user.token })).status).toBe(200);
  });

  it('deletes a model: then it is gone (404)', async () => {
    const created = await call('POST', '/ai-models/models', { token: admin.token, body: platformModel() });
    const id = created.body.data.id as string;
    const deleted = await call('DELETE', `/ai-models/models/${id}`, { token: admin.token });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ status: 'success', data: { id, deleted: true } });
    expect((await call('GET', `/ai-models/${id}`, { token: admin.token })).status).toBe(404);
    expect((await call('DELETE', `/ai-models/models/${id}`, { token: admin.token })).status).toBe(404);
  });
});
