// Seeds the built-in offline writer as a model of the registry, so every client's model list has
// an entry out of the box and requests naming it resolve like any other model. Idempotent.
import type { PrismaClient } from '../lib/db.js';
import { OFFLINE_MODEL_ID } from '../subgraphs/ai/model-registry.js';

export async function seedModels(prisma: PrismaClient): Promise<void> {
  await prisma.aiModel.upsert({
    where: { id: OFFLINE_MODEL_ID },
    create: {
      id: OFFLINE_MODEL_ID,
      name: 'offline',
      providerModel: 'offline-writer',
      provider: 'offline',
      capabilities: ['chat'],
      providerMapping: { chat: 'offline' },
      parameters: { description: 'Built-in writer: no network, works when every model is down' },
    },
    update: {},
  });
}
