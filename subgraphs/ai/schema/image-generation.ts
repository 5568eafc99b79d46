import { builder, UserError } from '../builder.js';
import { IMAGE_SIZES, type ImageGenerationResult } from '../image-generation.js';

// The media subgraph owns Image; this subgraph hands back the reference and the router fetches the rest.
const ImageRef = builder.externalRef('Image', builder.selection<{ id: string }>('id')).implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});

const GenerateImageInput = builder.inputType('GenerateImageInput', {
  fields: (t) => ({
    prompt: t.string({ required: true, description: '1 to 1000 characters' }),
    model: t.string({ description: 'A model with the image_gen capability (id, provider model or name); default: the platform default, else my own' }),
    size: t.string({ description: `${IMAGE_SIZES.join(', ')} (default 1024x1024)` }),
  }),
});

const GenerateImagePayload = builder.objectRef<ImageGenerationResult>('GenerateImagePayload').implement({
  fields: (t) => ({
    image: t.field({ type: ImageRef, nullable: true, resolve: (r) => (r.ok ? r.image : null) }),
    error: t.field({ type: UserError, nullable: true, resolve: (r) => (r.ok ? null : r.error) }),
  }),
});

builder.mutationField('generateImage', (t) =>
  t.field({
    type: GenerateImagePayload,
    description: 'Draws an image from a prompt with an image model and stores it in my library as a generated image (processing follows, as for uploads)',
    args: { input: t.arg({ type: GenerateImageInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.images.generate(ctx.viewer, input),
  }),
);
