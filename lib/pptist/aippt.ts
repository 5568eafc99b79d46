// AIPPT slide objects (REST-COMPAT.md section 3): what a model writes and what both client
// families stream. Shared by the ai subgraph (generation, parsing, offline writer), the template
// filler and the router's compatibility streams.
import { z } from 'zod';

export const AipptItemSchema = z.object({ title: z.string(), text: z.string() });

export const AipptSlideSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cover'), data: z.object({ title: z.string(), text: z.string() }) }),
  z.object({ type: z.literal('contents'), data: z.object({ items: z.array(z.string()) }) }),
  z.object({ type: z.literal('transition'), data: z.object({ title: z.string(), text: z.string() }) }),
  z.object({ type: z.literal('content'), data: z.object({ title: z.string(), items: z.array(AipptItemSchema) }) }),
  z.object({ type: z.literal('end'), data: z.object({}) }),
]);

export type AipptSlide = z.infer<typeof AipptSlideSchema>;
export type AipptSlideType = AipptSlide['type'];
export type AipptItem = z.infer<typeof AipptItemSchema>;
