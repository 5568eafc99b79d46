// main.ts files only listen and stop: a failed boot (bad configuration included) exits 1 with the
// reason, and SIGINT/SIGTERM close everything the process opened before it exits. Every process
// serves the ops port (/metrics, /health, /readiness) from before it starts until it has stopped.
//
// Shutdown order: /readiness turns 503 (balancers move traffic away), then the process's own
// close() (HTTP stops accepting, subscriptions end with 1001, in-flight requests get a grace
// period; workers hand running jobs back; then Redis and Prisma), then the ops port, then tracing
// flushes. A clean stop exits 0; one that outlives the deadline exits 1.
import { ConfigError, config } from './config.js';
import { startTracingFromConfig, stopTracing } from './observability/tracing.js';
import { type OpsServer, startOpsServer } from './ops-server.js';

/** The whole shutdown: HTTP's grace (SHUTDOWN_GRACE_MS) plus time to close workers and clients. */
const SHUTDOWN_DEADLINE_MS = 10_000;

export async function runUntilSignal(name: string, start: (ops: OpsServer) => Promise<{ close(): Promise<void> }>): Promise<void> {
  let ops: OpsServer;
  let running: { close(): Promise<void> };
  try {
    // First, so everything the process opens is traced (when configured); a bad configuration
    // fails here with the list of problems.
    startTracingFromConfig(name);
    ops = await startOpsServer({ port: config().METRICS_PORT, host: config().METRICS_HOST, service: name });
    running = await start(ops);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      console.error(`${name}: shutdown took too long after ${signal}; exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    timer.unref();
    try {
      ops.beginShutdown();
      await running.close();
      await ops.close();
      await stopTracing();
    } catch (error) {
      console.error(`${name}: shutdown failed`, error);
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
