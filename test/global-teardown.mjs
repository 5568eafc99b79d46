import { tsImport } from 'tsx/esm/api';

export default async function globalTeardown() {
  const { tearDownServices } = await tsImport('./services.ts', import.meta.url);
  await tearDownServices();
}
