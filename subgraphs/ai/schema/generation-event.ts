import { builder } from '../builder.js';
import { type GenerationEventMessage, GenerationEventType } from '../generation-events.js';
import { GenerationJob } from './generation-job.js';

const EventType = builder.enumType('GenerationEventType', { values: GenerationEventType });

const GenerationEvent = builder.objectRef<GenerationEventMessage>('GenerationEvent').implement({
  description: 'One step of a generation job, in log order',
  fields: (t) => ({
    cursor: t.string({ description: 'Pass as `after` to resume after this event', resolve: (e) => String(e.seq) }),
    seq: t.exposeInt('seq'),
    type: t.field({ type: EventType, resolve: (e) => e.type }),
    payload: t.field({ type: 'JSON', resolve: (e) => e.payload }),
    at: t.field({ type: 'DateTime', resolve: (e) => new Date(e.createdAt) }),
    // Loaded fresh for each event so status and progress are current (batched per event).
    job: t.field({ type: GenerationJob, resolve: (e) => e.jobId }),
  }),
});

builder.subscriptionField('generationEvents', (t) =>
  t.field({
    type: GenerationEvent,
    description: "A job's events: first those logged after `after`, then live ones; ends after the last",
    args: { jobId: t.arg.id({ required: true }), after: t.arg.string() },
    subscribe: (_root, { jobId, after }, ctx) => ctx.generations.subscribe(ctx.viewer, String(jobId), after),
    resolve: (event) => event,
  }),
);
