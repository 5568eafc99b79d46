import { forbidden, isUuid, notFound, unauthenticated } from '../../../lib/errors.js';
import { builder } from '../builder.js';
import { canReadImage } from '../image-service.js';
import type { Image as ImageRow } from '../image-store.js';

const UserRef = builder.externalRef('User', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});

export const Image = builder.loadableObject('Image', {
  load: (ids: string[], ctx) => ctx.imageStore.findByIds(ids),
  sort: (image: ImageRow) => image.id,
  fields: (t) => ({
    id: t.exposeID('id'),
    storageKey: t.exposeString('storageKey', { description: 'Object key in storage, under images/' }),
    originalFilename: t.exposeString('originalFilename'),
    mimeType: t.exposeString('mimeType'),
    fileSize: t.exposeInt('fileSize'),
    width: t.exposeInt('width', { nullable: true }),
    height: t.exposeInt('height', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    owner: t.field({ type: UserRef, resolve: (image) => ({ id: image.ownerId }) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.asEntity(Image, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: async (ref, ctx) => {
    if (!isUuid(ref.id)) return null;
    const image = await Image.getDataloader(ctx).load(ref.id).catch(() => null);
    return image && canReadImage(ctx.viewer, image) ? image : null;
  },
});

builder.queryField('image', (t) =>
  t.field({
    type: Image,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const imageId = String(id);
      if (!ctx.viewer) throw unauthenticated();
      const image = isUuid(imageId) ? await Image.getDataloader(ctx).load(imageId).catch(() => null) : null;
      if (!image) throw notFound('Image', imageId);
      if (!canReadImage(ctx.viewer, image)) throw forbidden('This image is not yours');
      return image;
    },
  }),
);

builder.queryField('myImages', (t) =>
  t.field({
    type: [Image],
    args: { first: t.arg.int({ defaultValue: 20 }) },
    resolve: (_root, { first }, ctx) => ctx.images.myImages(ctx.viewer, first ?? 20),
  }),
);

const ImagePage = builder.objectRef<{ items: ImageRow[]; total: number }>('ImagePage').implement({
  fields: (t) => ({
    items: t.field({ type: [Image], resolve: (page) => page.items }),
    total: t.exposeInt('total'),
  }),
});

builder.queryField('myImagePage', (t) =>
  t.field({
    type: ImagePage,
    description: 'A numbered page of my images (page from 1), sortable by created_at, file_size or filename',
    args: { page: t.arg.int({ defaultValue: 1 }), limit: t.arg.int({ defaultValue: 20 }), sortBy: t.arg.string(), sortOrder: t.arg.string() },
    resolve: (_root, args, ctx) => ctx.images.page(ctx.viewer, { page: args.page ?? 1, limit: args.limit ?? 20, sortBy: args.sortBy, sortOrder: args.sortOrder }),
  }),
);
