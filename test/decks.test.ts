// Decks as PPTist documents through the router: lifecycle, roles, links, versions, templates,
// import/export and bad input that must leave the stored deck exactly as it was.
import { request as httpRequest } from 'node:http';
import { createPrisma } from '../lib/db.js';
import { decryptPptist, encryptPptist } from '../lib/pptist/file.js';
import { pptistFixture } from './pptist-fixtures.js';
import { gql, type Stack, signUp, startStack } from './stack.js';

const fixture = (name: string) => pptistFixture(name);

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

const codeOf = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.code;
const CREATE = 'mutation($i: CreateDeckInput!) { createDeck(input: $i) { deck { id revision slideCount } error { code field message } } }';

async function createDeck(token: string, input: Record<string, unknown>) {
  const result = await gql(graphql, CREATE, { i: input }, token);
  return result.data?.createDeck as { deck: { id: string; revision: number; slideCount: number } | null; error: { code: string; field: string; message: string } | null };
}

/**
 * POSTs a JSON body on a connection of its own. A large upload on a reused keep-alive socket can
 * meet the router closing that socket (its 5 s idle timer firing in a loaded run) and fail with
 * ECONNRESET, which is not what the size tests are about.
 */
function postOnOwnConnection(path: string, token: string, json: string): Promise<{ status: number; body: Record<string, any> | null }> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) };
    const req = httpRequest(`${stack.routerUrl}/api/v1${path}`, { method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(json);
  });
}

async function rest(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${stack.routerUrl}/api/v1${path}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: (text.startsWith('{') ? JSON.parse(text) : null) as Record<string, any> | null };
}

describe('documents', () => {
  it('stores a real PPTist template and gives it back unchanged, unknown fields included', async () => {
    const user = await signUp(stack.routerUrl);
    const document = { ...fixture('template_1.json'), futureDocumentField: { x: 1 } };
    document.slides[0].elements[0].futureElementField = 'kept';
    const created = await createDeck(user.token, { title: 'Imported', document });
    expect(created.error).toBeNull();
    const read = await gql(graphql, 'query($id: ID!) { deck(id: $id) { document slides { id position type } } }', { id: created.deck!.id }, user.token);
    const stored = read.data?.deck.document;
    expect(stored.slides).toEqual(document.slides);
    expect(stored.theme).toEqual(document.theme);
    expect(stored.futureDocumentField).toEqual({ x: 1 });
    expect(stored.slides[0].elements[0].futureElementField).toBe('kept');
    expect(read.data?.deck.slides.map((s: { id: string }) => s.id)).toEqual(document.slides.map((s: { id: string }) => s.id));
  });

  it('refuses a malformed document with the path of the bad field, writing nothing', async () => {
    const user = await signUp(stack.routerUrl);
    const document = fixture('template_2.json');
    document.slides[1].elements[2].width = 'wide';
    const created = await createDeck(user.token, { title: 'Bad', document });
    expect(created.deck).toBeNull();
    expect(created.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'document.slides.1.elements.2.width' });
    const unknownType = fixture('template_2.json');
    unknownType.slides[0].elements[0] = { id: 'x1', type: 'hologram', left: 0, top: 0 };
    expect((await createDeck(user.token, { title: 'Bad', document: unknownType })).error?.field).toBe('document.slides.0.elements.0.type');
    expect(await prisma.deck.count({ where: { ownerId: user.userId } })).toBe(0);
  });

  it('refuses a document over the size limit (REST: 400 naming it; 50 MB: 413), writing nothing', async () => {
    const user = await signUp(stack.routerUrl);
    const withContent = (title: string, bytes: number) => {
      const document = fixture('template_1.json');
      document.slides[0].elements[0].content = 'x'.repeat(bytes);
      return JSON.stringify({ title, document });
    };
    const big = await postOnOwnConnection('/decks', user.token, withContent('Big', 11 * 1024 * 1024));
    expect(big.status).toBe(400);
    expect(big.body).toMatchObject({ error_code: 'INVALID_REQUEST', error_details: { field: 'document' } });
    const huge = await postOnOwnConnection('/decks', user.token, withContent('Huge', 50 * 1024 * 1024));
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ status: 'error', error_code: 'INVALID_REQUEST' });
    expect(await prisma.deck.count({ where: { ownerId: user.userId } })).toBe(0);
  });

  it('renames and changes settings with revisions, refusing a stale revision without changing anything', async () => {
    const user = await signUp(stack.routerUrl);
    const { deck } = await createDeck(user.token, { title: 'Draft' });
    const rename = 'mutation($i: RenameDeckInput!) { renameDeck(input: $i) { deck { title revision } error { code field } } }';
    const first = await gql(graphql, rename, { i: { id: deck!.id, title: 'Final', expectedRevision: 0 } }, user.token);
    expect(first.data?.renameDeck).toEqual({ deck: { title: 'Final', revision: 1 }, error: null });
    const stale = await gql(graphql, rename, { i: { id: deck!.id, title: 'Lost', expectedRevision: 0 } }, user.token);
    expect(stale.data?.renameDeck.error).toEqual({ code: 'STALE_REVISION', field: 'expectedRevision' });
    const settings = 'mutation($i: UpdateDeckSettingsInput!) { updateDeckSettings(input: $i) { deck { width height revision } error { code field } } }';
    const bad = await gql(graphql, settings, { i: { id: deck!.id, width: 5 } }, user.token);
    expect(bad.data?.updateDeckSettings.error).toEqual({ code: 'BAD_USER_INPUT', field: 'width' });
    const ok = await gql(graphql, settings, { i: { id: deck!.id, width: 1280, height: 720 } }, user.token);
    expect(ok.data?.updateDeckSettings.deck).toEqual({ width: 1280, height: 720, revision: 2 });
    const row = await prisma.deck.findUnique({ where: { id: deck!.id } });
    expect(row).toMatchObject({ title: 'Final', revision: 2, width: 1280 });
  });

  it('keeps at most one automatic snapshot per interval while editing', async () => {
    const user = await signUp(stack.routerUrl);
    const { deck } = await createDeck(user.token, { title: 'Busy' });
    for (const title of ['One', 'Two', 'Three']) {
      await gql(graphql, 'mutation($i: RenameDeckInput!) { renameDeck(input: $i) { error { code } } }', { i: { id: deck!.id, title } }, user.token);
    }
    const versions = await prisma.deckVersion.findMany({ where: { deckId: deck!.id } });
    expect(versions.map((v) => [v.kind, (v.snapshot as { title: string }).title])).toEqual([['AUTO_PERIODIC', 'Busy']]);
  });

  it('leaves the deck exactly as it was when a replacement document is bad or stale', async () => {
    const user = await signUp(stack.routerUrl);
    const template = fixture('template_1.json');
    const { deck } = await createDeck(user.token, { title: 'Stable', document: template });
    const replace = 'mutation($i: ReplaceDeckDocumentInput!) { replaceDeckDocument(input: $i) { deck { id } error { code field } } }';
    const broken = { ...template, slides: [{ id: 'a', elements: [] }, { id: 'a', elements: [] }] };
    expect((await gql(graphql, replace, { i: { id: deck!.id, document: broken } }, user.token)).data?.replaceDeckDocument.error).toEqual({ code: 'BAD_USER_INPUT', field: 'document.slides.1.id' });
    expect((await gql(graphql, replace, { i: { id: deck!.id, document: template, expectedRevision: 7 } }, user.token)).data?.replaceDeckDocument.error.code).toBe('STALE_REVISION');
    const after = await gql(graphql, 'query($id: ID!) { deck(id: $id) { revision document } }', { id: deck!.id }, user.token);
    expect(after.data?.deck.revision).toBe(0);
    expect(after.data?.deck.document.slides).toEqual(template.slides);
    expect(await prisma.deckVersion.count({ where: { deckId: deck!.id } })).toBe(0);
  });

  it('deletes softly, hides the deck, and restores it', async () => {
    const user = await signUp(stack.routerUrl);
    const { deck } = await createDeck(user.token, { title: 'Bin me' });
    await gql(graphql, 'mutation($id: ID!) { deleteDeck(id: $id) { id } }', { id: deck!.id }, user.token);
    expect(codeOf(await gql(graphql, 'query($id: ID!) { deck(id: $id) { id } }', { id: deck!.id }, user.token))).toBe('NOT_FOUND');
    const listed = await gql(graphql, '{ myDecks { edges { node { id } } } }', {}, user.token);
    expect(listed.data?.myDecks.edges).toEqual([]);
    const restored = await gql(graphql, 'mutation($id: ID!) { restoreDeck(id: $id) { id deletedAt } }', { id: deck!.id }, user.token);
    expect(restored.data?.restoreDeck).toEqual({ id: deck!.id, deletedAt: null });
  });

  it('duplicates into a deck of my own with fresh slide ids', async () => {
    const owner = await signUp(stack.routerUrl);
    const viewer = await signUp(stack.routerUrl);
    const { deck } = await createDeck(owner.token, { title: 'Original', document: fixture('template_1.json') });
    await gql(graphql, 'mutation($i: ShareDeckInput!) { shareDeck(input: $i) { error { code } } }', { i: { deckId: deck!.id, userId: viewer.userId, role: 'VIEWER' } }, owner.token);
    const copy = await gql(graphql, 'mutation($id: ID!) { duplicateDeck(id: $id) { deck { id title owner { id } slides { id } } } }', { id: deck!.id }, viewer.token);
    const copied = copy.data?.duplicateDeck.deck;
    expect(copied.owner.id).toBe(viewer.userId);
    expect(copied.title).toBe('Original (copy)');
    const originalIds = fixture('template_1.json').slides.map((s: { id: string }) => s.id);
    expect(copied.slides).toHaveLength(originalIds.length);
    expect(copied.slides.some((s: { id: string }) => originalIds.includes(s.id))).toBe(false);
  });

  it('pages my decks by cursor, newest first, and searches titles', async () => {
    const user = await signUp(stack.routerUrl);
    for (const title of ['Alpha plan', 'Beta plan', 'Gamma notes']) await createDeck(user.token, { title });
    const page1 = await gql(graphql, '{ myDecks(first: 2) { hasNextPage endCursor edges { node { title } } } }', {}, user.token);
    expect(page1.data?.myDecks.edges.map((e: any) => e.node.title)).toEqual(['Gamma notes', 'Beta plan']);
    expect(page1.data?.myDecks.hasNextPage).toBe(true);
    const page2 = await gql(graphql, 'query($a: String) { myDecks(first: 2, after: $a) { hasNextPage edges { node { title } } } }', { a: page1.data?.myDecks.endCursor }, user.token);
    expect(page2.data?.myDecks).toEqual({ hasNextPage: false, edges: [{ node: { title: 'Alpha plan' } }] });
    const search = await gql(graphql, '{ myDecks(query: "PLAN") { edges { node { title } } } }', {}, user.token);
    expect(search.data?.myDecks.edges).toHaveLength(2);
    expect(codeOf(await gql(graphql, '{ myDecks(after: "garbage") { hasNextPage } }', {}, user.token))).toBe('BAD_USER_INPUT');
  });
});

describe('roles', () => {
  const roles = ['owner', 'editor', 'commenter', 'viewer', 'stranger', 'anonymous', 'admin'] as const;
  type Role = (typeof roles)[number];
  const tokens = {} as Record<Role, string | undefined>;
  let deckId: string;
  let slideId: string;

  beforeAll(async () => {
    const owner = await signUp(stack.routerUrl, 'Owner');
    tokens.owner = owner.token;
    deckId = (await createDeck(owner.token, { title: 'Shared' })).deck!.id;
    slideId = (await gql(graphql, 'query($id: ID!) { deck(id: $id) { slides { id } } }', { id: deckId }, owner.token)).data?.deck.slides[0].id;
    for (const role of ['editor', 'commenter', 'viewer'] as const) {
      const user = await signUp(stack.routerUrl, role);
      tokens[role] = user.token;
      await gql(graphql, 'mutation($i: ShareDeckInput!) { shareDeck(input: $i) { error { code } } }', { i: { deckId, userId: user.userId, role: role.toUpperCase() } }, owner.token);
    }
    tokens.stranger = (await signUp(stack.routerUrl)).token;
    const admin = await signUp(stack.routerUrl, 'Admin');
    await prisma.user.update({ where: { id: admin.userId }, data: { role: 'ADMIN' } });
    tokens.admin = (await gql(graphql, 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: { email: admin.email, password: 'correct horse battery' } })).data?.signIn.accessToken;
  });

  const expectations: Record<string, Record<Role, string>> = {
    read: { owner: 'ok', editor: 'ok', commenter: 'ok', viewer: 'ok', stranger: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED', admin: 'ok' },
    edit: { owner: 'ok', editor: 'ok', commenter: 'FORBIDDEN', viewer: 'FORBIDDEN', stranger: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED', admin: 'ok' },
    share: { owner: 'ok', editor: 'FORBIDDEN', commenter: 'FORBIDDEN', viewer: 'FORBIDDEN', stranger: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED', admin: 'ok' },
    version: { owner: 'ok', editor: 'ok', commenter: 'FORBIDDEN', viewer: 'FORBIDDEN', stranger: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED', admin: 'ok' },
    comment: { owner: 'ok', editor: 'ok', commenter: 'ok', viewer: 'FORBIDDEN', stranger: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED', admin: 'ok' },
    duplicate: { owner: 'ok', editor: 'ok', commenter: 'ok', viewer: 'ok', stranger: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED', admin: 'ok' },
    manage: { owner: 'ok', editor: 'FORBIDDEN', commenter: 'FORBIDDEN', viewer: 'FORBIDDEN', stranger: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED', admin: 'ok' },
    history: { owner: 'ok', editor: 'ok', commenter: 'ok', viewer: 'ok', stranger: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED', admin: 'ok' },
  };
  const operations: Record<string, string> = {
    read: 'query($id: ID!) { deck(id: $id) { id myRole collaborators { role } } }',
    edit: 'mutation($id: ID!) { renameDeck(input: { id: $id, title: "Shared" }) { deck { id } } }',
    share: 'mutation($id: ID!) { createDeckShareLink(deckId: $id) { token } }',
    version: 'mutation($id: ID!) { createDeckVersion(deckId: $id, name: "checkpoint") { id } }',
    comment: 'mutation($id: ID!, $slide: String!) { addDeckComment(input: { deckId: $id, slideId: $slide, content: "Looks good" }) { comment { id } } }',
    duplicate: 'mutation($id: ID!) { duplicateDeck(id: $id) { deck { id } } }',
    // Template publishing needs the owner's rights, like deleting and transferring.
    manage: 'mutation($id: ID!) { publishDeckAsTemplate(deckId: $id, visibility: null) { id } }',
    history: 'query($id: ID!) { deck(id: $id) { versions { id } comments { id } } }',
  };

  for (const [capability, byRole] of Object.entries(expectations)) {
    it.each(roles)(`${capability} as %s`, async (role) => {
      const variables = capability === 'comment' ? { id: deckId, slide: slideId } : { id: deckId };
      const result = await gql(graphql, operations[capability]!, variables, tokens[role]);
      expect(codeOf(result) ?? 'ok').toBe(byRole[role]);
    });
  }

  it('reports my role on the deck', async () => {
    for (const [role, expected] of [['editor', 'EDITOR'], ['viewer', 'VIEWER'], ['admin', 'ADMIN'], ['owner', 'OWNER']] as const) {
      expect((await gql(graphql, operations.read!, { id: deckId }, tokens[role])).data?.deck.myRole).toBe(expected);
    }
  });
});

describe('links, ownership and versions', () => {
  it('opens a deck by its public link until the link is revoked', async () => {
    const owner = await signUp(stack.routerUrl);
    const { deck } = await createDeck(owner.token, { title: 'Public talk' });
    const link = await gql(graphql, 'mutation($id: ID!) { createDeckShareLink(deckId: $id) { token } }', { id: deck!.id }, owner.token);
    const token = link.data?.createDeckShareLink.token as string;
    expect(token.length).toBeGreaterThanOrEqual(32);
    const opened = await gql(graphql, 'query($t: String!) { sharedDeck(token: $t) { title slideCount } }', { t: token });
    expect(opened.data?.sharedDeck).toEqual({ title: 'Public talk', slideCount: 1 });
    await gql(graphql, 'mutation($id: ID!) { revokeDeckShareLink(deckId: $id) { id } }', { id: deck!.id }, owner.token);
    expect(codeOf(await gql(graphql, 'query($t: String!) { sharedDeck(token: $t) { title } }', { t: token }))).toBe('NOT_FOUND');
    const row = await prisma.deck.findUnique({ where: { id: deck!.id } });
    expect(row?.shareTokenHash).toBeNull();
  });

  it('transfers ownership; the old owner stays on as an editor', async () => {
    const owner = await signUp(stack.routerUrl);
    const heir = await signUp(stack.routerUrl);
    const { deck } = await createDeck(owner.token, { title: 'Handover' });
    const moved = await gql(graphql, 'mutation($id: ID!, $u: ID!) { transferDeckOwnership(deckId: $id, userId: $u) { deck { owner { id } } } }', { id: deck!.id, u: heir.userId }, owner.token);
    expect(moved.data?.transferDeckOwnership.deck.owner.id).toBe(heir.userId);
    const mine = await gql(graphql, 'query($id: ID!) { deck(id: $id) { myRole } }', { id: deck!.id }, owner.token);
    expect(mine.data?.deck.myRole).toBe('EDITOR');
    expect(codeOf(await gql(graphql, 'mutation($id: ID!) { deleteDeck(id: $id) { id } }', { id: deck!.id }, owner.token))).toBe('FORBIDDEN');
  });

  it('keeps named versions, summarises changes, reads an old version and restores it as a new revision', async () => {
    const user = await signUp(stack.routerUrl);
    const template = fixture('template_1.json');
    const { deck } = await createDeck(user.token, { title: 'Versioned', document: template });
    const v1 = await gql(graphql, 'mutation($id: ID!) { createDeckVersion(deckId: $id, name: "first") { id revision author { id } } }', { id: deck!.id }, user.token);
    expect(v1.data?.createDeckVersion).toMatchObject({ revision: 0, author: { id: user.userId } });
    const edited = { ...template, slides: [...template.slides.slice(1), { id: 'new-slide', elements: [] }] };
    edited.slides[0] = { ...edited.slides[0], remark: 'changed' };
    const replaced = await gql(graphql, 'mutation($i: ReplaceDeckDocumentInput!) { replaceDeckDocument(input: $i) { deck { revision slideCount } error { code } } }', { i: { id: deck!.id, document: edited, expectedRevision: 0 } }, user.token);
    expect(replaced.data?.replaceDeckDocument.deck).toEqual({ revision: 1, slideCount: template.slides.length });

    const diff = await gql(graphql, 'query($id: ID!, $v: ID!) { compareDeckVersions(deckId: $id, fromVersionId: $v) { added removed changed } }', { id: deck!.id, v: v1.data?.createDeckVersion.id }, user.token);
    expect(diff.data?.compareDeckVersions).toEqual({ added: ['new-slide'], removed: [template.slides[0].id], changed: [template.slides[1].id] });

    const old = await gql(graphql, 'query($id: ID!, $v: ID!) { deckVersion(deckId: $id, versionId: $v) { name document } }', { id: deck!.id, v: v1.data?.createDeckVersion.id }, user.token);
    expect(old.data?.deckVersion.document.slides).toEqual(template.slides);

    const restored = await gql(graphql, 'mutation($id: ID!, $v: ID!) { restoreDeckVersion(deckId: $id, versionId: $v) { deck { revision document } } }', { id: deck!.id, v: v1.data?.createDeckVersion.id }, user.token);
    expect(restored.data?.restoreDeckVersion.deck.revision).toBe(2);
    expect(restored.data?.restoreDeckVersion.deck.document.slides).toEqual(template.slides);
    const versions = await gql(graphql, 'query($id: ID!) { deck(id: $id) { versions { name kind revision } } }', { id: deck!.id }, user.token);
    expect(versions.data?.deck.versions).toEqual([
      { name: null, kind: 'AUTO_BEFORE_RESTORE', revision: 1 },
      { name: null, kind: 'AUTO_BEFORE_REPLACE', revision: 0 },
      { name: 'first', kind: 'MANUAL', revision: 0 },
    ]);
  });
});

describe('templates', () => {
  it('ships two templates of its own, and a deck starts from one with fresh slide ids', async () => {
    const user = await signUp(stack.routerUrl);
    const listed = await gql(graphql, '{ templates(first: 10) { edges { node { id title templateVisibility slideCount owner { name } } } } }', {}, user.token);
    const shipped = listed.data?.templates.edges.map((e: any) => e.node).filter((n: any) => n.owner.name === 'AI PPTist');
    expect(shipped.map((t: any) => t.title).sort()).toEqual(['Aurora', 'Paper']);
    const aurora = shipped.find((t: any) => t.title === 'Aurora');
    const created = await createDeck(user.token, { title: 'From Aurora', templateId: aurora.id });
    expect(created.deck!.slideCount).toBe(aurora.slideCount);
    const slides = await gql(graphql, 'query($a: ID!, $b: ID!) { a: deck(id: $a) { slides { id type } } b: deck(id: $b) { slides { id type } } }', { a: aurora.id, b: created.deck!.id }, user.token);
    expect(slides.data?.b.slides.map((s: any) => s.type)).toEqual(slides.data?.a.slides.map((s: any) => s.type));
    expect(slides.data?.b.slides.some((s: any) => slides.data?.a.slides.some((t: any) => t.id === s.id))).toBe(false);
    expect(codeOf(await gql(graphql, 'mutation($id: ID!) { renameDeck(input: { id: $id, title: "Mine now" }) { deck { id } } }', { id: aurora.id }, user.token))).toBe('FORBIDDEN');
  });

  it('lets users publish their own decks as private or public templates', async () => {
    const author = await signUp(stack.routerUrl);
    const other = await signUp(stack.routerUrl);
    const { deck } = await createDeck(author.token, { title: `Template ${Date.now()}` });
    const titles = async (token: string) => ((await gql(graphql, '{ templates(first: 100) { edges { node { id } } } }', {}, token)).data?.templates.edges ?? []).map((e: any) => e.node.id);
    await gql(graphql, 'mutation($id: ID!) { publishDeckAsTemplate(deckId: $id, visibility: PRIVATE) { id } }', { id: deck!.id }, author.token);
    expect(await titles(author.token)).toContain(deck!.id);
    expect(await titles(other.token)).not.toContain(deck!.id);
    await gql(graphql, 'mutation($id: ID!) { publishDeckAsTemplate(deckId: $id, visibility: PUBLIC) { id } }', { id: deck!.id }, author.token);
    expect(await titles(other.token)).toContain(deck!.id);
  });
});

describe('REST import and export', () => {
  it('exports .json and .pptist that read back as the same document, and imports both', async () => {
    const user = await signUp(stack.routerUrl);
    const template = fixture('template_2.json');
    const { deck } = await createDeck(user.token, { title: 'Round trip', document: template });
    const json = await rest('GET', `/decks/${deck!.id}/export?format=json`, user.token);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-disposition')).toMatch(/attachment; filename="deck.json"/);
    expect(JSON.parse(json.text).slides).toEqual(template.slides);
    const pptist = await rest('GET', `/decks/${deck!.id}/export?format=pptist`, user.token);
    expect(pptist.text.startsWith('U2FsdGVkX1')).toBe(true);
    expect(JSON.parse(decryptPptist(pptist.text)).slides).toEqual(template.slides);

    for (const [name, content] of [['deck.pptist', encryptPptist(JSON.stringify(template))], ['deck.json', JSON.stringify(template)]] as const) {
      const form = new FormData();
      form.append('file', new Blob([content]), name);
      const response = await fetch(`${stack.routerUrl}/api/v1/decks/import`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
      const body = (await response.json()) as Record<string, any>;
      expect(response.status).toBe(201);
      expect(body.data.slide_count).toBe(template.slides.length);
    }
  });

  it('refuses a file that is neither JSON nor .pptist, and a bad document inside one, with 400', async () => {
    const user = await signUp(stack.routerUrl);
    const before = await prisma.deck.count({ where: { ownerId: user.userId } });
    for (const content of ['not a deck at all', encryptPptist(JSON.stringify({ title: 'x', slides: 'nope' }))]) {
      const form = new FormData();
      form.append('file', new Blob([content]), 'x.pptist');
      const response = await fetch(`${stack.routerUrl}/api/v1/decks/import`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
      expect(response.status).toBe(400);
      expect(((await response.json()) as Record<string, any>).error_code).toBe('INVALID_REQUEST');
    }
    expect(await prisma.deck.count({ where: { ownerId: user.userId } })).toBe(before);
  });

  it('manages collaborators by email and versions over REST', async () => {
    const owner = await signUp(stack.routerUrl);
    const guest = await signUp(stack.routerUrl, 'Guest');
    const created = await rest('POST', '/decks', owner.token, { title: 'Team deck' });
    const id = created.body!.data.id as string;
    expect((await rest('POST', `/decks/${id}/collaborators`, owner.token, { email: guest.email, role: 'editor' })).status).toBe(200);
    const listed = await rest('GET', `/decks/${id}/collaborators`, owner.token);
    expect(listed.body!.data.items).toEqual([expect.objectContaining({ user_id: guest.userId, role: 'editor', name: 'Guest' })]);
    expect((await rest('POST', `/decks/${id}/collaborators`, owner.token, { email: 'nobody-here@example.test', role: 'editor' })).status).toBe(404);
    const patched = await rest('PATCH', `/decks/${id}`, guest.token, { title: 'Renamed by guest', expected_revision: 0 });
    expect(patched.body!.data).toMatchObject({ title: 'Renamed by guest', revision: 1, my_role: 'EDITOR' });
    const stale = await rest('PATCH', `/decks/${id}`, guest.token, { title: 'Again', expected_revision: 0 });
    expect([stale.status, stale.body!.error_code]).toEqual([409, 'CONFLICT']);
    const version = await rest('POST', `/decks/${id}/versions`, owner.token, { name: 'v1' });
    expect(version.status).toBe(201);
    // The guest's rename kept an automatic snapshot first; then the named one.
    expect((await rest('GET', `/decks/${id}/versions`, guest.token)).body!.data.items.map((v: any) => v.kind)).toEqual(['MANUAL', 'AUTO_PERIODIC']);
    expect((await rest('POST', `/decks/${id}/versions/${version.body!.data.id}/restore`, guest.token, {})).body!.data.revision).toBe(2);
    expect((await rest('DELETE', `/decks/${id}/collaborators/${guest.userId}`, owner.token)).status).toBe(200);
    expect((await rest('GET', `/decks/${id}`, guest.token)).status).toBe(403);
    const list = await rest('GET', '/decks?limit=10', owner.token);
    expect(list.body!.data.items.map((d: any) => d.id)).toContain(id);
  });
});

describe('comments', () => {
  it('threads comments on slides and elements with replies and a resolved flag, by role', async () => {
    const owner = await signUp(stack.routerUrl);
    const commenter = await signUp(stack.routerUrl, 'Commenter');
    const viewer = await signUp(stack.routerUrl);
    const template = fixture('template_1.json');
    const { deck } = await createDeck(owner.token, { title: 'Discuss', document: template });
    for (const [user, role] of [[commenter, 'COMMENTER'], [viewer, 'VIEWER']] as const) {
      await gql(graphql, 'mutation($i: ShareDeckInput!) { shareDeck(input: $i) { error { code } } }', { i: { deckId: deck!.id, userId: user.userId, role } }, owner.token);
    }
    const slideId = template.slides[0].id as string;
    const elementId = template.slides[0].elements[0].id as string;
    const add = 'mutation($i: AddDeckCommentInput!) { addDeckComment(input: $i) { comment { id } error { code field } } }';
    const first = await gql(graphql, add, { i: { deckId: deck!.id, slideId, elementId, content: 'Shorter title?' } }, commenter.token);
    const threadId = first.data?.addDeckComment.comment.id as string;
    expect(codeOf(await gql(graphql, add, { i: { deckId: deck!.id, slideId, content: 'Me too' } }, viewer.token))).toBe('FORBIDDEN');
    const missingSlide = await gql(graphql, add, { i: { deckId: deck!.id, slideId: 'no-such-slide', content: 'Where?' } }, commenter.token);
    expect(missingSlide.data?.addDeckComment.error).toEqual({ code: 'NOT_FOUND', field: 'slideId' });

    await gql(graphql, 'mutation($c: ID!) { replyToDeckComment(commentId: $c, content: "Done") { comment { id } } }', { c: threadId }, owner.token);
    await gql(graphql, 'mutation($c: ID!) { resolveDeckComment(commentId: $c, resolved: true) { resolved } }', { c: threadId }, owner.token);
    const read = await gql(graphql, 'query($id: ID!) { deck(id: $id) { comments { slideId elementId content resolved author { id } replies { content author { id } } } } }', { id: deck!.id }, viewer.token);
    expect(read.data?.deck.comments).toEqual([
      { slideId, elementId, content: 'Shorter title?', resolved: true, author: { id: commenter.userId }, replies: [{ content: 'Done', author: { id: owner.userId } }] },
    ]);
    const open = await gql(graphql, 'query($id: ID!) { deck(id: $id) { comments(includeResolved: false) { id } } }', { id: deck!.id }, viewer.token);
    expect(open.data?.deck.comments).toEqual([]);

    // Exported for PPTist, the thread becomes the slide's notes.
    const exported = await rest('GET', `/decks/${deck!.id}/export?format=json`, viewer.token);
    const notes = JSON.parse(exported.text).slides[0].notes;
    expect(notes).toEqual([{ id: threadId, content: 'Shorter title?', time: expect.any(Number), user: 'Commenter', elId: elementId, replies: [{ id: expect.any(String), content: 'Done', time: expect.any(Number), user: 'Test User' }] }]);
  });
});
