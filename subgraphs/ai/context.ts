import type { BaseContext } from '../../lib/request-context.js';
import type { GenerationService } from './generation-service.js';
import type { GenerationStore } from './generation-store.js';
import type { ImageGenerator } from './image-generation.js';
import type { ModelRegistry } from './model-registry.js';

export interface AiContext extends BaseContext {
  generationStore: GenerationStore;
  generations: GenerationService;
  models: ModelRegistry;
  images: ImageGenerator;
}
