// Every root field of the supergraph and every REST route, called as anonymous / owner / another
// user / admin, through the router. The table must name every root field: a field added without a
// row fails here, and one added without a shield rule is denied to everyone (also failing here).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildASTSchema, type GraphQLObjectType, parse } from 'graphql';
import { createPrisma } from '../lib/db.js';
import { gql, type Stack, signUp, startStack, wsClient } from './stack.js';

type Role = 'anonymous' | 'owner' | 'other' | 'admin';
const ROLES: Role[] = ['anonymous', 'owner', 'other', 'admin'];
/** The built-in offline writer, seeded as a platform model. */
const OFFLINE_MODEL = '00000000-0000-4000-8000-0000000000f1';
/** 'ok': no GraphQL error; a code: that error; 'data:X': no GraphQL error, a UserError X in the payload. */
type Outcome = string;

interface Fixtures {
  tokens: Record<Role, string | undefined>;
  userIds: Record<Exclude<Role, 'anonymous'>, string>;
  deckId: string;
  jobId: string;
  imageId: string;
  imageKey: string;
  apiKeyId: string;
  victimId: string;
  /** Decks the deleteDeck row may consume, one per call. */
  spareDeckIds: string[];
  deletedDeckId: string;
  newOwnedDeck(): Promise<string>;
  freshToken(role: Role, scope: 'session' | 'account'): Promise<string | undefined>;
}

interface Row {
  field: string;
  kind: 'query' | 'mutation' | 'subscription';
  doc: string;
  vars?: (f: Fixtures) => Record<string, unknown>;
  expect: Record<Role, Outcome>;
  /** Calls that end sessions run on a throwaway session (or, for "everywhere", account) of the role. */
  fresh?: 'session' | 'account';
}

const ANY_AUTH = { anonymous: 'UNAUTHENTICATED', owner: 'ok', other: 'ok', admin: 'ok' };
const OWNED = { anonymous: 'UNAUTHENTICATED', owner: 'ok', other: 'FORBIDDEN', admin: 'ok' };
const ADMIN = { anonymous: 'UNAUTHENTICATED', owner: 'FORBIDDEN', other: 'FORBIDDEN', admin: 'ok' };
const PUBLIC = { anonymous: 'ok', owner: 'ok', other: 'ok', admin: 'ok' };
let uniq = 0;
const email = () => `matrix-${process.pid}-${Date.now()}-${uniq++}@example.test`;

const ROWS: Row[] = [
  { field: 'me', kind: 'query', doc: '{ me { id } }', expect: PUBLIC },
  { field: 'userByEmail', kind: 'query', doc: '{ userByEmail(email: "nobody@example.test") { id } }', expect: ANY_AUTH },
  { field: 'mySessions', kind: 'query', doc: '{ mySessions { total } }', expect: ANY_AUTH },
  { field: 'myApiKeys', kind: 'query', doc: '{ myApiKeys { id } }', expect: ANY_AUTH },
  { field: 'users', kind: 'query', doc: '{ users(first: 5) { id } }', expect: ADMIN },
  { field: 'deck', kind: 'query', doc: 'query($id: ID!) { deck(id: $id) { id } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'generationJob', kind: 'query', doc: 'query($id: ID!) { generationJob(id: $id) { id } }', vars: (f) => ({ id: f.jobId }), expect: OWNED },
  { field: 'image', kind: 'query', doc: 'query($id: ID!) { image(id: $id) { id } }', vars: (f) => ({ id: f.imageId }), expect: OWNED },
  { field: 'sharedDeck', kind: 'query', doc: '{ sharedDeck(token: "not-a-real-share-token-value") { id } }', expect: { anonymous: 'NOT_FOUND', owner: 'NOT_FOUND', other: 'NOT_FOUND', admin: 'NOT_FOUND' } },
  { field: 'myDecks', kind: 'query', doc: '{ myDecks(first: 5) { hasNextPage } }', expect: ANY_AUTH },
  { field: 'decksSharedWithMe', kind: 'query', doc: '{ decksSharedWithMe(first: 5) { hasNextPage } }', expect: ANY_AUTH },
  { field: 'templates', kind: 'query', doc: '{ templates(first: 5) { hasNextPage } }', expect: PUBLIC },
  { field: 'deckVersion', kind: 'query', doc: 'query($id: ID!) { deckVersion(deckId: $id, versionId: "00000000-0000-4000-8000-000000000000") { id } }', vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'NOT_FOUND', other: 'FORBIDDEN', admin: 'NOT_FOUND' } },
  { field: 'compareDeckVersions', kind: 'query', doc: 'query($id: ID!) { compareDeckVersions(deckId: $id, fromVersionId: "00000000-0000-4000-8000-000000000000") { added } }', vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'NOT_FOUND', other: 'FORBIDDEN', admin: 'NOT_FOUND' } },
  { field: 'renameDeck', kind: 'mutation', doc: 'mutation($id: ID!) { renameDeck(input: { id: $id, title: "Owned" }) { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'updateDeckSettings', kind: 'mutation', doc: 'mutation($id: ID!) { updateDeckSettings(input: { id: $id, width: 1000 }) { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'replaceDeckDocument', kind: 'mutation', doc: 'mutation($id: ID!) { replaceDeckDocument(input: { id: $id, document: { title: "x", width: 1000, height: 562.5, theme: {}, slides: "bad" } }) { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:BAD_USER_INPUT', other: 'FORBIDDEN', admin: 'data:BAD_USER_INPUT' } },
  { field: 'duplicateDeck', kind: 'mutation', doc: 'mutation($id: ID!) { duplicateDeck(id: $id) { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'createDeckVersion', kind: 'mutation', doc: 'mutation($id: ID!) { createDeckVersion(deckId: $id, name: "v") { id } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'restoreDeckVersion', kind: 'mutation', doc: 'mutation($id: ID!) { restoreDeckVersion(deckId: $id, versionId: "00000000-0000-4000-8000-000000000000") { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'NOT_FOUND', other: 'FORBIDDEN', admin: 'NOT_FOUND' } },
  { field: 'shareDeck', kind: 'mutation', doc: 'mutation($id: ID!, $u: ID!) { shareDeck(input: { deckId: $id, userId: $u, role: VIEWER }) { error { code } } }', vars: (f) => ({ id: f.deckId, u: f.victimId }), expect: OWNED },
  { field: 'unshareDeck', kind: 'mutation', doc: 'mutation($id: ID!) { unshareDeck(deckId: $id, userId: "00000000-0000-4000-8000-000000000000") { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:NOT_FOUND', other: 'FORBIDDEN', admin: 'data:NOT_FOUND' } },
  { field: 'createDeckShareLink', kind: 'mutation', doc: 'mutation($id: ID!) { createDeckShareLink(deckId: $id) { token } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'revokeDeckShareLink', kind: 'mutation', doc: 'mutation($id: ID!) { revokeDeckShareLink(deckId: $id) { id } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'publishDeckAsTemplate', kind: 'mutation', doc: 'mutation($id: ID!) { publishDeckAsTemplate(deckId: $id, visibility: null) { id } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'transferDeckOwnership', kind: 'mutation', doc: 'mutation($id: ID!, $u: ID!) { transferDeckOwnership(deckId: $id, userId: $u) { error { code } } }', vars: (f) => ({ id: f.deckId, u: f.userIds.owner }), expect: OWNED },
  { field: 'deleteDeck', kind: 'mutation', doc: 'mutation($id: ID!) { deleteDeck(id: $id) { id } }', vars: (f) => ({ id: f.spareDeckIds.shift() }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'ok', other: 'FORBIDDEN', admin: 'ok' } },
  { field: 'restoreDeck', kind: 'mutation', doc: 'mutation($id: ID!) { restoreDeck(id: $id) { id } }', vars: (f) => ({ id: f.deletedDeckId }), expect: OWNED },
  { field: 'addDeckComment', kind: 'mutation', doc: 'mutation($id: ID!) { addDeckComment(input: { deckId: $id, slideId: "no-such-slide", content: "hi" }) { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:NOT_FOUND', other: 'FORBIDDEN', admin: 'data:NOT_FOUND' } },
  { field: 'replyToDeckComment', kind: 'mutation', doc: 'mutation { replyToDeckComment(commentId: "00000000-0000-4000-8000-000000000000", content: "hi") { error { code } } }', expect: { anonymous: 'UNAUTHENTICATED', owner: 'NOT_FOUND', other: 'NOT_FOUND', admin: 'NOT_FOUND' } },
  { field: 'resolveDeckComment', kind: 'mutation', doc: 'mutation { resolveDeckComment(commentId: "00000000-0000-4000-8000-000000000000", resolved: true) { id } }', expect: { anonymous: 'UNAUTHENTICATED', owner: 'NOT_FOUND', other: 'NOT_FOUND', admin: 'NOT_FOUND' } },
  { field: 'deleteDeckComment', kind: 'mutation', doc: 'mutation { deleteDeckComment(commentId: "00000000-0000-4000-8000-000000000000") { error { code } } }', expect: { anonymous: 'UNAUTHENTICATED', owner: 'NOT_FOUND', other: 'NOT_FOUND', admin: 'NOT_FOUND' } },
  { field: 'applyDeckOperations', kind: 'mutation', doc: 'mutation($id: ID!) { applyDeckOperations(input: { deckId: $id, baseRevision: 0, operations: [{ type: UPDATE_DECK, props: { title: "Owned" } }] }) { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  // Redo before undo: nothing to redo yet; then undo reverts the caller's own last batch.
  { field: 'redoDeckEdit', kind: 'mutation', doc: 'mutation($id: ID!) { redoDeckEdit(input: { deckId: $id }) { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:NOTHING_TO_REDO', other: 'FORBIDDEN', admin: 'data:NOTHING_TO_REDO' } },
  { field: 'undoDeckEdit', kind: 'mutation', doc: 'mutation($id: ID!) { undoDeckEdit(input: { deckId: $id }) { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'updateDeckPresence', kind: 'mutation', doc: 'mutation($id: ID!) { updateDeckPresence(input: { deckId: $id, clientId: "matrix" }) { colour } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'leaveDeck', kind: 'mutation', doc: 'mutation($id: ID!) { leaveDeck(deckId: $id, clientId: "matrix") }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  // The owner takes the lock; the admin then finds it held (a UserError naming the holder).
  { field: 'acquireDeckLock', kind: 'mutation', doc: 'mutation($id: ID!) { acquireDeckLock(input: { deckId: $id, slideId: "matrix-slide", ttlSeconds: 2 }) { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'ok', other: 'FORBIDDEN', admin: 'data:LOCKED' } },
  { field: 'releaseDeckLock', kind: 'mutation', doc: 'mutation($id: ID!) { releaseDeckLock(deckId: $id, slideId: "matrix-slide") }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'deckEvents', kind: 'subscription', doc: 'subscription($id: ID!) { deckEvents(deckId: $id, afterRevision: 0) { revision } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'fixSlideLayout', kind: 'mutation', doc: 'mutation($id: ID!) { fixSlideLayout(deckId: $id, slideId: "matrix-missing-slide") { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:NOT_FOUND', other: 'FORBIDDEN', admin: 'data:NOT_FOUND' } },
  { field: 'layoutFindings', kind: 'subscription', doc: 'subscription($id: ID!) { layoutFindings(deckId: $id) { revision } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'deckPresence', kind: 'subscription', doc: 'subscription($id: ID!) { deckPresence(deckId: $id) { seq } }', vars: (f) => ({ id: f.deckId }), expect: OWNED },
  { field: 'myImages', kind: 'query', doc: '{ myImages { id } }', expect: ANY_AUTH },
  { field: 'searchImages', kind: 'query', doc: '{ searchImages(query: "matrix") { id } }', expect: ANY_AUTH },
  { field: 'imageTags', kind: 'query', doc: '{ imageTags { total } }', expect: ANY_AUTH },
  // A private image: its owner (and admins) only; strangers without the signed link are refused.
  { field: 'imageAccess', kind: 'query', doc: 'query($k: String!) { imageAccess(key: $k) { contentType } }', vars: (f) => ({ k: f.imageKey }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'ok', other: 'FORBIDDEN', admin: 'ok' } },
  { field: 'requestImageUpload', kind: 'mutation', doc: 'mutation { requestImageUpload(filename: "a.gif", contentType: "text/html") { error { code } } }', expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:INVALID_IMAGE_FORMAT', other: 'data:INVALID_IMAGE_FORMAT', admin: 'data:INVALID_IMAGE_FORMAT' } },
  // Bytes sent inline are for the AI agent (a service); people PUT to the upload URL.
  { field: 'uploadImageBytes', kind: 'mutation', doc: 'mutation { uploadImageBytes(imageId: "00000000-0000-4000-8000-000000000000", base64: "") { error { code } } }', expect: { anonymous: 'UNAUTHENTICATED', owner: 'FORBIDDEN', other: 'FORBIDDEN', admin: 'FORBIDDEN' } },
  { field: 'confirmImageUpload', kind: 'mutation', doc: 'mutation { confirmImageUpload(imageId: "00000000-0000-4000-8000-000000000000") { error { code } } }', expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:NOT_FOUND', other: 'data:NOT_FOUND', admin: 'data:NOT_FOUND' } },
  { field: 'updateImage', kind: 'mutation', doc: 'mutation($id: ID!) { updateImage(id: $id, description: "Owned") { error { code } } }', vars: (f) => ({ id: f.imageId }), expect: OWNED },
  { field: 'changeImageTags', kind: 'mutation', doc: 'mutation($id: ID!) { changeImageTags(id: $id, tags: ["matrix"], operation: ADD) { error { code } } }', vars: (f) => ({ id: f.imageId }), expect: OWNED },
  { field: 'deleteImages', kind: 'mutation', doc: 'mutation { deleteImages(ids: ["00000000-0000-4000-8000-000000000000"]) { deleted } }', expect: ANY_AUTH },
  { field: 'createImageTag', kind: 'mutation', doc: 'mutation { createImageTag(name: "matrix-tag") { name } }', expect: ANY_AUTH },
  { field: 'deleteImageTag', kind: 'mutation', doc: 'mutation { deleteImageTag(name: "no-such-tag-here") }', expect: { anonymous: 'UNAUTHENTICATED', owner: 'FORBIDDEN', other: 'FORBIDDEN', admin: 'ok' } },
  { field: 'imageStatus', kind: 'subscription', doc: 'subscription($id: ID!) { imageStatus(imageId: $id) { status } }', vars: (f) => ({ id: f.imageId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'ok', other: 'NOT_FOUND', admin: 'ok' } },
  { field: 'myImagePage', kind: 'query', doc: '{ myImagePage { total } }', expect: ANY_AUTH },
  { field: 'issueServiceToken', kind: 'mutation', doc: 'mutation { issueServiceToken(clientId: "rest-facade", clientSecret: "not-the-secret-at-all") { error { code } } }', expect: { anonymous: 'data:INVALID_CLIENT', owner: 'data:INVALID_CLIENT', other: 'data:INVALID_CLIENT', admin: 'data:INVALID_CLIENT' } },
  { field: 'signUp', kind: 'mutation', doc: 'mutation($i: SignUpInput!) { signUp(input: $i) { error { code } } }', vars: () => ({ i: { email: email(), name: 'Matrix', password: 'password123' } }), expect: PUBLIC },
  { field: 'signIn', kind: 'mutation', doc: 'mutation($i: SignInInput!) { signIn(input: $i) { error { code } } }', vars: () => ({ i: { email: email(), password: 'password123' } }), expect: { anonymous: 'data:INVALID_CREDENTIALS', owner: 'data:INVALID_CREDENTIALS', other: 'data:INVALID_CREDENTIALS', admin: 'data:INVALID_CREDENTIALS' } },
  { field: 'refreshSession', kind: 'mutation', doc: 'mutation { refreshSession(refreshToken: "nope") { error { code } } }', expect: { anonymous: 'data:INVALID_REFRESH_TOKEN', owner: 'data:INVALID_REFRESH_TOKEN', other: 'data:INVALID_REFRESH_TOKEN', admin: 'data:INVALID_REFRESH_TOKEN' } },
  { field: 'signOut', kind: 'mutation', doc: 'mutation { signOut { revokedCount } }', expect: ANY_AUTH, fresh: 'session' },
  { field: 'revokeSession', kind: 'mutation', doc: 'mutation { revokeSession(id: "00000000-0000-4000-8000-000000000000") { revokedCount } }', expect: ANY_AUTH },
  { field: 'changePassword', kind: 'mutation', doc: 'mutation { changePassword(input: { currentPassword: "wrong-password", newPassword: "whatever123" }) { error { code } } }', expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:INVALID_CREDENTIALS', other: 'data:INVALID_CREDENTIALS', admin: 'data:INVALID_CREDENTIALS' } },
  { field: 'updateProfile', kind: 'mutation', doc: 'mutation { updateProfile(input: { bio: "hi" }) { error { code } } }', expect: ANY_AUTH },
  { field: 'updatePreferences', kind: 'mutation', doc: 'mutation { updatePreferences(input: { language: "en" }) { error { code } } }', expect: ANY_AUTH },
  { field: 'addApiKey', kind: 'mutation', doc: 'mutation { addApiKey(input: { provider: "openai", label: "m", key: "sk-matrix-0123456789" }) { error { code } } }', expect: ANY_AUTH },
  { field: 'deleteApiKey', kind: 'mutation', doc: 'mutation($id: ID!) { deleteApiKey(id: $id) { error { code } } }', vars: (f) => ({ id: f.apiKeyId }), expect: { anonymous: 'UNAUTHENTICATED', other: 'data:NOT_FOUND', admin: 'data:NOT_FOUND', owner: 'ok' } },
  { field: 'setUserActive', kind: 'mutation', doc: 'mutation($id: ID!) { setUserActive(userId: $id, active: true) { id } }', vars: (f) => ({ id: f.victimId }), expect: ADMIN },
  { field: 'setUserRole', kind: 'mutation', doc: 'mutation($id: ID!) { setUserRole(userId: $id, role: USER) { id } }', vars: (f) => ({ id: f.victimId }), expect: ADMIN },
  { field: 'signOutEverywhere', kind: 'mutation', doc: 'mutation { signOutEverywhere { revokedCount } }', expect: ANY_AUTH, fresh: 'account' },
  { field: 'createDeck', kind: 'mutation', doc: 'mutation { createDeck(input: { title: "Matrix" }) { error { code } } }', expect: ANY_AUTH },
  { field: 'startGeneration', kind: 'mutation', doc: 'mutation { startGeneration(input: { topic: "Matrix", slideCount: 5 }) { error { code } } }', expect: ANY_AUTH },
  { field: 'cancelGeneration', kind: 'mutation', doc: 'mutation($id: ID!) { cancelGeneration(id: $id) { error { code } } }', vars: (f) => ({ id: f.jobId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:ALREADY_FINISHED', other: 'FORBIDDEN', admin: 'data:ALREADY_FINISHED' } },
  { field: 'myGenerations', kind: 'query', doc: '{ myGenerations { id } }', expect: ANY_AUTH },
  { field: 'myGenerationUsage', kind: 'query', doc: '{ myGenerationUsage { jobs } }', expect: ANY_AUTH },
  { field: 'aiModels', kind: 'query', doc: '{ aiModels { id } }', expect: ANY_AUTH },
  { field: 'aiModel', kind: 'query', doc: 'query { aiModel(id: "00000000-0000-4000-8000-0000000000f1") { id } }', expect: ANY_AUTH },
  // No platform model is the default image model, and these accounts have none of their own.
  { field: 'generateImage', kind: 'mutation', doc: 'mutation { generateImage(input: { prompt: "A matrix" }) { error { code } } }', expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:NO_IMAGE_MODEL', other: 'data:NO_IMAGE_MODEL', admin: 'data:NO_IMAGE_MODEL' } },
  { field: 'createAiModel', kind: 'mutation', doc: 'mutation { createAiModel(input: { name: "matrix", providerModel: "m", baseUrl: "http://127.0.0.1:9/v1", personal: true }) { error { code } } }', expect: ANY_AUTH },
  // A platform model: only admins change it; others are refused, and missing ids are data.
  { field: 'updateAiModel', kind: 'mutation', doc: 'mutation { updateAiModel(id: "00000000-0000-4000-8000-0000000000f1", input: { enabled: true }) { error { code } } }', expect: { anonymous: 'UNAUTHENTICATED', owner: 'FORBIDDEN', other: 'FORBIDDEN', admin: 'ok' } },
  { field: 'deleteAiModel', kind: 'mutation', doc: 'mutation { deleteAiModel(id: "00000000-0000-4000-8000-000000000000") }', expect: ANY_AUTH },
  // These accounts have no model of their own: the offline writer answers, so the first event is a CHUNK.
  { field: 'aiWriting', kind: 'subscription', doc: 'subscription { aiWriting(input: { content: "Matrix text", command: POLISH }) { type } }', expect: ANY_AUTH },
  // Nothing to lay out answers at once, with no model call.
  { field: 'optimizeLayout', kind: 'mutation', doc: 'mutation { optimizeLayout(input: { elements: [], canvasWidth: 1000, canvasHeight: 562.5 }) { error { code } } }', expect: ANY_AUTH },
  // Editors reach the slide (there is no such slide); the others cannot see the deck.
  { field: 'optimizeSlideLayout', kind: 'mutation', doc: 'mutation($id: ID!) { optimizeSlideLayout(input: { deckId: $id, slideId: "no-such-slide" }) { error { code } } }', vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:SLIDE_NOT_FOUND', other: 'data:NOT_FOUND', admin: 'data:SLIDE_NOT_FOUND' } },
  // Per-slide AI tasks: editors reach the slide (there is no such slide); the others cannot see the deck.
  ...(['regenerateSlide(input: { deckId: $id, slideId: "matrix-missing-slide" })', 'insertAiSlide(input: { deckId: $id, afterSlideId: "matrix-missing-slide", instruction: "More" })', 'splitSlide(input: { deckId: $id, slideId: "matrix-missing-slide" })', 'writeSpeakerNotes(input: { deckId: $id, slideId: "matrix-missing-slide" })'].map(
    (call): Row => ({ field: call.slice(0, call.indexOf('(')), kind: 'mutation', doc: `mutation($id: ID!) { ${call} { error { code } } }`, vars: (f) => ({ id: f.deckId }), expect: { anonymous: 'UNAUTHENTICATED', owner: 'data:SLIDE_NOT_FOUND', other: 'data:NOT_FOUND', admin: 'data:SLIDE_NOT_FOUND' } }),
  )),
  { field: 'generationEvents', kind: 'subscription', doc: 'subscription($id: ID!) { generationEvents(jobId: $id) { seq } }', vars: (f) => ({ id: f.jobId }), expect: OWNED },
];

let stack: Stack;
/** The same platform with the REST contract's compatibility exception switched on. */
let compatStack: Stack;
let graphql: string;
const prisma = createPrisma();
let fixtures: Fixtures;

async function signInAs(emailAddress: string, password = 'correct horse battery'): Promise<string> {
  const result = await gql(graphql, 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: { email: emailAddress, password } });
  return result.data?.signIn.accessToken as string;
}

beforeAll(async () => {
  stack = await startStack();
  compatStack = await startStack({ legacyAnonymousAccess: true });
  graphql = `${stack.routerUrl}/graphql`;
  const owner = await signUp(stack.routerUrl, 'Owner');
  const other = await signUp(stack.routerUrl, 'Other');
  const admin = await signUp(stack.routerUrl, 'Admin');
  const victim = await signUp(stack.routerUrl, 'Victim');
  await prisma.user.update({ where: { id: admin.userId }, data: { role: 'ADMIN' } });
  const adminToken = await signInAs(admin.email);
  const deck = await gql(graphql, 'mutation { createDeck(input: { title: "Owned" }) { deck { id } } }', {}, owner.token);
  const job = await gql(graphql, 'mutation { startGeneration(input: { topic: "Owned", slideCount: 5 }) { job { id } } }', {}, owner.token);
  // The job finishes at once (offline writer); rows that act on it expect a finished job.
  for (let i = 0; i < 100; i++) {
    const status = (await gql(graphql, 'query($id: ID!) { generationJob(id: $id) { status } }', { id: job.data?.startGeneration.job.id }, owner.token)).data?.generationJob.status;
    if (status === 'SUCCEEDED') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const key = await gql(graphql, 'mutation { addApiKey(input: { provider: "openai", label: "owned", key: "sk-owned-0123456789" }) { apiKey { id } } }', {}, owner.token);
  const image = await prisma.image.create({
    data: { ownerId: owner.userId, storageKey: `images/matrix-${Date.now()}.png`, originalFilename: 'a.png', mimeType: 'image/png', fileSize: 10 },
  });
  const emails = { owner: owner.email, other: other.email, admin: admin.email };
  const spare = async () => (await gql(graphql, 'mutation { createDeck(input: { title: "Spare" }) { deck { id } } }', {}, owner.token)).data?.createDeck.deck.id as string;
  const spareDeckIds = [await spare(), await spare(), await spare(), await spare()];
  const deletedDeckId = await spare();
  await gql(graphql, 'mutation($id: ID!) { deleteDeck(id: $id) { id } }', { id: deletedDeckId }, owner.token);
  fixtures = {
    tokens: { anonymous: undefined, owner: owner.token, other: other.token, admin: adminToken },
    userIds: { owner: owner.userId, other: other.userId, admin: admin.userId },
    deckId: deck.data?.createDeck.deck.id,
    jobId: job.data?.startGeneration.job.id,
    imageId: image.id,
    imageKey: image.storageKey,
    apiKeyId: key.data?.addApiKey.apiKey.id,
    victimId: victim.userId,
    spareDeckIds,
    deletedDeckId,
    newOwnedDeck: spare,
    freshToken: async (role, scope) => {
      if (role === 'anonymous') return undefined;
      if (scope === 'session') return signInAs(emails[role]);
      const throwaway = await signUp(stack.routerUrl, `Throwaway ${role}`);
      if (role !== 'admin') return throwaway.token;
      await prisma.user.update({ where: { id: throwaway.userId }, data: { role: 'ADMIN' } });
      return signInAs(throwaway.email);
    },
  };
});

afterAll(async () => {
  await stack?.close();
  await compatStack?.close();
  await prisma.$disconnect();
});

async function outcomeOf(row: Row, role: Role): Promise<Outcome> {
  const token = row.fresh ? await fixtures.freshToken(role, row.fresh) : fixtures.tokens[role];
  const variables = row.vars?.(fixtures) ?? {};
  let result: { data?: Record<string, any> | null; errors?: readonly { extensions?: Record<string, unknown> }[] };
  if (row.kind === 'subscription') {
    const client = wsClient(stack.routerUrl, token ? { authorization: `Bearer ${token}` } : {});
    try {
      const iterator = client.iterate({ query: row.doc, variables })[Symbol.asyncIterator]();
      result = (await iterator.next()).value as typeof result;
      await iterator.return?.();
    } finally {
      await client.dispose();
    }
  } else {
    result = await gql(graphql, row.doc, variables, token);
  }
  const code = result.errors?.[0]?.extensions?.code;
  if (code) return String(code);
  const payload = result.data?.[row.field];
  const dataError = payload && typeof payload === 'object' && 'error' in payload ? (payload.error as { code?: string } | null) : null;
  return dataError?.code ? `data:${dataError.code}` : 'ok';
}

describe('GraphQL root fields', () => {
  it('the table covers every root field of the supergraph', () => {
    const schema = buildASTSchema(parse(readFileSync(resolve(import.meta.dirname ?? '.', '../schema/supergraph.graphql'), 'utf8')), { assumeValidSDL: true });
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean) as GraphQLObjectType[];
    const fields = roots.flatMap((type) => Object.keys(type.getFields())).sort();
    expect(ROWS.map((row) => row.field).sort()).toEqual(fields);
  });

  for (const row of ROWS) {
    it.each(ROLES)(`${row.kind} ${row.field} as %s`, async (role) => {
      expect(await outcomeOf(row, role)).toBe(row.expect[role]);
    });
  }
});

describe.each([
  ['off', false],
  ['on', true],
])('REST routes, compatibility exception %s', (_label, compat) => {
  type RestRow = { method: string; path: (f: Fixtures) => string | Promise<string>; body?: unknown | (() => unknown); expect: Record<Role, number>; fresh?: 'session' | 'account'; legacy?: true };
  const AUTH = { anonymous: 401, owner: 200, other: 200, admin: 200 };
  const REST: RestRow[] = [
    { method: 'GET', path: () => '/api/v1/auth/me', expect: AUTH },
    { method: 'GET', path: () => '/api/v1/auth/sessions', expect: AUTH },
    { method: 'POST', path: () => '/api/v1/auth/sessions/00000000-0000-4000-8000-000000000000/revoke', body: {}, expect: { anonymous: 401, owner: 404, other: 404, admin: 404 } },
    { method: 'POST', path: () => '/api/v1/auth/login', body: () => ({ email: email(), password: 'password123' }), expect: { anonymous: 401, owner: 401, other: 401, admin: 401 } },
    { method: 'POST', path: () => '/api/v1/auth/register', body: { name: 'Matrix', password: 'password123' }, expect: { anonymous: 400, owner: 400, other: 400, admin: 400 } },
    { method: 'POST', path: () => '/api/v1/auth/refresh', body: { refresh_token: 'nope' }, expect: { anonymous: 401, owner: 401, other: 401, admin: 401 } },
    { method: 'POST', path: () => '/api/v1/decks', body: { title: 'Matrix' }, expect: { anonymous: 401, owner: 201, other: 201, admin: 201 } },
    { method: 'GET', path: (f) => `/api/v1/decks/${f.deckId}`, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'GET', path: () => '/api/v1/decks', expect: AUTH },
    { method: 'PATCH', path: (f) => `/api/v1/decks/${f.deckId}`, body: { title: 'Owned' }, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'POST', path: (f) => `/api/v1/decks/${f.deckId}/duplicate`, body: {}, expect: { anonymous: 401, owner: 201, other: 403, admin: 201 } },
    { method: 'GET', path: (f) => `/api/v1/decks/${f.deckId}/export?format=pptist`, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'POST', path: () => '/api/v1/decks/import', body: {}, expect: { anonymous: 401, owner: 400, other: 400, admin: 400 } },
    { method: 'GET', path: (f) => `/api/v1/decks/${f.deckId}/versions`, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'POST', path: (f) => `/api/v1/decks/${f.deckId}/versions`, body: { name: 'v' }, expect: { anonymous: 401, owner: 201, other: 403, admin: 201 } },
    { method: 'POST', path: (f) => `/api/v1/decks/${f.deckId}/versions/00000000-0000-4000-8000-000000000000/restore`, body: {}, expect: { anonymous: 401, owner: 404, other: 403, admin: 404 } },
    { method: 'GET', path: (f) => `/api/v1/decks/${f.deckId}/collaborators`, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'POST', path: (f) => `/api/v1/decks/${f.deckId}/collaborators`, body: { email: 'nobody@example.test', role: 'viewer' }, expect: { anonymous: 401, owner: 404, other: 404, admin: 404 } },
    { method: 'DELETE', path: (f) => `/api/v1/decks/${f.deckId}/collaborators/00000000-0000-4000-8000-000000000000`, expect: { anonymous: 401, owner: 404, other: 403, admin: 404 } },
    { method: 'POST', path: (f) => `/api/v1/decks/${f.deckId}/share-link`, body: {}, expect: { anonymous: 401, owner: 201, other: 403, admin: 201 } },
    { method: 'DELETE', path: (f) => `/api/v1/decks/${f.deckId}/share-link`, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'POST', path: (f) => `/api/v1/decks/${f.deckId}/ops`, body: { base_revision: 0, operations: [{ type: 'UPDATE_DECK', props: { title: 'Owned' } }] }, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    // After an edit there is nothing to redo (409); undo then reverts the caller's own edit.
    { method: 'POST', path: (f) => `/api/v1/decks/${f.deckId}/redo`, body: {}, expect: { anonymous: 401, owner: 409, other: 403, admin: 409 } },
    { method: 'POST', path: (f) => `/api/v1/decks/${f.deckId}/undo`, body: {}, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'GET', path: (f) => `/api/v1/decks/${f.deckId}/events`, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'DELETE', path: (f) => f.newOwnedDeck().then((id) => `/api/v1/decks/${id}`), expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'POST', path: () => '/api/v1/generations', body: { topic: 'Matrix', slide_count: 5 }, expect: { anonymous: 401, owner: 201, other: 201, admin: 201 } },
    { method: 'GET', path: (f) => `/api/v1/generations/${f.jobId}`, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'GET', path: (f) => `/api/v1/generations/${f.jobId}/events`, expect: { anonymous: 401, owner: 200, other: 403, admin: 200 } },
    { method: 'POST', path: (f) => `/api/v1/generations/${f.jobId}/cancel`, body: {}, expect: { anonymous: 401, owner: 409, other: 403, admin: 409 } },
    // The old client's streams always answer 200 and say what went wrong in an `error` event.
    { method: 'POST', path: () => '/api/v1/generate/outline', body: {}, expect: { anonymous: 200, owner: 200, other: 200, admin: 200 }, legacy: true },
    { method: 'POST', path: () => '/api/v1/generate/slides', body: {}, expect: { anonymous: 200, owner: 200, other: 200, admin: 200 }, legacy: true },
    // PPTist's routes refuse with {"state": -1}, whatever the status.
    { method: 'POST', path: () => '/tools/aippt_outline', body: {}, expect: { anonymous: 200, owner: 200, other: 200, admin: 200 }, legacy: true },
    { method: 'POST', path: () => '/tools/aippt', body: {}, expect: { anonymous: 200, owner: 200, other: 200, admin: 200 }, legacy: true },
    { method: 'POST', path: () => '/tools/ai_writing', body: {}, expect: { anonymous: 200, owner: 200, other: 200, admin: 200 }, legacy: true },
    // The old client's AI writing refuses with a bare status (it pastes any body into the text box).
    { method: 'POST', path: () => '/api/tools/ai_writing', body: { content: 'Matrix text', command: 'polish', stream: true }, expect: { anonymous: compat ? 200 : 401, owner: 200, other: 200, admin: 200 }, legacy: true },
    { method: 'GET', path: () => '/api/v1/ai-models', expect: { anonymous: compat ? 200 : 401, owner: 200, other: 200, admin: 200 }, legacy: true },
    { method: 'GET', path: () => `/api/v1/ai-models/${OFFLINE_MODEL}`, expect: { anonymous: compat ? 200 : 401, owner: 200, other: 200, admin: 200 }, legacy: true },
    { method: 'POST', path: () => '/api/v1/ai-models/models', body: () => ({ name: `matrix-${email()}`, ai_model_name: 'm', base_url: 'http://127.0.0.1:9/v1' }), expect: { anonymous: compat ? 201 : 401, owner: 201, other: 201, admin: 201 }, legacy: true },
    // A platform model: only admins (the workspace account is one) change it.
    { method: 'PUT', path: () => `/api/v1/ai-models/models/${OFFLINE_MODEL}`, body: { is_enabled: true }, expect: { anonymous: compat ? 200 : 401, owner: 403, other: 403, admin: 200 }, legacy: true },
    { method: 'DELETE', path: () => '/api/v1/ai-models/models/00000000-0000-4000-8000-000000000000', expect: { anonymous: compat ? 404 : 401, owner: 404, other: 404, admin: 404 }, legacy: true },
    // Locked elements are left out by the client: an empty slide is a success with no change.
    { method: 'POST', path: () => '/api/v1/layout/optimize', body: { slide_id: 'matrix', elements: [], canvas_size: { width: 1000, height: 562.5 } }, expect: { anonymous: compat ? 200 : 401, owner: 200, other: 200, admin: 200 }, legacy: true },
    // The image library (legacy: anonymous callers act as the workspace account while the exception is on).
    ...((): RestRow[] => {
      const Z = '00000000-0000-4000-8000-000000000000';
      const L = { anonymous: compat ? 200 : 401, owner: 200, other: 200, admin: 200 };
      const MINE = { anonymous: compat ? 200 : 401, owner: 200, other: 403, admin: 200 };
      const BAD_UPLOAD = { anonymous: compat ? 400 : 401, owner: 400, other: 400, admin: 400 };
      return [
        { method: 'GET', path: (f) => `/api/v1/images/${f.imageId}`, expect: MINE, legacy: true },
        { method: 'GET', path: (f) => `/api/v1/images/${f.imageId}/url`, expect: MINE, legacy: true },
        { method: 'GET', path: (f) => `/api/v1/images/${f.imageId}/tags`, expect: MINE, legacy: true },
        { method: 'POST', path: (f) => `/api/v1/images/${f.imageId}/tags`, body: { tags: ['matrix'] }, expect: MINE, legacy: true },
        { method: 'PUT', path: (f) => `/api/v1/images/${f.imageId}/tags`, body: { tags: ['matrix'] }, expect: MINE, legacy: true },
        { method: 'DELETE', path: (f) => `/api/v1/images/${f.imageId}/tags`, body: { tags: ['matrix'] }, expect: MINE, legacy: true },
        { method: 'DELETE', path: (f) => `/api/v1/images/${f.imageId}/tags/matrix`, expect: MINE, legacy: true },
        { method: 'POST', path: () => '/api/v1/images/batch-tags', body: { image_ids: [Z], tags: ['matrix'] }, expect: L, legacy: true },
        { method: 'DELETE', path: () => `/api/v1/images/${Z}`, expect: L, legacy: true },
        { method: 'DELETE', path: () => '/api/v1/images/batch/delete', body: [Z], expect: L, legacy: true },
        { method: 'POST', path: () => '/api/v1/images/upload', body: {}, expect: BAD_UPLOAD, legacy: true },
        { method: 'POST', path: () => '/api/v1/images/upload/batch', body: {}, expect: BAD_UPLOAD, legacy: true },
        { method: 'POST', path: () => '/api/v1/images/upload/presigned', body: { filename: 'm.png', content_type: 'image/png' }, expect: L, legacy: true },
        { method: 'POST', path: () => '/api/v1/images/search', body: { prompt: 'matrix' }, expect: L, legacy: true },
        { method: 'GET', path: () => '/api/v1/tags', expect: L, legacy: true },
        { method: 'GET', path: () => '/api/v1/tags/popular', expect: L, legacy: true },
        { method: 'GET', path: () => '/api/v1/tags/search?query=matrix', expect: L, legacy: true },
        { method: 'GET', path: () => '/api/v1/tag-library', expect: L, legacy: true },
        { method: 'POST', path: () => '/api/v1/tags', body: { name: 'matrix-rest' }, expect: { anonymous: compat ? 201 : 401, owner: 201, other: 201, admin: 201 }, legacy: true },
        { method: 'DELETE', path: () => '/api/v1/tags/no-such-tag-here', expect: { anonymous: compat ? 404 : 401, owner: 403, other: 403, admin: 404 }, legacy: true },
        // The fixture image has no bytes in storage: callers allowed to see it get 404.
        { method: 'GET', path: (f) => `/api/v1/img-access/${f.imageKey}?mode=proxy`, expect: { anonymous: compat ? 404 : 401, owner: 404, other: 403, admin: 404 }, legacy: true },
        { method: 'GET', path: (f) => `/api/v1/img-access/status/${f.imageKey}`, expect: MINE, legacy: true },
        { method: 'POST', path: (f) => `/api/v1/img-access/refresh/${f.imageKey}`, body: {}, expect: MINE, legacy: true },
        { method: 'POST', path: () => '/tools/img_search', body: { query: 'matrix' }, expect: { anonymous: 200, owner: 200, other: 200, admin: 200 }, legacy: true },
      ];
    })(),
    // Legacy: anonymous callers act as the workspace account only while the exception is on.
    { method: 'GET', path: () => '/api/v1/images', expect: { anonymous: compat ? 200 : 401, owner: 200, other: 200, admin: 200 }, legacy: true },
    { method: 'POST', path: () => '/api/v1/auth/logout', body: {}, expect: AUTH, fresh: 'session' },
    { method: 'POST', path: () => '/api/v1/auth/logout-all', body: {}, expect: AUTH, fresh: 'account' },
  ];

  for (const row of REST) {
    it.each(ROLES)(`${row.method} ${row.path.toString().match(/'([^']+)'|`([^`]+)`/)?.[0] ?? row.path.toString().slice(0, 60)} as %s`, async (role) => {
      const token = row.fresh ? await fixtures.freshToken(role, row.fresh) : fixtures.tokens[role];
      const base = compat ? compatStack.routerUrl : stack.routerUrl;
      const response = await fetch(`${base}${await row.path(fixtures)}`, {
        method: row.method,
        headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
        body: row.body === undefined ? undefined : JSON.stringify(typeof row.body === 'function' ? row.body() : row.body),
      });
      // An event stream stays open: this row only asks whether it was allowed to start.
      await response.body?.cancel();
      expect(response.status).toBe(row.expect[role]);
    });
  }

  it('a token always acts as its own user on a legacy route', async () => {
    const base = compat ? compatStack.routerUrl : stack.routerUrl;
    const mine = await fetch(`${base}/api/v1/images`, { headers: { authorization: `Bearer ${fixtures.tokens.owner}` } });
    const body = (await mine.json()) as { data: { items: { id: string; user_id: string }[]; total: number; page: number; total_pages: number } };
    expect(body.data).toMatchObject({ total: 1, page: 1, total_pages: 1 });
    expect(body.data.items[0]).toMatchObject({ id: fixtures.imageId, user_id: fixtures.userIds.owner });
  });
});

describe('service credentials', () => {
  const ISSUE = 'mutation($s: String!) { issueServiceToken(clientId: "rest-facade", clientSecret: $s) { accessToken error { code } } }';

  it('are refused while the compatibility exception is off', async () => {
    const result = await gql(graphql, ISSUE, { s: process.env.SERVICE_CLIENT_SECRET });
    expect(result.data?.issueServiceToken).toEqual({ accessToken: null, error: { code: 'COMPAT_DISABLED' } });
  });

  it('act as the workspace account but may not touch its sessions, password or keys', async () => {
    const issued = await gql(`${compatStack.routerUrl}/graphql`, ISSUE, { s: process.env.SERVICE_CLIENT_SECRET });
    const token = issued.data?.issueServiceToken.accessToken as string;
    expect(token).toEqual(expect.any(String));
    const me = await gql(`${compatStack.routerUrl}/graphql`, '{ me { email role } }', {}, token);
    expect(me.data?.me).toEqual({ email: 'workspace@localhost.localdomain', role: 'ADMIN' });
    for (const doc of ['{ mySessions { total } }', '{ myApiKeys { id } }', 'mutation { signOut { revokedCount } }']) {
      expect((await gql(`${compatStack.routerUrl}/graphql`, doc, {}, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});
