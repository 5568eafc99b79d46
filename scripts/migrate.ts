// Applies the checked-in migrations to DATABASE_URL with the Prisma CLI (through scripts/prisma.mjs,
// which supplies the wasm schema engine where the native one is missing).
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function prismaCli(args: string[], databaseUrl: string): string {
  return execFileSync(process.execPath, [resolve(ROOT, 'scripts/prisma.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function migrateDeploy(databaseUrl: string): void {
  prismaCli(['migrate', 'deploy'], databaseUrl);
}

/** Applies migrations, then seeds what the product ships (templates, the offline model). */
export async function migrateAndSeed(databaseUrl: string): Promise<void> {
  migrateDeploy(databaseUrl);
  const { createPrisma } = await import('../lib/db.js');
  const { seedTemplates } = await import('../prisma/seed-templates.js');
  const { seedModels } = await import('../prisma/seed-models.js');
  const prisma = createPrisma({ url: databaseUrl });
  try {
    await seedTemplates(prisma);
    await seedModels(prisma);
  } finally {
    await prisma.$disconnect();
  }
}
