// User configuration the other subgraphs read through the graph (User.preferences).
import { z } from 'zod';
import type { Viewer } from '../../lib/auth/tokens.js';
import { unauthenticated } from '../../lib/errors.js';
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import type { PreferencesStore, UserPreferences } from './preferences-store.js';
import { userErrorFromZod } from '../../lib/graphql/user-error.js';

export const LANGUAGES = ['zh-CN', 'en', 'ja'] as const;
export const STYLES = ['general', 'academic', 'business', 'education', 'marketing'] as const;

export interface PreferencesView {
  language: string;
  defaultModel: string | null;
  defaultTemplate: string | null;
  defaultStyle: string | null;
  version: number;
}

export const DEFAULT_PREFERENCES: PreferencesView = { language: 'zh-CN', defaultModel: null, defaultTemplate: null, defaultStyle: null, version: 0 };

const Patch = z.object({
  language: z.enum(LANGUAGES).optional(),
  defaultModel: z.string().trim().min(1).max(100).nullable().optional(),
  defaultTemplate: z.string().trim().min(1).max(100).nullable().optional(),
  defaultStyle: z.enum(STYLES).nullable().optional(),
  expectedVersion: z.number().int().min(0).optional(),
});

export type PreferencesResult = { ok: true; preferences: PreferencesView } | { ok: false; error: UserErrorShape };

export function view(row: UserPreferences | undefined): PreferencesView {
  return row
    ? { language: row.language, defaultModel: row.defaultModel, defaultTemplate: row.defaultTemplate, defaultStyle: row.defaultStyle, version: row.version }
    : DEFAULT_PREFERENCES;
}

export class PreferencesService {
  constructor(private readonly store: PreferencesStore) {}

  async update(viewer: Viewer | null, input: z.input<typeof Patch>): Promise<PreferencesResult> {
    if (!viewer) throw unauthenticated();
    const parsed = Patch.safeParse(input);
    if (!parsed.success) return { ok: false, error: userErrorFromZod(parsed.error) };
    const { expectedVersion, ...patch } = parsed.data;
    const row = await this.store.update(viewer.userId, patch, expectedVersion);
    if (!row) return { ok: false, error: { code: 'CONFLICT', message: 'Preferences changed meanwhile; reload and try again', field: 'expectedVersion' } };
    return { ok: true, preferences: view(row) };
  }
}
