// Reading images; uploads and processing arrive with the media issue.
import type { Viewer } from '../../lib/auth/tokens.js';
import { badInput, unauthenticated } from '../../lib/errors.js';
import type { Image, ImageStore } from './image-store.js';

export function canReadImage(viewer: Viewer | null, image: Image): boolean {
  return viewer !== null && (viewer.userId === image.ownerId || viewer.role === 'ADMIN');
}

export class ImageService {
  constructor(private readonly images: ImageStore) {}

  async myImages(viewer: Viewer | null, first: number): Promise<Image[]> {
    if (!viewer) throw unauthenticated();
    if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be 1 to 100', 'first');
    return this.images.listByOwner(viewer.userId, first);
  }
}
