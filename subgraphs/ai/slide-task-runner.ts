// Runs a per-slide AI task on an existing deck: rewrite a slide, insert a new one, split an overfull
// one, write speaker notes. While it works the AI is in the deck's presence on the slide and holds
// a lock on the slides it changes; before writing it takes a named version of the deck; the result
// is ONE batch by the agent (a stable batch id per job, so a resumed run applies it once), so one
// undo by the user reverts the AI's turn. A rewritten slide keeps its id: the batch deletes it and
// inserts the new one with the same id at the same place. New slides are dressed with the template
// the deck was generated from (the job's templateId), the deck's own theme untouched.
import type { AipptSlide } from '../../lib/pptist/aippt.js';
import type { PptistDocument, PptistSlide } from '../../lib/pptist/document.js';
import { analyzeSlide, blocksOf, fixSlideLayout } from '../../lib/pptist/layout-analysis.js';
import { plainText } from '../../lib/pptist/text-fit.js';
import type { DeckSummary } from './agent-graph-client.js';
import { notesMessages, slideMessages } from './generation-prompts.js';
import { DEFAULT_TEMPLATE_ID } from './generation-service.js';
import type { GenerationMode } from './generation-store.js';
import { EventChain, insertSlidesAfter, JobFailure, JobSteps, stableUuid } from './job-steps.js';
import { keySentences, offlineSlides } from './offline-generator.js';
import { AipptStreamParser } from './slide-stream-parser.js';

export const SLIDE_TASK_MODES = ['SLIDE_REGENERATE', 'SLIDE_INSERT', 'SLIDE_SPLIT', 'SLIDE_NOTES', 'DECK_NOTES'] as const;
export type SlideTaskMode = (typeof SLIDE_TASK_MODES)[number];

export function isSlideTask(mode: GenerationMode): mode is SlideTaskMode {
  return (SLIDE_TASK_MODES as readonly string[]).includes(mode);
}

/** The deck lock API allows at most 120 s; the lock and the presence are renewed well before. */
const LOCK_SECONDS = 120;
const KEEPALIVE_MS = 10_000;
const WRITE_ATTEMPTS = 3;

type Deck = DeckSummary & { document: PptistDocument };

/** A slide's words: its title and every other paragraph or list item, in element order. */
export function slideWords(slide: PptistSlide): { title: string; lines: string[] } {
  let title = '';
  const lines: string[] = [];
  for (const element of slide.elements) {
    const html = element.type === 'text' ? element.content : element.type === 'shape' ? element.text?.content : undefined;
    if (!html) continue;
    const marker = element.type === 'text' ? element.textType : element.type === 'shape' ? element.text?.type : undefined;
    const blocks = blocksOf(html)
      .map((block) => plainText(block.html).replace(/\s+/g, ' ').trim())
      .filter(Boolean);
    if (!title && marker === 'title' && blocks.length > 0) title = blocks.join(' ');
    else lines.push(...blocks);
  }
  if (!title && lines.length > 0) title = lines.shift()!;
  return { title, lines };
}

const asText = (words: { title: string; lines: string[] }) => [words.title, ...words.lines].filter(Boolean).join('\n');
const oneLine = (text: string) => text.replace(/\s+/g, ' ').replace(/^[#\-\s]+/, '').trim();
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Speaker notes are rich text: one paragraph per line. */
const remarkHtml = (text: string) =>
  text
    .split(/\n+/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join('');

/**
 * A slide without a model: the offline writer's content slide for a one-page outline made of the
 * slide's words (or the instruction), with the words and the instruction as its source.
 */
export function offlineSlide(words: { title: string; lines: string[] }, instruction: string, language: string): AipptSlide {
  const title = oneLine(words.title || instruction).slice(0, 80) || 'New slide';
  const points = (words.lines.length > 0 ? words.lines : [instruction || title]).map(oneLine).filter(Boolean).slice(0, 4);
  const outline = `# ${title}\n## ${title}\n### ${title}\n${points.map((point) => `- ${point}\n`).join('')}`;
  const slides = offlineSlides({ outline, sourceText: [instruction, ...words.lines].filter(Boolean).join('\n'), language });
  return slides.find((slide) => slide.type === 'content') ?? { type: 'content', data: { title, items: points.map((point) => ({ title: point, text: point })) } };
}

const NOTES_OPENING: Record<string, (title: string) => string> = {
  en: (title) => `This slide is about ${title}.`,
  'zh-CN': (title) => `这一页讲的是${title}。`,
  ja: (title) => `このスライドは${title}についてです。`,
};

/** Notes without a model: a short spoken summary, the slide's title and its key sentences. */
export function offlineNotes(words: { title: string; lines: string[] }, language: string): string {
  const opening = (NOTES_OPENING[language] ?? NOTES_OPENING.en!)(words.title || '…');
  const body = words.lines.length > 0 ? keySentences(words.lines.join('\n'), 0.5) : '';
  return [opening, body].filter(Boolean).join('\n');
}

const TASK_NAMES: Record<SlideTaskMode, string> = {
  SLIDE_REGENERATE: 'regenerate slide',
  SLIDE_INSERT: 'insert a slide after slide',
  SLIDE_SPLIT: 'split slide',
  SLIDE_NOTES: 'speaker notes for slide',
  DECK_NOTES: 'speaker notes',
};

/** What the run will write: the deck's operations (built against the deck as it is now) and the slides they touch. */
interface Edit {
  operations: (deck: Deck) => unknown[];
  slideIds: string[];
}

export class SlideTaskRun extends JobSteps {
  private readonly clientId = `ai:${this.job.id}`;
  private readonly mode = this.job.mode as SlideTaskMode;
  private idCounter = 0;

  async execute(): Promise<void> {
    const resumed = this.job.status === 'RUNNING';
    if (!(await this.deps.store.updateIfUnfinished(this.job.id, { status: 'RUNNING', startedAt: this.job.startedAt ?? new Date() }))) return;
    // Splitting is deterministic: no model.
    this.endpoint = this.mode === 'SLIDE_SPLIT' ? null : await this.deps.models.endpoint(this.job.modelId);
    const deckId = this.job.deckId!;
    const slideId = this.job.targetSlideId;
    await this.emit('STARTED', { stage: this.job.stage, resumed, model: this.endpoint?.name ?? 'offline', degraded: this.degraded, deckId, slideId });

    const owner = this.job.ownerId;
    const lockSlide = this.mode === 'SLIDE_INSERT' || this.mode === 'DECK_NOTES' ? null : slideId;
    const keepalive = setInterval(() => void this.keepAlive(deckId, slideId, lockSlide), KEEPALIVE_MS);
    try {
      const deck = await this.readDeck(deckId);
      const index = slideId ? deck.document.slides.findIndex((s) => s.id === slideId) : -1;
      if (slideId && index < 0) throw new JobFailure('SLIDE_NOT_FOUND', `Slide ${slideId} is no longer in the deck`);
      await this.deps.agent.present(owner, deckId, this.clientId, slideId ?? deck.document.slides[0]?.id ?? null);
      if (lockSlide) {
        const lock = await this.deps.agent.acquireLock(owner, { deckId, slideId: lockSlide, clientId: this.clientId, ttlSeconds: LOCK_SECONDS });
        if (!lock.ok) throw new JobFailure('SLIDE_LOCKED', `Slide ${index + 1} is being edited by someone else (${lock.error?.message ?? 'locked'})`);
      }
      await this.setStage('writing', false);
      await this.emit('STAGE', { stage: 'writing', deckId, slideId });

      const edit = await this.prepare(deck, index);
      this.throwIfCancelled();
      await this.setStage('saving', false);
      const versionName = `Before AI: ${TASK_NAMES[this.mode]}${index >= 0 ? ` ${index + 1}` : ''}`.slice(0, 100);
      const version = await this.versionOnce(deckId, versionName);
      await this.emit('STAGE', { stage: 'saving', deckId, slideId, versionId: version });
      this.throwIfCancelled();
      const { revision, batchId } = await this.write(deck, edit);
      await this.succeed({ deckId, revision, batchId, slideIds: edit.slideIds });
    } finally {
      clearInterval(keepalive);
      // Leaving the deck also drops the agent session's locks; the release says so explicitly.
      if (lockSlide) await this.deps.agent.releaseLock(owner, deckId, lockSlide);
      await this.deps.agent.leave(owner, deckId, this.clientId);
    }
  }

  private async keepAlive(deckId: string, slideId: string | null, lockSlide: string | null): Promise<void> {
    try {
      await this.deps.agent.present(this.job.ownerId, deckId, this.clientId, slideId);
      if (lockSlide) await this.deps.agent.acquireLock(this.job.ownerId, { deckId, slideId: lockSlide, clientId: this.clientId, ttlSeconds: LOCK_SECONDS });
    } catch (err) {
      this.log.warn({ err }, 'renewing the AI’s lock failed');
    }
  }

  private async readDeck(deckId: string): Promise<Deck> {
    const deck = await this.deps.agent.deckDocument(this.job.ownerId, deckId);
    if (!deck || !['OWNER', 'ADMIN', 'EDITOR'].includes(deck.myRole ?? '')) throw new JobFailure('DECK_NOT_FOUND', `Deck ${deckId} is gone or no longer editable`);
    return deck;
  }

  /** A resumed run does not take a second version of the deck. */
  private async versionOnce(deckId: string, name: string): Promise<string> {
    const earlier = await this.deps.store.eventsOfTypes(this.job.id, ['STAGE']);
    const taken = earlier.map((e) => (e.payload as { versionId?: string }).versionId).find(Boolean);
    return taken ?? (await this.deps.agent.createVersion(this.job.ownerId, deckId, name)).id;
  }

  private newId = () => stableUuid(`${this.job.id}:id:${this.idCounter++}`);

  private async prepare(deck: Deck, index: number): Promise<Edit> {
    const slides = deck.document.slides;
    const target = slides[index];
    switch (this.mode) {
      case 'SLIDE_REGENERATE': {
        const words = slideWords(target!);
        const written = await this.writeSlide(deck, words, target!.type ?? 'content', true);
        const [first, ...rest] = await this.fill(written);
        const { notes, remark, sectionTag } = target!;
        const replacement: PptistSlide = { ...first!, id: target!.id, ...(notes && { notes }), ...(remark && { remark }), ...(sectionTag && { sectionTag }) };
        const placed = [replacement, ...rest];
        return {
          slideIds: placed.map((s) => s.id),
          operations: (now) => {
            const at = now.document.slides.findIndex((s) => s.id === target!.id);
            if (at < 0) throw new JobFailure('SLIDE_NOT_FOUND', `Slide ${target!.id} is no longer in the deck`);
            const previous = now.document.slides[at - 1]?.id ?? null;
            return [{ type: 'DELETE_SLIDE', slideId: target!.id }, ...insertSlidesAfter(placed, previous)];
          },
        };
      }
      case 'SLIDE_INSERT': {
        const written = await this.writeSlide(deck, slideWords(target!), 'content', false);
        const placed = await this.fill(written);
        return {
          slideIds: placed.map((s) => s.id),
          operations: (now) => {
            if (!now.document.slides.some((s) => s.id === target!.id)) throw new JobFailure('SLIDE_NOT_FOUND', `Slide ${target!.id} is no longer in the deck`);
            return insertSlidesAfter(placed, target!.id);
          },
        };
      }
      case 'SLIDE_SPLIT': {
        const canvas = { width: deck.document.width, height: deck.document.height, theme: deck.document.theme };
        const fix = fixSlideLayout(target!, analyzeSlide(target!, canvas).findings, { ...canvas, newId: this.newId });
        if (!fix.changes.some((change) => change.kind === 'split')) throw new JobFailure('NOTHING_TO_SPLIT', `Slide ${index + 1} has no overfull text to split`);
        const inserted = fix.operations.flatMap((op) => (op.type === 'INSERT_SLIDE' ? [op.slide.id] : []));
        await this.emit('PROGRESS', { summary: fix.summary });
        return { slideIds: [target!.id, ...inserted], operations: () => fix.operations };
      }
      case 'SLIDE_NOTES':
      case 'DECK_NOTES': {
        const targets = this.mode === 'SLIDE_NOTES' ? [target!] : slides;
        const remarks = new Map<string, string>();
        for (const slide of targets) {
          remarks.set(slide.id, remarkHtml(await this.writeNotes(deck, slideWords(slide))));
          await this.deps.store.updateIfUnfinished(this.job.id, { slidesDone: remarks.size });
          await this.emit('PROGRESS', { slidesDone: remarks.size, slidesTotal: targets.length, slideId: slide.id });
        }
        return {
          slideIds: [...remarks.keys()],
          operations: (now) => {
            const present = new Set(now.document.slides.map((s) => s.id));
            return [...remarks].filter(([id]) => present.has(id)).map(([slideId, remark]) => ({ type: 'UPDATE_SLIDE', slideId, props: { remark } }));
          },
        };
      }
    }
  }

  /** The model's slide, or the offline writer's when the model is down or wrote none. */
  private async writeSlide(deck: Deck, words: { title: string; lines: string[] }, type: string, rewrite: boolean): Promise<AipptSlide> {
    const instruction = this.job.instruction ?? '';
    if (this.useModel()) {
      let text = '';
      const request = { instruction, slideText: asText(words), deckTitle: deck.title, type, language: this.job.language };
      const answered = await this.callModel({ messages: () => slideMessages(request, rewrite), onText: (piece) => void (text += piece) }, new EventChain());
      if (answered) {
        const parser = new AipptStreamParser();
        const slides = [...parser.push(text), ...parser.end().slides].filter((slide) => slide.type !== 'end');
        if (slides[0]) return slides[0];
        await this.degrade('The model’s answer held no slide; the offline writer wrote one');
      }
    }
    return offlineSlide(rewrite ? words : { title: '', lines: [] }, instruction, this.job.language);
  }

  private async writeNotes(deck: Deck, words: { title: string; lines: string[] }): Promise<string> {
    if (this.useModel() && (words.title || words.lines.length > 0)) {
      let text = '';
      const answered = await this.callModel(
        { messages: () => notesMessages({ slideText: asText(words), deckTitle: deck.title, language: this.job.language }), onText: (piece) => void (text += piece) },
        new EventChain(),
      );
      if (answered && text.trim()) return text.trim();
      if (answered) await this.degrade('The model wrote no notes; the offline writer wrote them');
    }
    return offlineNotes(words, this.job.language);
  }

  /** AI slide → deck slides dressed with the deck's template (a long list may become two). */
  private async fill(slide: AipptSlide): Promise<PptistSlide[]> {
    const { filler } = await this.templateFiller(this.job.templateId ?? DEFAULT_TEMPLATE_ID, this.newId);
    return filler.fill(slide);
  }

  /** One batch by the agent; a deck that changed meanwhile is read again and the batch rebuilt against it. */
  private async write(deck: Deck, edit: Edit): Promise<{ revision: number; batchId: string }> {
    const batchId = stableUuid(`${this.job.id}:batch`);
    let now = deck;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const outcome = await this.deps.agent.applyOperations(this.job.ownerId, { deckId: now.id, baseRevision: now.revision, operations: edit.operations(now), batchId, clientId: this.clientId });
      if (outcome.status === 'APPLIED') return { revision: outcome.revision, batchId };
      if (outcome.status === 'REJECTED') throw new JobFailure(outcome.error?.code ?? 'DECK_WRITE_REFUSED', `The deck refused the AI's change: ${outcome.error?.message ?? 'unknown reason'}`);
      now = await this.readDeck(now.id);
    }
    throw new JobFailure('DECK_WRITE_CONFLICT', 'The deck kept changing under the AI; nothing was written');
  }

  private async succeed(result: { deckId: string; revision: number; batchId: string; slideIds: string[] }): Promise<void> {
    const finished = await this.deps.store.updateIfUnfinished(this.job.id, { status: 'SUCCEEDED', stage: 'done', finishedAt: new Date(), slidesDone: result.slideIds.length });
    if (!finished) return;
    await this.emit('SUCCEEDED', {
      stage: 'done',
      ...result,
      degraded: this.degraded,
      usage: { promptTokens: this.job.promptTokens, completionTokens: this.job.completionTokens, costUsd: this.job.costUsd },
    });
    this.log.info({ mode: this.mode, slides: result.slideIds.length, degraded: this.degraded }, 'slide task succeeded');
  }
}
