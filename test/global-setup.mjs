// Jest loads global set-up outside its module mapper and transformer, so the TypeScript set-up is
// loaded through tsx (the same loader `npm start` uses).
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { setUpServices } = await tsImport('./services.ts', import.meta.url);
  await setUpServices();
}
