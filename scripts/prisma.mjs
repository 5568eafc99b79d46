#!/usr/bin/env node
// `node scripts/prisma.mjs <args>`: runs the repo's Prisma CLI. Prisma's native schema engine is
// downloaded by a postinstall that fails silently offline, and then every migrate/db command (and
// even `generate`, which checks for the binary first) fails. In that case only, point Prisma at the
// wasm stand-in (scripts/prisma-schema-engine.mjs); with the native engine present, stock Prisma runs.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modules = join(root, 'node_modules');

// Prisma looks for `schema-engine-<binaryTarget>` in @prisma/engines, then prisma/, node_modules/
// and prisma/runtime/ (see `Could not find ${e} binary` in prisma/build/cli.js).
async function hasNativeEngine() {
  const enginesDir = join(modules, '@prisma/engines');
  let file;
  try {
    const { getBinaryTargetForCurrentPlatform } = createRequire(join(enginesDir, 'package.json'))('@prisma/get-platform');
    const target = await getBinaryTargetForCurrentPlatform();
    file = `schema-engine-${target}${target === 'windows' ? '.exe' : ''}`;
  } catch { /* Prisma's internal platform helper moved: accept any schema-engine-<target> binary */ }
  const isEngine = (name) => (file ? name === file : /^schema-engine-[\w.-]+$/.test(name) && !/\.(sha256|gz|tmp)$/.test(name));
  return [enginesDir, join(modules, 'prisma'), modules, join(modules, 'prisma/runtime')]
    .some((dir) => existsSync(dir) && readdirSync(dir).some(isEngine));
}

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY && !env.PRISMA_MIGRATION_ENGINE_BINARY && !(await hasNativeEngine())) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = join(root, 'scripts/prisma-schema-engine.mjs');
}

const child = spawn(join(modules, '.bin/prisma'), process.argv.slice(2), { stdio: 'inherit', env });
// Ctrl-C reaches Prisma too (same process group); wait for its exit code instead of dying first.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('error', (e) => { console.error(`scripts/prisma.mjs: cannot run Prisma: ${e.message}`); process.exit(1); });
child.on('exit', (code, signal) => process.exit(signal ? 128 + constants.signals[signal] : code ?? 1));
