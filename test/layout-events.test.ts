// Layout findings through the router: on demand (`Deck.layout`), pushed after edits once per burst
// (`layoutFindings`), and the deterministic fix as one undoable batch.
import { applyBatch, documentWithSlides, revert, textElement } from './deck-follower.js';
import { gql, type Stack, signUp, startStack, wsClient } from './stack.js';

const DEBOUNCE_MS = 300;
const LONG_TEXT = Array.from({ length: 14 }, (_, i) => `<p style="font-size: 24px;">Point ${i + 1}: water flows downhill into the valley</p>`).join('');

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false, decks: { layoutDebounceMs: DEBOUNCE_MS } });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const graphql = () => `${stack.routerUrl}/graphql`;

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const LAYOUT = 'query($id: ID!, $slides: [String!]) { deck(id: $id) { revision layout(slideIds: $slides) { revision slides { slideId findings { kind elementId message overflowPx fitScale } } } } }';

/** A deck with one fitting slide and one whose text box is far too small for its text. */
async function deckWithOverflow() {
  const owner = await signUp(stack.routerUrl, 'Layout Owner');
  const document = documentWithSlides('Layout', [
    { id: 'fits', elements: [textElement('short')], background: { type: 'solid', color: '#ffffff' } },
    { id: 'full', elements: [textElement('crowded', { width: 600, height: 120, content: LONG_TEXT })], background: { type: 'solid', color: '#ffffff' } },
  ]);
  const created = await gql(graphql(), 'mutation($i: CreateDeckInput!) { createDeck(input: $i) { deck { id revision } error { code message } } }', { i: { title: 'Layout', document } }, owner.token);
  expect(created.data!.createDeck.error).toBeNull();
  return { owner, deckId: created.data!.createDeck.deck.id as string, revision: created.data!.createDeck.deck.revision as number };
}

it('reports an overflowing box on demand, and nothing for one that fits', async () => {
  const { owner, deckId } = await deckWithOverflow();
  const result = await gql(graphql(), LAYOUT, { id: deckId }, owner.token);
  const slides = result.data!.deck.layout.slides as { slideId: string; findings: { kind: string; elementId: string; overflowPx: number; fitScale: number }[] }[];
  expect(slides.map((s) => s.slideId)).toEqual(['fits', 'full']);
  expect(slides[0]!.findings.filter((f) => f.kind === 'OVERFLOW')).toEqual([]);
  const overflow = slides[1]!.findings.find((f) => f.kind === 'OVERFLOW');
  expect(overflow).toMatchObject({ elementId: 'crowded' });
  expect(overflow!.overflowPx).toBeGreaterThan(100);
  expect(overflow!.fitScale).toBeLessThan(1);
});

it('a burst of edits brings one layoutFindings event, for the slides it touched, at the last revision', async () => {
  const { owner, deckId, revision } = await deckWithOverflow();
  const client = wsClient(stack.routerUrl, { authorization: `Bearer ${owner.token}` });
  const events: { revision: number; slides: { slideId: string; findings: { kind: string }[] }[] }[] = [];
  const stop = client.subscribe<{ layoutFindings: (typeof events)[number] }>(
    { query: 'subscription($id: ID!) { layoutFindings(deckId: $id) { revision slides { slideId findings { kind } } } }', variables: { id: deckId } },
    { next: (r) => r.data && events.push(r.data.layoutFindings), error: (e) => events.push({ revision: -1, slides: [], error: e } as never), complete: () => undefined },
  );
  // First the deck as it is: every slide, the crowded one overflowing.
  await until(() => events.length === 1);
  expect(events[0]).toMatchObject({ revision, slides: [{ slideId: 'fits', findings: [] }, { slideId: 'full' }] });
  expect(events[0]!.slides[1]!.findings.map((f) => f.kind)).toContain('OVERFLOW');

  let last = revision;
  for (let i = 0; i < 5; i++) {
    const result = await applyBatch(stack.routerUrl, owner.token, { deckId, baseRevision: last, operations: [{ type: 'UPDATE_ELEMENT', slideId: 'full', elementId: 'crowded', props: { content: `${LONG_TEXT}<p>edit ${i}</p>` } }] });
    expect(result.status).toBe('APPLIED');
    last = result.revision;
  }
  await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 4));
  expect(events).toHaveLength(2);
  expect(events[1]!.revision).toBe(last);
  // The first check of a deck looks at every slide; the edited one is there with its overflow.
  const full = events[1]!.slides.find((s) => s.slideId === 'full');
  expect(full!.findings.map((f) => f.kind)).toContain('OVERFLOW');

  // A later edit of the other slide: one more event, for that slide alone.
  const moved = await applyBatch(stack.routerUrl, owner.token, { deckId, baseRevision: last, operations: [{ type: 'UPDATE_ELEMENT', slideId: 'fits', elementId: 'short', props: { left: 40 } }] });
  expect(moved.status).toBe('APPLIED');
  await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 4));
  expect(events).toHaveLength(3);
  expect(events[2]).toMatchObject({ revision: moved.revision, slides: [{ slideId: 'fits', findings: [] }] });
  stop();
  await client.dispose();
});

it('fixSlideLayout applies the fixes as one batch that one undo reverts; only members and editors may', async () => {
  const { owner, deckId } = await deckWithOverflow();
  const FIX = 'mutation($id: ID!, $slide: String!) { fixSlideLayout(deckId: $id, slideId: $slide) { applied revision summary changes { kind elementId } result { status batch { revision } } error { code field } } }';
  const fixed = await gql(graphql(), FIX, { id: deckId, slide: 'full' }, owner.token);
  const payload = fixed.data!.fixSlideLayout;
  expect(payload).toMatchObject({ applied: true, error: null, result: { status: 'APPLIED' } });
  expect(payload.changes.length).toBeGreaterThan(0);

  const after = await gql(graphql(), LAYOUT, { id: deckId }, owner.token);
  const overflowing = (after.data!.deck.layout.slides as { findings: { kind: string }[] }[]).flatMap((s) => s.findings).filter((f) => f.kind === 'OVERFLOW');
  expect(overflowing).toEqual([]);

  // One undo brings the slide back as it was, overflow and all.
  const undone = await revert(stack.routerUrl, owner.token, 'undoDeckEdit', deckId);
  expect(undone.status).toBe('APPLIED');
  const back = await gql(graphql(), LAYOUT, { id: deckId, slides: ['full'] }, owner.token);
  expect(back.data!.deck.layout.slides[0].findings.map((f: { kind: string }) => f.kind)).toContain('OVERFLOW');
  const count = await gql(graphql(), 'query($id: ID!) { deck(id: $id) { slideCount } }', { id: deckId }, owner.token);
  expect(count.data!.deck.slideCount).toBe(2);

  // A slide the deck does not have; a stranger; a subscription by a non-member.
  expect((await gql(graphql(), FIX, { id: deckId, slide: 'nope' }, owner.token)).data!.fixSlideLayout).toMatchObject({ applied: false, error: { code: 'NOT_FOUND', field: 'slideId' } });
  const stranger = await signUp(stack.routerUrl, 'Stranger');
  const refused = await gql(graphql(), FIX, { id: deckId, slide: 'full' }, stranger.token);
  expect(refused.errors?.[0]?.extensions?.code).toMatch(/NOT_FOUND|FORBIDDEN/);
  const client = wsClient(stack.routerUrl, { authorization: `Bearer ${stranger.token}` });
  const outcome = await new Promise<string>((resolve) => {
    client.subscribe({ query: 'subscription($id: ID!) { layoutFindings(deckId: $id) { revision } }', variables: { id: deckId } }, {
      next: (r) => resolve(String((r as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? 'data')),
      error: (e) => resolve(String((e as { extensions?: { code?: string } }[])[0]?.extensions?.code ?? e)),
      complete: () => resolve('complete'),
    });
  });
  expect(outcome).toMatch(/NOT_FOUND|FORBIDDEN/);
  await client.dispose();
});
