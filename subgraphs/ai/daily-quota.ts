// The daily token quota, checked before any model call that counts towards it (generation jobs,
// AI writing). Usage is per UTC day (generation-store.ts usageDay); 0 means no quota.
import type { UserErrorShape } from '../../lib/graphql/subgraph-builder.js';
import type { GenerationStore } from './generation-store.js';

export async function quotaProblem(store: GenerationStore, userId: string, quota: number): Promise<UserErrorShape | null> {
  if (quota <= 0) return null;
  const usage = await store.usageOn(userId);
  if (!usage || usage.promptTokens + usage.completionTokens < quota) return null;
  return { code: 'QUOTA_EXCEEDED', message: `Today's model quota of ${quota} tokens is spent; it resets at 00:00 UTC` };
}
