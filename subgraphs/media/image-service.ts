// Reading images; uploads and processing arrive with the media issue.
import type { Viewer } from '../../lib/auth/tokens.js';
import { badInput, unauthenticated } from '../../lib/errors.js';
import type { Image, ImageStore } from './image-store.js';

export function canReadImage(viewer: Viewer | null, image: Image): boolean {
  return viewer !== null && (viewer.userId === image.ownerId || viewer.role === 'ADMIN');
}

const SORTABLE = { created_at: 'createdAt', file_size: 'fileSize', filename: 'originalFilename', original_filename: 'originalFilename' } as const;

export class ImageService {
  constructor(private readonly images: ImageStore) {}

  async page(viewer: Viewer | null, input: { page: number; limit: number; sortBy?: string | null; sortOrder?: string | null }): Promise<{ items: Image[]; total: number }> {
    if (!viewer) throw unauthenticated();
    if (!Number.isInteger(input.page) || input.page < 1) throw badInput('page starts at 1', 'page');
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > 100) throw badInput('limit must be 1 to 100', 'limit');
    const sortBy = SORTABLE[(input.sortBy ?? 'created_at') as keyof typeof SORTABLE];
    if (!sortBy) throw badInput(`sort_by must be one of ${Object.keys(SORTABLE).join(', ')}`, 'sortBy');
    const order = (input.sortOrder ?? 'desc').toLowerCase();
    if (order !== 'asc' && order !== 'desc') throw badInput('sort_order must be asc or desc', 'sortOrder');
    const [items, total] = await this.images.page(viewer.userId, { skip: (input.page - 1) * input.limit, take: input.limit, sortBy, descending: order === 'desc' });
    return { items, total };
  }

  async myImages(viewer: Viewer | null, first: number): Promise<Image[]> {
    if (!viewer) throw unauthenticated();
    if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be 1 to 100', 'first');
    return this.images.listByOwner(viewer.userId, first);
  }
}
