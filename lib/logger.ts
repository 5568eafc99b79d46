// Structured JSON logs. Every line carries the service name; request-scoped loggers add the
// request id the router assigned, so one request can be followed across router and subgraphs.
import { pino, type Logger } from 'pino';
import { config } from './config.js';

export type { Logger };

/** `destination` is for tests that read what would have been written. */
export function createLogger(service: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level: config().LOG_LEVEL,
    base: { service },
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
