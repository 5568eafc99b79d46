// How a process lets go of its work when told to stop (SIGTERM from an orchestrator, Ctrl-C):
// HTTP servers stop accepting connections and give in-flight requests a grace period, graphql-ws
// sockets are closed with 1001 Going Away (clients reconnect, to another replica), and BullMQ
// workers hand their running jobs back to the queue instead of leaving them to lock expiry.
import type { Server } from 'node:http';
import { type Job, WaitingError, type Worker } from 'bullmq';
import type { WebSocketServer } from 'ws';

/**
 * In-flight HTTP requests get this long to finish before their connections are cut. Below the
 * 10 s runUntilSignal allows the whole shutdown, so workers, Redis and Prisma still close in time.
 */
export const SHUTDOWN_GRACE_MS = 5_000;

/** 1001 Going Away: the server (not the client or the protocol) ends the socket; reconnecting is right. */
export const GOING_AWAY = { code: 1001, reason: 'server shutting down' } as const;

/** Ends every open graphql-ws socket with 1001, so subscribers know to reconnect. */
export function closeSubscriptions(wss: WebSocketServer): void {
  for (const socket of wss.clients) socket.close(GOING_AWAY.code, GOING_AWAY.reason);
}

/**
 * Stops accepting connections, lets the requests in flight finish within `graceMs`, then cuts what
 * is left. Idle keep-alive connections close at once, and each busy one as soon as its last
 * response is sent. Upgraded (WebSocket) sockets are not HTTP connections: `sockets` ends them.
 */
export async function drainHttpServer(server: Server, options: { graceMs?: number; sockets?: WebSocketServer } = {}): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // server.close() drops the connections idle right now; these are the ones that become idle later.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace over'>((resolve) => (timer = setTimeout(() => resolve('grace over'), options.graceMs ?? SHUTDOWN_GRACE_MS)));
  try {
    if ((await Promise.race([closed, graceOver])) === 'grace over') {
      server.closeAllConnections();
      for (const socket of options.sockets?.clients ?? []) socket.terminate();
      await closed;
    }
  } finally {
    clearInterval(idle);
    clearTimeout(timer);
  }
}

/** Thrown by a processor that stopped mid-job because its worker is shutting down. */
export class JobInterrupted extends Error {
  override readonly name = 'JobInterrupted';
}

/**
 * A BullMQ processor whose running jobs go back to the queue when the worker stops: `run` gets a
 * signal that aborts on stop, and a job that ends by throwing JobInterrupted (or arrives after the
 * stop) is moved back to waiting. Waiting, not failed: no attempt is spent and no backoff applies,
 * so another worker takes it at once. A job `run` finishes anyway simply completes.
 */
export function handBackOnStop<T>(run: (job: Job<T>, signal: AbortSignal) => Promise<unknown>) {
  const stopping = new AbortController();
  return {
    processor: async (job: Job<T>, token?: string): Promise<void> => {
      try {
        if (stopping.signal.aborted) throw new JobInterrupted('worker stopping');
        await run(job, stopping.signal);
      } catch (error) {
        if (!(error instanceof JobInterrupted)) throw error;
        await job.moveToWait(token);
        // Tells BullMQ the job was moved on purpose: neither completed nor failed.
        throw new WaitingError();
      }
    },
    /** Takes no more jobs, interrupts the running ones and waits until they are back in the queue. */
    async stop(worker: Worker<T>, close: (worker: Worker<T>) => Promise<void>): Promise<void> {
      // close() marks the worker closing synchronously, so nothing new starts after the abort.
      const closing = close(worker);
      stopping.abort();
      await closing;
    },
  };
}
