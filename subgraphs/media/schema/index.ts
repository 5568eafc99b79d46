import { builder } from '../builder.js';
import './image.js';

export function buildMediaSchema() {
  return builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
}
