// A deck page (deck + owner + slides + collaborators + versions) costs a fixed number of database
// round trips in the decks subgraph, whatever the number of slides or collaborators.
import { DECK_PAGE_QUERY } from './deck-page-query.js';
import { gql, type Stack, signUp, startStack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ countDeckQueries: true });
});
afterAll(async () => {
  await stack?.close();
});

const PAGE = DECK_PAGE_QUERY;

async function deckWith(slides: number, collaborators: number) {
  const owner = await signUp(stack.routerUrl);
  const theme = { backgroundColor: '#fff', themeColors: ['#000'], fontColor: '#333', fontName: '', outline: { width: 1, color: '#000', style: 'solid' }, shadow: { h: 1, v: 1, blur: 1, color: '#000' } };
  const document = {
    title: 'Page',
    width: 1000,
    height: 562.5,
    theme,
    slides: Array.from({ length: slides }, (_, i) => ({ id: `s${i}`, type: 'content', elements: [{ id: `e${i}`, type: 'text', left: 10, top: 10, width: 100, height: 50, rotate: 0, content: `<p>${i}</p>`, defaultFontName: '', defaultColor: '#333' }] })),
  };
  const created = await gql(`${stack.routerUrl}/graphql`, 'mutation($d: JSON) { createDeck(input: { title: "Page", document: $d }) { deck { id } error { message } } }', { d: document }, owner.token);
  const deckId = created.data?.createDeck.deck.id as string;
  for (let i = 0; i < collaborators; i++) {
    const user = await signUp(stack.routerUrl);
    await gql(`${stack.routerUrl}/graphql`, 'mutation($i: ShareDeckInput!) { shareDeck(input: $i) { error { code } } }', { i: { deckId, userId: user.userId, role: 'VIEWER' } }, owner.token);
  }
  await gql(`${stack.routerUrl}/graphql`, 'mutation($id: ID!) { createDeckVersion(deckId: $id, name: "v") { id } }', { id: deckId }, owner.token);
  return { deckId, token: owner.token };
}

async function queriesFor(deck: { deckId: string; token: string }) {
  stack.deckQueries.count = 0;
  const result = await gql(`${stack.routerUrl}/graphql`, PAGE, { id: deck.deckId }, deck.token);
  expect(result.errors).toBeUndefined();
  return { count: stack.deckQueries.count, slides: result.data?.deck.slides.length, collaborators: result.data?.deck.collaborators.length };
}

it('costs the same number of queries for 2 slides / 1 collaborator as for 30 slides / 6 collaborators', async () => {
  const small = await queriesFor(await deckWith(2, 1));
  const large = await queriesFor(await deckWith(30, 6));
  expect([small.slides, small.collaborators, large.slides, large.collaborators]).toEqual([2, 1, 30, 6]);
  expect(large.count).toBe(small.count);
  // deck, the caller's membership, slides, collaborators, versions: one batched query each.
  expect(large.count).toBe(5);
});
