// Importing each type file registers it on the builder; the order here is the SDL's order.
import { builder } from '../builder.js';
import './user.js';
import './auth.js';
import './session.js';
import './preferences.js';
import './api-key.js';
import './service-token.js';
import './admin.js';

export function buildUsersSchema() {
  return builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
}
