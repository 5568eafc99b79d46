// main.ts files only listen and stop: a failed boot (bad configuration included) exits 1 with the
// reason, and SIGINT/SIGTERM close everything the process opened before it exits.
import { ConfigError } from './config.js';

export async function runUntilSignal(name: string, start: () => Promise<{ close(): Promise<void> }>): Promise<void> {
  let running: { close(): Promise<void> };
  try {
    running = await start();
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
    }, 10_000);
    timer.unref();
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
