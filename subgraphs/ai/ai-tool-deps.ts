// What the ai subgraph's one-shot AI tools (writing, layout optimisation) are built from: the model
// registry and caller (retries, breaker), the store their usage is recorded in against the daily
// quota, the per-user rate limiter, and the AI agent that reads and writes decks for the user.
import type { Logger } from '../../lib/logger.js';
import type { RateLimiter } from '../../lib/rate-limit.js';
import type { AgentGraphClient } from './agent-graph-client.js';
import type { GenerationStore } from './generation-store.js';
import type { ModelCaller } from './model-call.js';
import type { ModelRegistry } from './model-registry.js';

export interface AiToolDeps {
  models: ModelRegistry;
  caller: ModelCaller;
  store: GenerationStore;
  limiter: RateLimiter;
  agent: AgentGraphClient;
  dailyTokenQuota: number;
  log: Logger;
}
