// The User entity belongs to the users subgraph. The ai subgraph references owners by id and reads
// the owner's preferences through the graph (@requires), never from the users tables.
import { builder } from '../builder.js';

export interface GenerationDefaultsShape {
  language: string;
  model: string | null;
  style: string | null;
  template: string | null;
}

interface PreferencesShape {
  language: string;
  defaultModel: string | null;
  defaultTemplate: string | null;
  defaultStyle: string | null;
}

// The users subgraph's Preferences value type, as far as this subgraph reads it.
const Preferences = builder.objectRef<PreferencesShape>('Preferences').implement({
  fields: (t) => ({
    language: t.exposeString('language', { shareable: true }),
    defaultModel: t.exposeString('defaultModel', { nullable: true, shareable: true }),
    defaultTemplate: t.exposeString('defaultTemplate', { nullable: true, shareable: true }),
    defaultStyle: t.exposeString('defaultStyle', { nullable: true, shareable: true }),
  }),
});

const GenerationDefaults = builder.objectRef<GenerationDefaultsShape>('GenerationDefaults').implement({
  description: 'What a generation uses when the request leaves it open, from the user’s preferences',
  fields: (t) => ({
    language: t.exposeString('language'),
    model: t.exposeString('model', { nullable: true }),
    style: t.exposeString('style', { nullable: true }),
    template: t.exposeString('template', { nullable: true }),
  }),
});

export const UserRef = builder.externalRef('User', builder.selection<{ id: string }>('id')).implement({
  externalFields: (t) => ({
    preferences: t.field({ type: Preferences, nullable: true }),
  }),
  fields: (t) => ({
    id: t.exposeID('id'),
    generationDefaults: t.field({
      type: GenerationDefaults,
      nullable: true,
      description: 'Null unless the caller may see the user’s preferences (the user or an admin)',
      requires: builder.selection<{ preferences?: PreferencesShape | null }>('preferences { language defaultModel defaultTemplate defaultStyle }'),
      resolve: (user) =>
        user.preferences
          ? { language: user.preferences.language, model: user.preferences.defaultModel, style: user.preferences.defaultStyle, template: user.preferences.defaultTemplate }
          : null,
    }),
  }),
});
