import { builder } from '../builder.js';
import './user-ref.js';
import './generation-job.js';
import './slide-task.js';
import './generation-event.js';
import './ai-model.js';
import './image-generation.js';
import './layout.js';
import './ai-writing.js';

export function buildAiSchema() {
  return builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
}
