// Validation failures as the UserError data that mutations return (STYLE.md: expected failures
// are data): the first problem, with the input field it concerns.
import type { z } from 'zod';
import type { UserErrorShape } from './subgraph-builder.js';

export function userErrorFromZod(error: z.ZodError): UserErrorShape {
  const issue = error.issues[0]!;
  return { code: 'BAD_USER_INPUT', message: issue.message, field: String(issue.path[0] ?? '') };
}
