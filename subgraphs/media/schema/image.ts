import { builder, UserError } from '../builder.js';
import type { ImageStatusMessage } from '../image-events.js';
import { canReadImage, type ImageResult, type UploadResult, type UploadTicket } from '../image-service.js';
import type { ImageWithTags, Tag } from '../image-store.js';

const UserRef = builder.externalRef('User', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});

const ImageStatus = builder.enumType('ImageStatus', {
  description: 'PENDING: waiting for its bytes; PROCESSING: stored, variants being made; READY; FAILED',
  values: ['PENDING', 'PROCESSING', 'READY', 'FAILED'] as const,
});

export const Image = builder.loadableObject('Image', {
  load: (ids: string[], ctx) => ctx.imageStore.findByIds(ids),
  sort: (image: ImageWithTags) => image.id,
  fields: (t) => ({
    id: t.exposeID('id'),
    storageKey: t.exposeString('storageKey', { description: 'Object key in storage: images/{userId}/{uuid}.{ext}' }),
    originalFilename: t.exposeString('originalFilename'),
    mimeType: t.exposeString('mimeType'),
    fileSize: t.exposeInt('fileSize'),
    width: t.exposeInt('width', { nullable: true }),
    height: t.exposeInt('height', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    status: t.field({ type: ImageStatus, resolve: (image) => image.status }),
    processingError: t.exposeString('processingError', { nullable: true }),
    sourceType: t.exposeString('sourceType', { description: 'uploaded or generated' }),
    prompt: t.exposeString('prompt', { nullable: true }),
    generationModel: t.exposeString('generationModel', { nullable: true }),
    isPublic: t.exposeBoolean('isPublic'),
    tags: t.stringList({ resolve: (image) => image.tags.map((entry) => entry.tag.name) }),
    link: t.string({ description: 'A stable link for slides (/api/v1/img-access/…?sig=…): anyone holding it may see the image', resolve: (image, _args, ctx) => ctx.images.imageLink(image.storageKey) }),
    url: t.string({ description: 'A short-lived signed URL of the original', resolve: (image, _args, ctx) => ctx.images.signedUrl(image.storageKey) }),
    thumbnailUrl: t.string({ nullable: true, description: 'Signed URL of the 320px thumbnail once processed', resolve: (image, _args, ctx) => (image.status === 'READY' && image.thumbnailKey ? ctx.images.signedUrl(image.thumbnailKey) : null) }),
    webUrl: t.string({ nullable: true, description: 'Signed URL of the web-friendly variant once processed', resolve: (image, _args, ctx) => (image.status === 'READY' && image.webKey ? ctx.images.signedUrl(image.webKey) : null) }),
    storageType: t.string({ description: 'cos or local', resolve: (_image, _args, ctx) => ctx.images.storageKind }),
    owner: t.field({ type: UserRef, resolve: (image) => ({ id: image.ownerId }) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

// Two keys: other subgraphs know an image by id, and decks know it by its storage key (the key an
// image element's src carries), so a deck can resolve the library images its slides show.
builder.asEntity(Image, {
  key: [builder.selection<{ id: string }>('id'), builder.selection<{ storageKey: string }>('storageKey')],
  resolveReference: async (ref, ctx) => {
    const image = 'id' in ref ? await Image.getDataloader(ctx).load(ref.id).catch(() => null) : await ctx.imageStore.findByAnyKey(ref.storageKey);
    return image && image.status !== 'PENDING' && canReadImage(ctx.viewer, image) ? image : null;
  },
});

// The users subgraph owns User; the image library adds a person's images to it.
builder.objectField(UserRef, 'images', (t) =>
  t.field({
    type: [Image],
    description: 'Images of this user the caller may see (all of them for the user; public ones for others), newest first',
    args: { first: t.arg.int({ defaultValue: 20 }) },
    resolve: (user, { first }, ctx) => ctx.images.imagesOf(ctx.viewer, user.id, first ?? 20),
  }),
);

builder.queryField('image', (t) =>
  t.field({ type: Image, nullable: true, args: { id: t.arg.id({ required: true }) }, resolve: (_root, { id }, ctx) => ctx.images.readable(ctx.viewer, String(id)) }),
);

builder.queryField('myImages', (t) =>
  t.field({
    type: [Image],
    args: { first: t.arg.int({ defaultValue: 20 }) },
    resolve: (_root, { first }, ctx) => ctx.images.myImages(ctx.viewer, first ?? 20),
  }),
);

const ImagePage = builder.objectRef<{ items: ImageWithTags[]; total: number }>('ImagePage').implement({
  fields: (t) => ({
    items: t.field({ type: [Image], resolve: (page) => page.items }),
    total: t.exposeInt('total'),
  }),
});

builder.queryField('myImagePage', (t) =>
  t.field({
    type: ImagePage,
    description: 'A numbered page of my images (page from 1), filtered by source, tags (all must match) and words; sortable by created_at, file_size or filename',
    args: {
      page: t.arg.int({ defaultValue: 1 }),
      limit: t.arg.int({ defaultValue: 20 }),
      sortBy: t.arg.string(),
      sortOrder: t.arg.string(),
      sourceType: t.arg.string(),
      tags: t.arg.stringList(),
      query: t.arg.string(),
    },
    resolve: (_root, args, ctx) =>
      ctx.images.page(ctx.viewer, { page: args.page ?? 1, limit: args.limit ?? 20, sortBy: args.sortBy, sortOrder: args.sortOrder, sourceType: args.sourceType, tags: args.tags, query: args.query }),
  }),
);

builder.queryField('searchImages', (t) =>
  t.field({
    type: [Image],
    description: 'Text search over description, prompt, file name and tags; threshold (50–100) is the share of words an image must match',
    args: { query: t.arg.string({ required: true }), limit: t.arg.int({ defaultValue: 20 }), threshold: t.arg.int({ defaultValue: 70 }), includePublic: t.arg.boolean({ defaultValue: false }) },
    resolve: (_root, args, ctx) => ctx.images.search(ctx.viewer, { query: args.query, limit: args.limit ?? 20, threshold: args.threshold ?? 70, includePublic: args.includePublic ?? false }),
  }),
);

const ImageAccess = builder.objectRef<{ url: string; contentType: string; image: ImageWithTags }>('ImageAccess').implement({
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Short-lived signed URL' }),
    contentType: t.exposeString('contentType'),
    image: t.field({ type: Image, resolve: (access) => access.image }),
  }),
});

builder.queryField('imageAccess', (t) =>
  t.field({
    type: ImageAccess,
    description: 'A signed URL for a key (an original or a variant), if the caller owns it, it is public, or they hold its signed link',
    args: { key: t.arg.string({ required: true }), signature: t.arg.string() },
    resolve: (_root, { key, signature }, ctx) => ctx.images.access(ctx.viewer, key, signature),
  }),
);

// --------------------------------------------------------------------------------------- writes

const UploadTicketType = builder.objectRef<UploadTicket>('ImageUploadTicket').implement({
  description: 'PUT the bytes to uploadUrl with exactly this Content-Type before expiresAt, then confirmImageUpload',
  fields: (t) => ({
    imageId: t.exposeID('imageId'),
    key: t.exposeString('key'),
    uploadUrl: t.exposeString('uploadUrl'),
    method: t.exposeString('method'),
    contentType: t.exposeString('contentType'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const UploadPayload = builder.objectRef<UploadResult>('RequestImageUploadPayload').implement({
  fields: (t) => ({
    upload: t.field({ type: UploadTicketType, nullable: true, resolve: (r) => (r.ok ? r.upload : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

const ImagePayload = builder.objectRef<ImageResult>('ImagePayload').implement({
  fields: (t) => ({
    image: t.field({ type: Image, nullable: true, resolve: (r) => (r.ok ? r.image : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

const GeneratedImageInput = builder.inputType('GeneratedImageInput', {
  description: 'Marks an upload as an AI image: the prompt it came from and the model that drew it',
  fields: (t) => ({ prompt: t.string({ required: true }), model: t.string({ required: true }) }),
});

builder.mutationField('requestImageUpload', (t) =>
  t.field({
    type: UploadPayload,
    args: {
      filename: t.arg.string({ required: true }),
      contentType: t.arg.string({ required: true }),
      description: t.arg.string(),
      generated: t.arg({ type: GeneratedImageInput, description: 'Services only (the AI agent): FORBIDDEN for everyone else' }),
    },
    resolve: (_root, args, ctx) => ctx.images.requestUpload(ctx.viewer, args),
  }),
);

builder.mutationField('uploadImageBytes', (t) =>
  t.field({
    type: ImagePayload,
    description: 'Services only (the AI agent): the bytes of a pending upload as base64, instead of a PUT to its upload URL; confirm follows as usual',
    args: { imageId: t.arg.id({ required: true }), base64: t.arg.string({ required: true }) },
    resolve: (_root, { imageId, base64 }, ctx) => ctx.images.putBytes(ctx.viewer, String(imageId), base64),
  }),
);

builder.mutationField('confirmImageUpload', (t) =>
  t.field({
    type: ImagePayload,
    description: 'Checks the uploaded bytes (type by magic bytes, size, dimensions; SVG sanitised) and starts processing; a refused upload is removed',
    args: { imageId: t.arg.id({ required: true }) },
    resolve: (_root, { imageId }, ctx) => ctx.images.confirmUpload(ctx.viewer, String(imageId)),
  }),
);

builder.mutationField('updateImage', (t) =>
  t.field({
    type: ImagePayload,
    args: { id: t.arg.id({ required: true }), description: t.arg.string(), isPublic: t.arg.boolean() },
    resolve: (_root, { id, description, isPublic }, ctx) => ctx.images.update(ctx.viewer, String(id), { description, isPublic }),
  }),
);

const TagOperation = builder.enumType('ImageTagOperation', { values: ['ADD', 'REMOVE', 'REPLACE'] as const });

builder.mutationField('changeImageTags', (t) =>
  t.field({
    type: ImagePayload,
    args: { id: t.arg.id({ required: true }), tags: t.arg.stringList({ required: true }), operation: t.arg({ type: TagOperation, required: true }) },
    resolve: (_root, { id, tags, operation }, ctx) => ctx.images.changeTags(ctx.viewer, String(id), tags, operation.toLowerCase() as 'add' | 'remove' | 'replace'),
  }),
);

const DeletedImage = builder.objectRef<{ id: string; deleted: boolean }>('DeletedImage').implement({
  fields: (t) => ({ id: t.exposeID('id'), deleted: t.exposeBoolean('deleted', { description: 'False when it was already gone (deletes are idempotent)' }) }),
});

builder.mutationField('deleteImages', (t) =>
  t.field({
    type: [DeletedImage],
    description: 'Deletes images (objects and rows); ids that are gone come back deleted: false',
    args: { ids: t.arg.idList({ required: true }) },
    resolve: async (_root, { ids }, ctx) => {
      const results = [];
      for (const id of ids.slice(0, 100)) results.push(await ctx.images.delete(ctx.viewer, String(id)));
      return results;
    },
  }),
);

// ----------------------------------------------------------------------------------------- tags

const TagType = builder.objectRef<Tag & { usageCount: number }>('ImageTag').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    usageCount: t.exposeInt('usageCount'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const TagPage = builder.objectRef<{ items: (Tag & { usageCount: number })[]; total: number }>('ImageTagPage').implement({
  fields: (t) => ({ items: t.field({ type: [TagType], resolve: (page) => page.items }), total: t.exposeInt('total') }),
});

builder.queryField('imageTags', (t) =>
  t.field({
    type: TagPage,
    description: 'The tag library; sortBy name, usage or created_at',
    args: { query: t.arg.string(), page: t.arg.int({ defaultValue: 1 }), limit: t.arg.int({ defaultValue: 20 }), sortBy: t.arg.string(), sortOrder: t.arg.string() },
    resolve: (_root, args, ctx) => ctx.images.tagLibrary(ctx.viewer, { query: args.query, page: args.page ?? 1, limit: args.limit ?? 20, sortBy: args.sortBy, sortOrder: args.sortOrder }),
  }),
);

builder.mutationField('createImageTag', (t) =>
  t.field({ type: TagType, args: { name: t.arg.string({ required: true }), description: t.arg.string() }, resolve: (_root, { name, description }, ctx) => ctx.images.createTag(ctx.viewer, name, description ?? null) }),
);

builder.mutationField('deleteImageTag', (t) =>
  t.field({ type: 'Boolean', description: 'Admins only: removes the tag from every image', args: { name: t.arg.string({ required: true }) }, resolve: (_root, { name }, ctx) => ctx.images.deleteTag(ctx.viewer, name) }),
);

// -------------------------------------------------------------------------------- subscription

const ImageStatusEvent = builder.objectRef<ImageStatusMessage>('ImageStatusEvent').implement({
  fields: (t) => ({
    imageId: t.exposeID('imageId'),
    status: t.field({ type: ImageStatus, resolve: (m) => m.status as 'PENDING' }),
    error: t.exposeString('error', { nullable: true }),
    image: t.field({ type: Image, nullable: true, resolve: (m, _args, ctx) => Image.getDataloader(ctx).load(m.imageId).catch(() => null) }),
  }),
});

builder.subscriptionField('imageStatus', (t) =>
  t.field({
    type: ImageStatusEvent,
    description: 'The image’s processing status now, then each change, until READY or FAILED',
    args: { imageId: t.arg.id({ required: true }) },
    subscribe: (_root, { imageId }, ctx) => ctx.images.followStatus(ctx.viewer, String(imageId)),
    resolve: (message) => message,
  }),
);
