// How long the layout analysis (lib/pptist/layout-analysis.ts) takes per slide and per 30-page
// deck: a deck filled from PPTist's template_1 with the generation bench's seeded AI deck (6
// chapters × 5 content pages, plus cover, contents, transitions and end), as the AI pipeline
// builds it. Pure CPU work in one process: no stack, no services. Warm-up rounds (which load the
// font chunks and let V8 optimise) are not counted.
import { nearestRankPercentiles, positiveNumberFromEnv, printMachineLine, printTable, runBench } from '../bench-kit.js';

const ROUNDS = positiveNumberFromEnv('BENCH_ROUNDS', 40, { integer: true });
const WARMUP_ROUNDS = 5;

await runBench(async () => {
  const { parsePptistDocument } = await import('../../lib/pptist/document.js');
  const { TemplateFiller } = await import('../../lib/pptist/template-filler.js');
  const { analyzeDeck, analyzeSlide } = await import('../../lib/pptist/layout-analysis.js');
  const { pptistFixture } = await import('../../test/pptist-fixtures.js');
  const { aiDeck } = await import('../generation/ai-deck.js');

  const parsed = parsePptistDocument(pptistFixture('template_1.json'));
  if (!parsed.ok) throw new Error(parsed.message);
  let n = 0;
  const filler = new TemplateFiller(parsed.document, { newId: () => `bench-${++n}` });
  const ai = aiDeck(1);
  const slides = ai.slides.flatMap((slide) => filler.fill(slide));
  const deck = { ...parsed.document, title: 'bench', theme: filler.theme, slides };
  const canvas = { width: deck.width, height: deck.height, theme: deck.theme };

  const perSlide: number[] = [];
  const perDeck: number[] = [];
  let findings = 0;
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round += 1) {
    const counted = round >= WARMUP_ROUNDS;
    for (const slide of deck.slides) {
      const start = performance.now();
      analyzeSlide(slide, canvas);
      if (counted) perSlide.push(performance.now() - start);
    }
    const start = performance.now();
    const analysis = analyzeDeck(deck);
    if (counted) perDeck.push(performance.now() - start);
    findings = analysis.reduce((sum, slide) => sum + slide.findings.length, 0);
  }

  printMachineLine();
  console.log(`deck: ${deck.slides.length} slides (${ai.pages} content pages) from template_1, ${deck.slides.reduce((s, x) => s + x.elements.length, 0)} elements, ${findings} findings; ${ROUNDS} rounds after ${WARMUP_ROUNDS} warm-up`);
  const row = (name: string, samples: number[]) => {
    const p = nearestRankPercentiles(samples);
    return [name, String(p.count), p.mean.toFixed(3), p.p50.toFixed(3), p.p99.toFixed(3)];
  };
  printTable([['analysis', 'samples', 'mean ms', 'p50 ms', 'p99 ms'], row('one slide', perSlide), row(`whole deck (${deck.slides.length} slides)`, perDeck)]);
});
