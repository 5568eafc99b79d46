// npm run schema:print — writes schema/*.graphql and schema/supergraph.graphql.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT, renderSchemaFiles } from './compose-supergraph.js';

for (const [path, content] of renderSchemaFiles()) {
  writeFileSync(path, content);
  console.log(`wrote ${relative(ROOT, path)}`);
}
