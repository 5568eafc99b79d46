import type { BaseContext } from '../../lib/request-context.js';
import type { ImageService } from './image-service.js';
import type { ImageStore } from './image-store.js';

export interface MediaContext extends BaseContext {
  imageStore: ImageStore;
  images: ImageService;
}
