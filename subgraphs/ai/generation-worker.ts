// Runs one generation job (the foundation's offline pipeline). A job that already finished is left
// alone when BullMQ delivers it again; resuming a half-run job without repeating its events is
// the AI generation issue's work.
import type { Logger } from '../../lib/logger.js';
import type { GenerationEvents } from './generation-events.js';
import type { GenerationStore } from './generation-store.js';
import { offlineSlides, outlineMarkdown } from './offline-generator.js';

const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export class GenerationRunner {
  constructor(
    private readonly store: GenerationStore,
    private readonly events: GenerationEvents,
    private readonly log: Logger,
  ) {}

  async run(jobId: string): Promise<void> {
    const job = await this.store.findById(jobId);
    if (!job || FINISHED.has(job.status)) return;
    const log = this.log.child({ jobId });
    try {
      await this.store.update(jobId, { status: 'RUNNING', stage: 'outline', startedAt: job.startedAt ?? new Date() });
      await this.events.emit(jobId, 'STARTED', { slidesTotal: job.slideCount });

      const slides = offlineSlides(job.topic, job.language, job.slideCount);
      const outline = outlineMarkdown(job.topic, slides);
      for (const chunk of outline.split(/(?<=\n)/)) {
        await this.events.emit(jobId, 'OUTLINE_CHUNK', { chunk });
      }
      await this.events.emit(jobId, 'OUTLINE_READY', { markdown: outline });

      await this.store.update(jobId, { stage: 'slides' });
      let done = 0;
      for (const [index, slide] of slides.entries()) {
        if (slide.type === 'content') done += 1;
        await this.events.emit(jobId, 'SLIDE', { index, slide });
        await this.store.update(jobId, { slidesDone: done });
      }
      await this.store.update(jobId, { status: 'SUCCEEDED', stage: 'done', finishedAt: new Date() });
      await this.events.emit(jobId, 'SUCCEEDED', { slides: slides.length });
      log.info({ slides: slides.length }, 'generation succeeded');
    } catch (error) {
      log.error({ err: error }, 'generation failed');
      await this.store.update(jobId, { status: 'FAILED', stage: 'failed', error: 'Generation failed', finishedAt: new Date() });
      await this.events.emit(jobId, 'FAILED', { message: 'Generation failed' });
    }
  }
}
