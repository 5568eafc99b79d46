// The checked-in migrations must build exactly the database schema.prisma describes.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { prismaCli } from '../scripts/migrate.js';

const ROOT = resolve(import.meta.dirname ?? '.', '..');

it('prisma/migrations match prisma/schema.prisma (migrate diff --exit-code)', () => {
  // Exit code 0: no difference; 2: a difference (execFileSync throws and the test fails).
  const output = prismaCli(
    ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema', 'prisma/schema.prisma', '--exit-code'],
    process.env.DATABASE_URL!,
  );
  expect(output).toMatch(/No difference detected/);
});

it('reports a difference when schema.prisma gains a field the migrations lack', () => {
  const schema = readFileSync(resolve(ROOT, 'prisma/schema.prisma'), 'utf8');
  const changed = schema.replace('  lastLoginAt  DateTime?', '  nickname     String?\n  lastLoginAt  DateTime?');
  expect(changed).not.toBe(schema);
  const dir = mkdtempSync(join(tmpdir(), 'pptist-schema-'));
  writeFileSync(join(dir, 'schema.prisma'), changed);
  let status: number | undefined;
  try {
    prismaCli(['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema', `${dir}/schema.prisma`, '--exit-code'], process.env.DATABASE_URL!);
    status = 0;
  } catch (error) {
    status = (error as { status?: number }).status;
  }
  expect(status).toBe(2);
});
