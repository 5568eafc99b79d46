// A subgraph that serves the router sends one WebSocket frame per subscriber per event, and with the
// router's subscriptions multiplexed over one socket, an edit to a deck with 50 editors is 50 frames
// on the same socket in the same turn of the event loop. Each frame would be its own socket write
// (a system call, and on loopback the whole TCP path); corked until the turn ends they leave as one.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export function coalesceWrites(ws: WebSocket): void {
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  if (!socket) return;
  const send = ws.send.bind(ws) as (...args: unknown[]) => void;
  let corked = false;
  ws.send = ((...args: unknown[]) => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      // After every microtask of this turn: the frames its deliveries produced go out together.
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    send(...args);
  }) as WebSocket['send'];
}
