// Seeds the product's own templates (prisma/templates/*.json, original designs) as public template
// decks owned by a system account that cannot sign in. Idempotent: fixed ids, existing rows kept.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '../lib/auth/passwords.js';
import type { PrismaClient } from '../lib/db.js';
import { splitDocument, type DocumentLike } from '../subgraphs/decks/deck-parts.js';
import { DeckStore } from '../subgraphs/decks/deck-store.js';
import { parsePptistDocument } from '../lib/pptist/document.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SYSTEM_USER_ID = '00000000-0000-4000-8000-00000000a1a1';
export const PRODUCT_TEMPLATES = [
  { id: '00000000-0000-4000-8000-0000000007a1', file: 'aurora.json' },
  { id: '00000000-0000-4000-8000-0000000007a2', file: 'paper.json' },
] as const;

export async function seedTemplates(prisma: PrismaClient): Promise<{ created: number; kept: number }> {
  await prisma.user.upsert({
    where: { id: SYSTEM_USER_ID },
    create: { id: SYSTEM_USER_ID, email: 'templates@ai-pptist.invalid', name: 'AI PPTist', passwordHash: await hashPassword(crypto.randomUUID()), isActive: false },
    update: {},
  });
  const store = new DeckStore(prisma);
  let created = 0;
  for (const template of PRODUCT_TEMPLATES) {
    if (await prisma.deck.findUnique({ where: { id: template.id } })) continue;
    const parsed = parsePptistDocument(JSON.parse(readFileSync(join(HERE, 'templates', template.file), 'utf8')));
    if (!parsed.ok) throw new Error(`template ${template.file} is not a valid PPTist document: ${parsed.message}`);
    const deck = await store.create(SYSTEM_USER_ID, splitDocument(parsed.document as DocumentLike), { isTemplate: true, templateVisibility: 'PUBLIC' });
    // Fixed ids keep seeding idempotent and let clients link to the product templates.
    await prisma.deck.update({ where: { id: deck.id }, data: { id: template.id } });
    created += 1;
  }
  return { created, kept: PRODUCT_TEMPLATES.length - created };
}
