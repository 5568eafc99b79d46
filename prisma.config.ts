// Prisma 7 reads its datasource here (not from schema.prisma) and does not load .env itself.
// `prisma generate` runs at install time with no database, so the URL falls back to a placeholder
// instead of failing (env() throws when the variable is unset); commands that connect need it set.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/pptist' },
});
