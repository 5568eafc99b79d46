import type { BaseContext } from '../../lib/request-context.js';
import type { AiWritingService } from './ai-writing.js';
import type { GenerationService } from './generation-service.js';
import type { GenerationStore } from './generation-store.js';
import type { ImageGenerator } from './image-generation.js';
import type { LayoutOptimizer } from './layout-optimizer.js';
import type { ModelRegistry } from './model-registry.js';

export interface AiContext extends BaseContext {
  generationStore: GenerationStore;
  generations: GenerationService;
  models: ModelRegistry;
  images: ImageGenerator;
  layouts: LayoutOptimizer;
  writing: AiWritingService;
}
