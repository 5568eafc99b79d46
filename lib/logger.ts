// Structured JSON logs. Every line carries the service name; request-scoped loggers add the
// request id the router assigned, so one request can be followed across router and subgraphs.
import { pino, type Logger } from 'pino';
import { config } from './config.js';
import { activeTraceId } from './observability/tracing.js';

export type { Logger };

let capture: { stream: pino.DestinationStream; level: pino.Level } | null = null;

/** Tests: every logger created after this writes to `stream` at `level` (to read what would have been written). */
export function captureLogs(stream: pino.DestinationStream, level: pino.Level = 'trace'): void {
  capture = { stream, level };
}

/** `destination` is for tests that read what would have been written. */
export function createLogger(service: string, destination: pino.DestinationStream | undefined = capture?.stream): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level: capture?.level ?? config().LOG_LEVEL,
    base: { service },
    // The trace a line belongs to, when the work is traced: logs and spans join on it.
    mixin: () => {
      const traceId = activeTraceId();
      return traceId ? { traceId } : {};
    },
    // Credentials must never reach the logs, whatever object a caller passes.
    redact: {
      paths: [
        'password', '*.password', 'currentPassword', '*.currentPassword', 'newPassword', '*.newPassword',
        'authorization', '*.authorization', 'headers.authorization', 'token', '*.token',
        'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken', 'clientSecret', '*.clientSecret',
        'key', '*.key', 'apiKey', '*.apiKey', 'variables.input.password', 'variables.input.key',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const REQUEST_ID_HEADER = 'x-request-id';
/** Set by the router from the connection (or a trusted proxy); subgraphs rate-limit and audit on it. */
export const CLIENT_IP_HEADER = 'x-client-ip';
