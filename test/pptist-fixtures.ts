// Where PPTist's own files (AGPL test data, kept outside this repo) are read from, in place: the
// shared folder beside the checkout, or PPTIST_FIXTURES_DIR when the checkout lives elsewhere (a CI
// clone in a temporary folder), or the workplace's fixed location.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function pptistFixturesDir(): string {
  const candidates = [process.env.PPTIST_FIXTURES_DIR, resolve(REPO, '../shared/fixtures/pptist'), '/work/shared/fixtures/pptist'];
  const found = candidates.find((dir) => dir && existsSync(resolve(dir, 'template_1.json')));
  if (!found) throw new Error(`PPTist fixtures not found; set PPTIST_FIXTURES_DIR (looked in: ${candidates.filter(Boolean).join(', ')})`);
  return found;
}

export function pptistFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(resolve(pptistFixturesDir(), name), 'utf8')) as T;
}
