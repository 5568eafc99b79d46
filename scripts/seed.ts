// npm run seed — the product templates (also run by `npm start` and the test set-up).
import { createPrisma } from '../lib/db.js';
import { seedTemplates } from '../prisma/seed-templates.js';

const prisma = createPrisma();
try {
  const { created, kept } = await seedTemplates(prisma);
  console.log(`templates: ${created} created, ${kept} already present`);
} finally {
  await prisma.$disconnect();
}
