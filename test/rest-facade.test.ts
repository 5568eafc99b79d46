// The REST facade at /api/v1, as legacy clients see it: StandardResponse envelopes and codes.
import { type Stack, signUp, startStack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

async function call(method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string } = {}) {
  const response = await fetch(`${stack.routerUrl}${path}`, {
    method,
    headers: {
      ...(options.token && { authorization: `Bearer ${options.token}` }),
      ...((options.body !== undefined || options.rawBody !== undefined) && { 'content-type': 'application/json' }),
    },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any>, requestId: response.headers.get('x-request-id') };
}

function expectEnvelope(body: Record<string, any>, status: 'success' | 'error') {
  expect(body.status).toBe(status);
  expect(typeof body.message).toBe('string');
  expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
  expect(typeof body.request_id).toBe('string');
}

it('GET /health answers {"status":"healthy"}', async () => {
  expect(await call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'healthy' } });
});

describe('GET /api/v1/auth/me', () => {
  it('is 401 UNAUTHORIZED without a token', async () => {
    const { status, body } = await call('GET', '/api/v1/auth/me');
    expect(status).toBe(401);
    expectEnvelope(body, 'error');
    expect(body).toMatchObject({ error_code: 'UNAUTHORIZED', data: null });
  });

  it('is 401 INVALID_TOKEN for a forged token', async () => {
    const { status, body } = await call('GET', '/api/v1/auth/me', { token: 'not.a.jwt' });
    expect(status).toBe(401);
    expect(body.error_code).toBe('INVALID_TOKEN');
  });

  it('returns the user in the contract shape', async () => {
    const user = await signUp(stack.routerUrl, 'Rest User');
    const { status, body, requestId } = await call('GET', '/api/v1/auth/me', { token: user.token });
    expect(status).toBe(200);
    expectEnvelope(body, 'success');
    expect(body.request_id).toBe(requestId);
    expect(body.data).toMatchObject({
      id: user.userId,
      email: user.email,
      name: 'Rest User',
      role: 'USER',
      is_active: true,
      is_superuser: false,
      auth_type: 'password',
    });
  });
});

describe('/api/v1/decks', () => {
  it('creates a deck (201) and reads it back', async () => {
    const user = await signUp(stack.routerUrl);
    const created = await call('POST', '/api/v1/decks', { token: user.token, body: { title: 'Quarterly review' } });
    expect(created.status).toBe(201);
    expectEnvelope(created.body, 'success');
    expect(created.body.data).toMatchObject({ title: 'Quarterly review', revision: 0, slide_count: 1, owner_id: user.userId });
    const read = await call('GET', `/api/v1/decks/${created.body.data.id}`, { token: user.token });
    expect(read.status).toBe(200);
    expect(read.body.data.document).toMatchObject({ title: 'Quarterly review', width: 1000, height: 562.5 });
  });

  it.each([
    ['no token', undefined, 'UNAUTHORIZED'],
    ['a forged token', 'forged.token.value', 'INVALID_TOKEN'],
  ])('refuses creation with %s', async (_name, token, code) => {
    const response = await call('POST', '/api/v1/decks', { token, body: { title: 'x' } });
    expect(response.status).toBe(401);
    expect(response.body.error_code).toBe(code);
  });

  it('answers 400 INVALID_REQUEST for a bad document, naming the field', async () => {
    const user = await signUp(stack.routerUrl);
    const { status, body } = await call('POST', '/api/v1/decks', { token: user.token, body: { title: 'x', document: { title: 'x', width: 1000, height: 562.5, theme: { backgroundColor: '#fff', themeColors: ['#5b9bd5'], fontColor: '#333', fontName: '', outline: { width: 2, color: '#525252', style: 'solid' }, shadow: { h: 3, v: 3, blur: 2, color: '#808080' } }, slides: 'nope' } } });
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: 'error', error_code: 'INVALID_REQUEST', error_details: { field: 'document.slides' } });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const user = await signUp(stack.routerUrl);
    const { status, body } = await call('POST', '/api/v1/decks', { token: user.token, rawBody: '{"title":' });
    expect(status).toBe(400);
    expect(body.error_code).toBe('INVALID_REQUEST');
  });

  it('answers 403 for someone else’s deck, 404 for a missing one and 400 for a malformed id', async () => {
    const owner = await signUp(stack.routerUrl);
    const other = await signUp(stack.routerUrl);
    const created = await call('POST', '/api/v1/decks', { token: owner.token, body: { title: 'Mine' } });
    const forbidden = await call('GET', `/api/v1/decks/${created.body.data.id}`, { token: other.token });
    expect([forbidden.status, forbidden.body.error_code]).toEqual([403, 'PERMISSION_DENIED']);
    const missing = await call('GET', '/api/v1/decks/00000000-0000-4000-8000-000000000000', { token: other.token });
    expect([missing.status, missing.body.error_code]).toEqual([404, 'RESOURCE_NOT_FOUND']);
    const malformed = await call('GET', '/api/v1/decks/123', { token: other.token });
    expect([malformed.status, malformed.body.error_code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('answers 404 in the envelope for an unknown route', async () => {
    const { status, body } = await call('GET', '/api/v1/nothing-here');
    expect(status).toBe(404);
    expect(body).toMatchObject({ status: 'error', error_code: 'RESOURCE_NOT_FOUND' });
  });
});

describe('when a subgraph is down', () => {
  it('answers 500 INTERNAL_ERROR in the envelope, without internals, and stays alive', async () => {
    const user = await signUp(stack.routerUrl);
    const created = await call('POST', '/api/v1/decks', { token: user.token, body: { title: 'Before the outage' } });
    await stack.stopSubgraph('decks');
    const { status, body } = await call('GET', `/api/v1/decks/${created.body.data.id}`, { token: user.token });
    expect(status).toBe(500);
    expect(body).toMatchObject({ status: 'error', error_code: 'INTERNAL_ERROR', message: 'Internal server error', data: null });
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    const me = await call('GET', '/api/v1/auth/me', { token: user.token });
    expect(me.status).toBe(200);
  });
});
