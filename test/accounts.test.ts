// Accounts and sessions through the router, as clients use them.
import { createPrisma } from '../lib/db.js';
import { gql, type Stack, signUp, startStack } from './stack.js';

let stack: Stack;
let graphql: string;
const prisma = createPrisma();

beforeAll(async () => {
  stack = await startStack();
  graphql = `${stack.routerUrl}/graphql`;
});
afterAll(async () => {
  await stack?.close();
  await prisma.$disconnect();
});

const ME = '{ me { id } }';
const REFRESH = 'mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken error { code } } }';

async function signIn(email: string, password: string, ip = '10.200.0.1') {
  const response = await fetch(graphql, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, 'user-agent': 'accounts-test/1.0' },
    body: JSON.stringify({ query: 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken refreshToken sessionId error { code } } }', variables: { i: { email, password } } }),
  });
  return ((await response.json()) as { data?: any; errors?: any[] });
}

const codeOf = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;

describe('refresh tokens', () => {
  it('rotate on every use, and a reused one signs the whole session out at once', async () => {
    const user = await signUp(stack.routerUrl);
    const first = await gql(graphql, REFRESH, { t: user.refreshToken });
    const rotated = first.data?.refreshSession;
    expect(rotated.error).toBeNull();
    expect(rotated.refreshToken).not.toBe(user.refreshToken);
    expect((await gql(graphql, ME, {}, rotated.accessToken)).data?.me.id).toBe(user.userId);

    // The old token again: reuse. Everything of that session dies, the newest tokens included.
    const reused = await gql(graphql, REFRESH, { t: user.refreshToken });
    expect(reused.data?.refreshSession).toMatchObject({ accessToken: null, error: { code: 'INVALID_REFRESH_TOKEN' } });
    expect((await gql(graphql, REFRESH, { t: rotated.refreshToken })).data?.refreshSession.error.code).toBe('INVALID_REFRESH_TOKEN');
    const refused = await gql(graphql, ME, {}, rotated.accessToken);
    expect(codeOf(refused)).toBe('UNAUTHENTICATED');
    expect(refused.errors?.[0]?.extensions?.reason).toBe('revoked');
    const audit = await prisma.auditEvent.findMany({ where: { userId: user.userId, type: 'refresh.reused' } });
    expect(audit).toHaveLength(1);
  });

  it('are stored only as hashes', async () => {
    const user = await signUp(stack.routerUrl);
    const rows = await prisma.refreshToken.findMany({ where: { session: { userId: user.userId } } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toContain(user.refreshToken);
    expect(rows[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('sessions', () => {
  it('sign-out refuses the access token at once, on GraphQL and REST', async () => {
    const user = await signUp(stack.routerUrl);
    expect((await gql(graphql, 'mutation { signOut { revokedCount } }', {}, user.token)).data?.signOut.revokedCount).toBe(1);
    expect(codeOf(await gql(graphql, ME, {}, user.token))).toBe('UNAUTHENTICATED');
    const rest = await fetch(`${stack.routerUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(rest.status).toBe(401);
  });

  it('lists my sessions, marks the current one, and revokes another', async () => {
    const user = await signUp(stack.routerUrl);
    const second = await signIn(user.email, 'correct horse battery');
    const secondToken = second.data.signIn.accessToken as string;
    const listed = await gql(graphql, '{ mySessions { total sessions { id current userAgent ipAddress } } }', {}, user.token);
    expect(listed.data?.mySessions.total).toBe(2);
    const sessions = listed.data?.mySessions.sessions as { id: string; current: boolean; userAgent: string; ipAddress: string }[];
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const other = sessions.find((s) => !s.current)!;
    expect(other).toMatchObject({ id: second.data.signIn.sessionId, userAgent: 'accounts-test/1.0', ipAddress: '10.200.0.1' });
    const revoked = await gql(graphql, 'mutation($id: ID!) { revokeSession(id: $id) { revokedCount } }', { id: other.id }, user.token);
    expect(revoked.data?.revokeSession.revokedCount).toBe(1);
    expect(codeOf(await gql(graphql, ME, {}, secondToken))).toBe('UNAUTHENTICATED');
    expect((await gql(graphql, ME, {}, user.token)).data?.me.id).toBe(user.userId);
  });

  it('cannot revoke someone else’s session', async () => {
    const owner = await signUp(stack.routerUrl);
    const other = await signUp(stack.routerUrl);
    const sessionId = (await prisma.session.findFirst({ where: { userId: owner.userId } }))!.id;
    const result = await gql(graphql, 'mutation($id: ID!) { revokeSession(id: $id) { revokedCount } }', { id: sessionId }, other.token);
    expect(result.data?.revokeSession.revokedCount).toBe(0);
    expect((await gql(graphql, ME, {}, owner.token)).data?.me.id).toBe(owner.userId);
  });

  it('sign-out-everywhere ends every session', async () => {
    const user = await signUp(stack.routerUrl);
    const second = await signIn(user.email, 'correct horse battery', '10.200.0.2');
    const result = await gql(graphql, 'mutation { signOutEverywhere { revokedCount } }', {}, user.token);
    expect(result.data?.signOutEverywhere.revokedCount).toBe(2);
    expect(codeOf(await gql(graphql, ME, {}, second.data.signIn.accessToken))).toBe('UNAUTHENTICATED');
  });
});

describe('passwords', () => {
  it('change signs other sessions out, keeps this one, and the old password stops working', async () => {
    const user = await signUp(stack.routerUrl);
    const other = await signIn(user.email, 'correct horse battery', '10.200.0.3');
    const change = 'mutation($i: ChangePasswordInput!) { changePassword(input: $i) { user { id } error { code field } } }';
    const wrong = await gql(graphql, change, { i: { currentPassword: 'nope nope nope', newPassword: 'a brand new secret' } }, user.token);
    expect(wrong.data?.changePassword.error).toEqual({ code: 'INVALID_CREDENTIALS', field: 'currentPassword' });
    const ok = await gql(graphql, change, { i: { currentPassword: 'correct horse battery', newPassword: 'a brand new secret' } }, user.token);
    expect(ok.data?.changePassword.error).toBeNull();
    expect(codeOf(await gql(graphql, ME, {}, other.data.signIn.accessToken))).toBe('UNAUTHENTICATED');
    expect((await gql(graphql, ME, {}, user.token)).data?.me.id).toBe(user.userId);
    expect((await signIn(user.email, 'correct horse battery', '10.200.0.4')).data.signIn.error.code).toBe('INVALID_CREDENTIALS');
    expect((await signIn(user.email, 'a brand new secret', '10.200.0.4')).data.signIn.accessToken).toEqual(expect.any(String));
    expect(await prisma.auditEvent.count({ where: { userId: user.userId, type: 'password.changed' } })).toBe(1);
  });

  it('gives the same answer for an unknown account and a wrong password, and audits both', async () => {
    const user = await signUp(stack.routerUrl);
    const unknown = await signIn(`nobody-${Date.now()}@example.test`, 'whatever123', '10.200.0.5');
    const wrong = await signIn(user.email, 'whatever123', '10.200.0.5');
    expect(unknown.data.signIn).toEqual(wrong.data.signIn);
    expect(wrong.data.signIn.error.code).toBe('INVALID_CREDENTIALS');
    expect(await prisma.auditEvent.count({ where: { userId: user.userId, type: 'sign_in.failed' } })).toBe(1);
  });
});

describe('profile and preferences', () => {
  it('updates the profile and validates it', async () => {
    const user = await signUp(stack.routerUrl);
    const update = 'mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { user { name bio avatarUrl } error { code field } } }';
    const ok = await gql(graphql, update, { i: { name: 'New Name', bio: 'Slides all day', avatarUrl: 'https://example.com/a.png' } }, user.token);
    expect(ok.data?.updateProfile).toEqual({ user: { name: 'New Name', bio: 'Slides all day', avatarUrl: 'https://example.com/a.png' }, error: null });
    const bad = await gql(graphql, update, { i: { avatarUrl: 'javascript:alert(1)' } }, user.token);
    expect(bad.data?.updateProfile.error).toEqual({ code: 'BAD_USER_INPUT', field: 'avatarUrl' });
  });

  it('updates preferences atomically, refusing a stale version', async () => {
    const user = await signUp(stack.routerUrl);
    const read = await gql(graphql, '{ me { preferences { language defaultStyle version } } }', {}, user.token);
    expect(read.data?.me.preferences).toEqual({ language: 'zh-CN', defaultStyle: null, version: 0 });
    const update = 'mutation($i: UpdatePreferencesInput!) { updatePreferences(input: $i) { preferences { language defaultStyle version } error { code field } } }';
    const first = await gql(graphql, update, { i: { language: 'en', expectedVersion: 0 } }, user.token);
    expect(first.data?.updatePreferences.preferences).toEqual({ language: 'en', defaultStyle: null, version: 1 });
    const stale = await gql(graphql, update, { i: { defaultStyle: 'academic', expectedVersion: 0 } }, user.token);
    expect(stale.data?.updatePreferences.error).toEqual({ code: 'CONFLICT', field: 'expectedVersion' });
    const concurrent = await Promise.all(['business', 'education', 'marketing'].map((style) => gql(graphql, update, { i: { defaultStyle: style } }, user.token)));
    expect(concurrent.map((r) => r.data?.updatePreferences.preferences.version).sort()).toEqual([2, 3, 4]);
    const bad = await gql(graphql, update, { i: { language: 'klingon' } }, user.token);
    expect(bad.data?.updatePreferences.error.field).toBe('language');
  });

  it('reaches the ai subgraph through the graph (User.generationDefaults @requires preferences)', async () => {
    const user = await signUp(stack.routerUrl);
    await gql(graphql, 'mutation { updatePreferences(input: { language: "ja", defaultStyle: "academic", defaultModel: "glm-4.7-flash" }) { error { code } } }', {}, user.token);
    const result = await gql(graphql, '{ me { generationDefaults { language style model template } } }', {}, user.token);
    expect(result.errors).toBeUndefined();
    expect(result.data?.me.generationDefaults).toEqual({ language: 'ja', style: 'academic', model: 'glm-4.7-flash', template: null });
  });

  it('keeps email and preferences private when the User entity is resolved for someone else', async () => {
    const owner = await signUp(stack.routerUrl, 'Owner');
    const other = await signUp(stack.routerUrl);
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { name email preferences { language } } } }`;
    const representations = [{ __typename: 'User', id: owner.userId }];
    const asOther = await gql(stack.subgraphUrls.users, entities, { r: representations }, other.token);
    expect(asOther.data?._entities).toEqual([{ name: 'Owner', email: null, preferences: null }]);
    const asOwner = await gql(stack.subgraphUrls.users, entities, { r: representations }, owner.token);
    expect(asOwner.data?._entities).toEqual([{ name: 'Owner', email: owner.email, preferences: { language: 'zh-CN' } }]);
  });
});

describe('administration', () => {
  async function makeAdmin() {
    const admin = await signUp(stack.routerUrl, 'Admin');
    await prisma.user.update({ where: { id: admin.userId }, data: { role: 'ADMIN' } });
    const signedIn = await signIn(admin.email, 'correct horse battery', '10.200.1.1');
    return { ...admin, token: signedIn.data.signIn.accessToken as string };
  }

  it('lets admins list and disable users; disabling signs them out', async () => {
    const admin = await makeAdmin();
    const user = await signUp(stack.routerUrl, 'Victim');
    const listed = await gql(graphql, 'query($q: String) { users(first: 10, query: $q) { id email } }', { q: user.email }, admin.token);
    expect(listed.data?.users).toEqual([{ id: user.userId, email: user.email }]);
    const disabled = await gql(graphql, 'mutation($id: ID!) { setUserActive(userId: $id, active: false) { isActive } }', { id: user.userId }, admin.token);
    expect(disabled.data?.setUserActive.isActive).toBe(false);
    expect(codeOf(await gql(graphql, ME, {}, user.token))).toBe('UNAUTHENTICATED');
    expect((await signIn(user.email, 'correct horse battery', '10.200.1.2')).data.signIn.error.code).toBe('INVALID_CREDENTIALS');
    expect(await prisma.auditEvent.count({ where: { userId: user.userId, type: 'user.disabled', actorId: admin.userId } })).toBe(1);
  });

  it('refuses admin operations to users with FORBIDDEN', async () => {
    const user = await signUp(stack.routerUrl);
    expect(codeOf(await gql(graphql, '{ users { id } }', {}, user.token))).toBe('FORBIDDEN');
    const promote = await gql(graphql, 'mutation($id: ID!) { setUserRole(userId: $id, role: ADMIN) { role } }', { id: user.userId }, user.token);
    expect(codeOf(promote)).toBe('FORBIDDEN');
    expect((await prisma.user.findUnique({ where: { id: user.userId } }))!.role).toBe('USER');
  });

  it('audits role changes and makes the new role take effect at the next sign-in', async () => {
    const admin = await makeAdmin();
    const user = await signUp(stack.routerUrl);
    const promoted = await gql(graphql, 'mutation($id: ID!) { setUserRole(userId: $id, role: ADMIN) { role } }', { id: user.userId }, admin.token);
    expect(promoted.data?.setUserRole.role).toBe('ADMIN');
    expect(codeOf(await gql(graphql, ME, {}, user.token))).toBe('UNAUTHENTICATED');
    expect(await prisma.auditEvent.count({ where: { userId: user.userId, type: 'role.changed' } })).toBe(1);
  });
});

describe('REST /api/v1/auth', () => {
  const rest = async (method: string, path: string, body?: unknown, token?: string, ip = '10.201.0.1') => {
    const response = await fetch(`${stack.routerUrl}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, ...(token && { authorization: `Bearer ${token}` }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  };

  it('registers, logs in, refreshes, lists and revokes sessions, and logs out, in the contract shapes', async () => {
    const email = `rest-${Date.now()}@example.test`;
    const mismatch = await rest('POST', '/auth/register', { email, name: 'Rest Person', password: 'password123', confirm_password: 'password124' });
    expect([mismatch.status, mismatch.body.error_details]).toEqual([400, { field: 'confirm_password' }]);

    const registered = await rest('POST', '/auth/register', { email, name: 'Rest Person', password: 'password123', confirm_password: 'password123' });
    expect(registered.status).toBe(201);
    expect(registered.body.data).toMatchObject({ token_type: 'bearer', access_token: expect.any(String), refresh_token: expect.any(String), expires_at: expect.any(String), refresh_expires_at: expect.any(String), user: { email, name: 'Rest Person', role: 'USER', is_active: true, is_superuser: false, auth_type: 'password' } });

    const login = await rest('POST', '/auth/login', { email, password: 'password123' });
    expect(login.status).toBe(200);
    const refreshed = await rest('POST', '/auth/refresh', { refresh_token: login.body.data.refresh_token });
    expect(refreshed.body.data.refresh_token).not.toBe(login.body.data.refresh_token);
    const token = refreshed.body.data.access_token as string;

    const sessions = await rest('GET', '/auth/sessions?skip=0&limit=10', undefined, token);
    expect(sessions.body.data.total).toBe(2);
    expect(sessions.body.data.sessions[0]).toEqual({ id: expect.any(String), ip_address: '10.201.0.1', user_agent: expect.any(String), created_at: expect.any(String), expires_at: expect.any(String), is_current: expect.any(Boolean) });
    const other = (sessions.body.data.sessions as { id: string; is_current: boolean }[]).find((s) => !s.is_current)!;
    expect((await rest('POST', `/auth/sessions/${other.id}/revoke`, {}, token)).status).toBe(200);
    expect((await rest('POST', `/auth/sessions/${other.id}/revoke`, {}, token)).status).toBe(404);

    const logout = await rest('POST', '/auth/logout', {}, token);
    expect(logout.body.data).toEqual({ revoked_count: 1 });
    expect((await rest('GET', '/auth/me', undefined, token)).status).toBe(401);
  });

  it('answers 401 UNAUTHORIZED for bad credentials and 401 INVALID_TOKEN for a bad refresh token', async () => {
    const bad = await rest('POST', '/auth/login', { email: 'nobody@example.test', password: 'password123' }, undefined, '10.201.0.2');
    expect([bad.status, bad.body.error_code]).toEqual([401, 'UNAUTHORIZED']);
    const refresh = await rest('POST', '/auth/refresh', { refresh_token: 'not-a-token' });
    expect([refresh.status, refresh.body.error_code]).toEqual([401, 'INVALID_TOKEN']);
    const missing = await rest('POST', '/auth/login', { email: 'x@example.test' });
    expect([missing.status, missing.body.error_details]).toEqual([400, { field: 'password' }]);
  });

  it('limits sign-in attempts per account with 429 and Retry-After', async () => {
    const user = await signUp(stack.routerUrl);
    let last: Awaited<ReturnType<typeof rest>> | undefined;
    for (let attempt = 0; attempt < 11; attempt++) {
      last = await rest('POST', '/auth/login', { email: user.email, password: 'wrong-password' }, undefined, `10.202.0.${attempt}`);
    }
    expect(last!.status).toBe(429);
    expect(last!.body.error_code).toBe('RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    const graph = await signIn(user.email, 'correct horse battery', '10.202.1.1');
    expect(codeOf(graph)).toBe('RATE_LIMITED');
  });
});
