import { builder, UserError } from '../builder.js';
import type { PreferencesResult } from '../preferences-service.js';
import { Preferences } from './user.js';

const PreferencesPayload = builder.objectRef<PreferencesResult>('PreferencesPayload').implement({
  fields: (t) => ({
    preferences: t.field({ type: Preferences, nullable: true, resolve: (r) => (r.ok ? r.preferences : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

const UpdatePreferencesInput = builder.inputType('UpdatePreferencesInput', {
  fields: (t) => ({
    language: t.string({ description: 'zh-CN, en or ja' }),
    defaultModel: t.string(),
    defaultTemplate: t.string(),
    defaultStyle: t.string({ description: 'general, academic, business, education or marketing' }),
    expectedVersion: t.int({ description: 'Refuse the update (CONFLICT) if the stored version differs' }),
  }),
});

builder.mutationField('updatePreferences', (t) =>
  t.field({
    type: PreferencesPayload,
    description: 'Updates only the fields given, atomically',
    args: { input: t.arg({ type: UpdatePreferencesInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const patch: Record<string, unknown> = {};
      for (const key of ['language', 'defaultModel', 'defaultTemplate', 'defaultStyle'] as const) {
        if (input[key] !== undefined) patch[key] = input[key];
      }
      return ctx.preferences.update(ctx.viewer, { ...patch, expectedVersion: input.expectedVersion ?? undefined });
    },
  }),
);
