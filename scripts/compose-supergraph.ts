// Prints every subgraph's SDL and composes the supergraph, as `supergraph.yaml` lists them.
// `renderSchemaFiles` is pure (nothing written) so a test can compare it with the checked-in files.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@theguild/federation-composition';
import { type GraphQLSchema, parse } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { printSubgraphSdl } from '../lib/graphql/print-subgraph.js';
import { buildAiSchema } from '../subgraphs/ai/schema/index.js';
import { buildDecksSchema } from '../subgraphs/decks/schema/index.js';
import { buildMediaSchema } from '../subgraphs/media/schema/index.js';
import { buildUsersSchema } from '../subgraphs/users/schema/index.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SUPERGRAPH_FILE = resolve(ROOT, 'schema/supergraph.graphql');

const BUILDERS: Record<string, () => GraphQLSchema> = {
  users: buildUsersSchema,
  decks: buildDecksSchema,
  ai: buildAiSchema,
  media: buildMediaSchema,
};

interface SupergraphYaml {
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

export function readSupergraphConfig(): SupergraphYaml {
  return parseYaml(readFileSync(resolve(ROOT, 'supergraph.yaml'), 'utf8')) as SupergraphYaml;
}

/** Absolute path -> file content, for every subgraph SDL and the supergraph. */
export function renderSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const services = Object.entries(readSupergraphConfig().subgraphs).map(([name, entry]) => {
    const build = BUILDERS[name];
    if (!build) throw new Error(`supergraph.yaml lists "${name}", which is not a subgraph of this repo`);
    const sdl = printSubgraphSdl(build());
    files.set(resolve(ROOT, entry.schema.file), sdl);
    return { name, url: entry.routing_url, typeDefs: parse(sdl) };
  });
  const result = composeServices(services);
  if (result.errors?.length || !result.supergraphSdl) {
    throw new Error(`Composition failed:\n${(result.errors ?? []).map((e) => `  - ${e.message}`).join('\n')}`);
  }
  files.set(SUPERGRAPH_FILE, `${result.supergraphSdl.trim()}\n`);
  return files;
}
