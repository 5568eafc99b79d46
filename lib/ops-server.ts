// The internal port every process serves for its operators: /metrics (Prometheus), /health
// (liveness: the process answers) and /readiness (its real dependencies answer). Separate from the
// public port so none of it is reachable from outside by default (METRICS_HOST is loopback).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderMetrics } from './metrics.js';

export type CheckResult = { ok: boolean; error?: string };
export type Readiness = () => Promise<Record<string, CheckResult>>;

export interface OpsServer {
  url: string;
  port: number;
  /** Adds a process's checks to /readiness (several services may share one process and one port). */
  addReadiness(name: string, checks: Readiness): () => void;
  /** First step of a shutdown: /readiness answers 503 from now on, while the process finishes its work. */
  beginShutdown(): void;
  close(): Promise<void>;
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}

/** Runs a check with a short timeout, so a hung dependency reads as "not ready", not a hang. */
export async function check(run: () => Promise<unknown>, timeoutMs = 2000): Promise<CheckResult> {
  try {
    await withTimeout(run(), timeoutMs);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export async function startOpsServer(options: { port: number; host: string; service: string }): Promise<OpsServer> {
  const readiness = new Map<string, Readiness>();
  let stopping = false;
  const server: Server = createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, 'application/json', JSON.stringify({ error: 'method not allowed' }));
    if (path === '/health') return send(200, 'application/json', JSON.stringify({ status: 'healthy', service: options.service }));
    if (path === '/metrics') {
      void renderMetrics().then((text) => send(200, 'text/plain; version=0.0.4; charset=utf-8', text), (error: Error) => send(500, 'text/plain', error.message));
      return;
    }
    if (path === '/readiness') {
      void (async () => {
        const results = await Promise.all([...readiness].map(async ([name, run]) => [name, await run()] as const));
        const checks: Record<string, CheckResult> = {};
        for (const [name, result] of results) for (const [key, value] of Object.entries(result)) checks[`${name}.${key}`] = value;
        // A process that is shutting down stops being ready first, so balancers move traffic away.
        if (stopping) checks.process = { ok: false, error: 'shutting down' };
        const ready = Object.values(checks).every((c) => c.ok);
        send(ready ? 200 : 503, 'application/json', JSON.stringify({ status: ready ? 'ready' : 'not_ready', service: options.service, checks }));
      })();
      return;
    }
    send(404, 'application/json', JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}`,
    port,
    addReadiness(name, checks) {
      readiness.set(name, checks);
      return () => readiness.delete(name);
    },
    beginShutdown() {
      stopping = true;
    },
    async close() {
      stopping = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
