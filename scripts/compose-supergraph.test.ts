import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT, renderSchemaFiles } from './compose-supergraph.js';

describe('checked-in schemas', () => {
  const files = [...renderSchemaFiles()];

  it.each(files.map(([path, content]) => [relative(ROOT, path), path, content]))(
    '%s matches the code (run `npm run schema:print` if not)',
    (_name, path, content) => {
      expect(readFileSync(path, 'utf8')).toBe(content);
    },
  );

  it('composes all four subgraphs, with the names clients rely on', () => {
    const supergraph = files.find(([path]) => path.endsWith('supergraph.graphql'))![1];
    for (const name of ['USERS', 'DECKS', 'AI', 'MEDIA']) expect(supergraph).toContain(`${name} @join__graph`);
    expect(supergraph).toMatch(/me: User/);
    expect(supergraph).toMatch(/deck\(id: ID!\): Deck/);
    expect(supergraph).toMatch(/generationEvents\(jobId: ID!, after: String\): GenerationEvent!/);
    expect(supergraph).toMatch(/startGeneration\(input: StartGenerationInput!\)/);
  });
});
