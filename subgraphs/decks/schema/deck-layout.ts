// Layout findings of a deck's slides (on demand, and pushed after edits) and the deterministic fix.
import { forbidden } from '../../../lib/errors.js';
import type { LayoutChange, LayoutFinding, SlideAnalysis } from '../../../lib/pptist/layout-analysis.js';
import { builder, UserError } from '../builder.js';
import type { LayoutFindingsMessage, LayoutFixResult } from '../deck-layout.js';
import { OperationsResult } from './deck-collaboration.js';
import { Deck, loadDeck } from './deck.js';

const KIND = { overflow: 'OVERFLOW', overlap: 'OVERLAP', offCanvas: 'OFF_CANVAS', smallText: 'SMALL_TEXT', lowContrast: 'LOW_CONTRAST' } as const;
const FindingKind = builder.enumType('LayoutFindingKind', { values: Object.values(KIND) });

const round = (n: number) => Math.round(n * 100) / 100;

/** One line a person can read, whatever the kind. */
function describe(f: LayoutFinding): string {
  switch (f.kind) {
    case 'overflow':
      return `Text overflows its box by ${round(f.overflowPx)} px${f.fitScale ? `; it fits at ${Math.round(f.fitScale * 100)}% of its size` : ''}`;
    case 'overlap':
      return `Overlaps element ${f.otherId} (${Math.round(f.share * 100)}% of the smaller one)`;
    case 'offCanvas':
      return `Reaches ${round(Math.max(f.outside.left, f.outside.top, f.outside.right, f.outside.bottom))} px beyond the slide`;
    case 'smallText':
      return `Text at ${round(f.fontSize)} px is below the readable ${round(f.minSize)} px`;
    case 'lowContrast':
      return `Contrast ${round(f.ratio)}:1 of ${f.color} on ${f.background} is below ${f.required}:1`;
  }
}

const Finding = builder.objectRef<LayoutFinding>('LayoutFinding').implement({
  description: 'A layout problem of one element (measured with the bundled fonts’ metrics)',
  fields: (t) => ({
    kind: t.field({ type: FindingKind, resolve: (f) => KIND[f.kind] }),
    elementId: t.exposeString('elementId'),
    message: t.string({ resolve: describe }),
    overflowPx: t.float({ nullable: true, description: 'OVERFLOW: height needed beyond the box', resolve: (f) => (f.kind === 'overflow' ? round(f.overflowPx) : null) }),
    fitScale: t.float({ nullable: true, description: 'OVERFLOW: the largest font scale (≤ 1) at which the text fits', resolve: (f) => (f.kind === 'overflow' ? f.fitScale : null) }),
    fontSize: t.float({ nullable: true, resolve: (f) => (f.kind === 'overflow' || f.kind === 'smallText' ? f.fontSize : null) }),
    otherElementId: t.string({ nullable: true, description: 'OVERLAP: the other element', resolve: (f) => (f.kind === 'overlap' ? f.otherId : null) }),
    overlapShare: t.float({ nullable: true, description: 'OVERLAP: share of the smaller element covered, 0–1', resolve: (f) => (f.kind === 'overlap' ? round(f.share) : null) }),
    outsidePx: t.float({ nullable: true, description: 'OFF_CANVAS: the largest distance beyond an edge', resolve: (f) => (f.kind === 'offCanvas' ? round(Math.max(f.outside.left, f.outside.top, f.outside.right, f.outside.bottom)) : null) }),
    minFontSize: t.float({ nullable: true, description: 'SMALL_TEXT: the smallest readable size on this canvas', resolve: (f) => (f.kind === 'smallText' ? f.minSize : null) }),
    contrastRatio: t.float({ nullable: true, resolve: (f) => (f.kind === 'lowContrast' ? round(f.ratio) : null) }),
    requiredContrastRatio: t.float({ nullable: true, resolve: (f) => (f.kind === 'lowContrast' ? f.required : null) }),
  }),
});

const SlideLayout = builder.objectRef<SlideAnalysis>('SlideLayout').implement({
  fields: (t) => ({
    slideId: t.exposeString('slideId'),
    findings: t.field({ type: [Finding], resolve: (s) => s.findings }),
  }),
});

const LayoutReport = builder.objectRef<LayoutFindingsMessage>('DeckLayoutReport').implement({
  fields: (t) => ({
    deckId: t.exposeID('deckId'),
    revision: t.exposeInt('revision', { description: 'The deck revision the slides were analysed at' }),
    slides: t.field({ type: [SlideLayout], resolve: (r) => r.slides }),
  }),
});

builder.objectField(Deck, 'layout', (t) =>
  t.field({
    type: LayoutReport,
    description: 'Layout findings of the named slides (all when none are named), at the current revision',
    args: { slideIds: t.arg.stringList() },
    resolve: (deck, { slideIds }, ctx) => ctx.layout.analyze(deck, slideIds ?? undefined),
  }),
);

const Change = builder.objectRef<LayoutChange>('LayoutChange').implement({
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'shrink, split or move' }),
    elementId: t.exposeString('elementId'),
    description: t.exposeString('description'),
  }),
});

const FixPayload = builder.objectRef<LayoutFixResult | { error: { code: string; message: string; field?: string } }>('FixSlideLayoutPayload').implement({
  fields: (t) => ({
    applied: t.boolean({ resolve: (r) => 'outcome' in r && r.outcome?.status === 'APPLIED' }),
    revision: t.int({ nullable: true, resolve: (r) => ('revision' in r ? r.revision : null) }),
    changes: t.field({ type: [Change], resolve: (r) => ('changes' in r ? r.changes : []) }),
    summary: t.string({ nullable: true, resolve: (r) => ('summary' in r ? r.summary : null) }),
    result: t.field({ type: OperationsResult, nullable: true, description: 'The batch (null when nothing needed fixing)', resolve: (r) => ('outcome' in r ? r.outcome : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => ('error' in r ? r.error : 'outcome' in r && r.outcome?.status === 'REJECTED' ? r.outcome.error : null) }),
  }),
});

builder.mutationField('fixSlideLayout', (t) =>
  t.field({
    type: FixPayload,
    description: 'Applies the deterministic layout fixes to one slide (shrink text within limits, then split; back onto the canvas) as one undoable batch',
    args: { deckId: t.arg.id({ required: true }), slideId: t.arg.string({ required: true }), clientId: t.arg.string() },
    resolve: async (_root, { deckId, slideId, clientId }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(deckId), 'edit', loadDeck(ctx));
      const result = await ctx.layout.fix(ctx.collaboration, ctx.viewer!, deck, slideId, clientId ?? null);
      return result ?? { error: { code: 'NOT_FOUND', message: `Slide ${slideId} is not in this deck`, field: 'slideId' } };
    },
  }),
);

builder.subscriptionField('layoutFindings', (t) =>
  t.field({
    type: LayoutReport,
    description: 'The findings of every slide now, then those of the slides each burst of edits touched, checked in the background once the deck is quiet for a moment (members only)',
    args: { deckId: t.arg.id({ required: true }) },
    subscribe: async (_root, { deckId }, ctx) => {
      const { deck } = await ctx.decks.authorize(ctx.viewer, String(deckId), 'read', loadDeck(ctx));
      if (!ctx.viewer) throw forbidden();
      await ctx.collaboration.requireMember(ctx.viewer, deck, ctx.decks.freshSource(ctx.viewer));
      return ctx.layout.stream(deck);
    },
    resolve: (message) => message,
  }),
);

