// npm run seed — the product templates and the offline model (also run by `npm start` and the test set-up).
import { createPrisma } from '../lib/db.js';
import { seedModels } from '../prisma/seed-models.js';
import { seedTemplates } from '../prisma/seed-templates.js';

const prisma = createPrisma();
try {
  const { created, kept } = await seedTemplates(prisma);
  console.log(`templates: ${created} created, ${kept} already present`);
  await seedModels(prisma);
  console.log('models: the built-in offline writer is registered');
} finally {
  await prisma.$disconnect();
}
