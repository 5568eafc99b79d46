// BENCH_SEPARATE=1: each subgraph runs its own main.ts in a child process, as in production, and
// only the router stays in the benchmark process; the router and the subgraphs then no longer share
// one event loop. The ai generation worker is not started: no scenario enqueues a job.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUBGRAPH_NAMES, type SubgraphName, parseConfig } from '../../lib/config.js';
import { createRouterServer } from '../../router/server.js';
import { freePort } from '../../scripts/local-services.js';
import type { Stack } from '../../test/stack.js';
import { stopService, waitUntilOk } from '../process-stack.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface SubgraphProcess {
  name: SubgraphName;
  url: string;
  child: ChildProcess;
}

export async function startSeparateStack(): Promise<Pick<Stack, 'routerUrl' | 'subgraphUrls' | 'close'>> {
  const subgraphs: SubgraphProcess[] = [];
  try {
    for (const name of SUBGRAPH_NAMES) subgraphs.push(await spawnSubgraph(name));
    await Promise.all(subgraphs.map(waitUntilHealthy));
    const urls = Object.fromEntries(subgraphs.map((s) => [s.name, s.url])) as Record<SubgraphName, string>;
    const config = parseConfig({ ...process.env, USERS_URL: urls.users, DECKS_URL: urls.decks, AI_URL: urls.ai, MEDIA_URL: urls.media });
    const router = await createRouterServer({ config }).listen(0);
    return {
      routerUrl: router.url,
      subgraphUrls: urls,
      async close() {
        await router.close();
        await Promise.all(subgraphs.map(stopSubgraph));
      },
    };
  } catch (error) {
    await Promise.all(subgraphs.map(stopSubgraph));
    throw error;
  }
}

async function spawnSubgraph(name: SubgraphName): Promise<SubgraphProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'subgraphs', name, 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, [`${name.toUpperCase()}_PORT`]: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return { name, url: `http://127.0.0.1:${port}/graphql`, child };
}

const waitUntilHealthy = ({ name, url, child }: SubgraphProcess) => waitUntilOk(url.replace(/\/graphql$/, '/health'), `${name} subgraph`, child);
const stopSubgraph = ({ child }: SubgraphProcess) => stopService(child);
