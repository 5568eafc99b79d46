// Stable error codes shared by every subgraph, the router and the REST facade. Clients branch on
// `extensions.code` (GraphQL) or `error_code` (REST); messages are for people.
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  // Object storage (COS, disk) is down or refused: worth retrying later, never the caller's fault.
  STORAGE_ERROR: 'STORAGE_ERROR',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** `originalError` is kept for the server's logs, never sent to the client. */
export function coded(code: ErrorCode, message: string, extra: Record<string, unknown> = {}, originalError?: Error): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra }, ...(originalError && { originalError }) });
}

export const unauthenticated = (message = 'Sign in first') => coded(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'You may not do this') => coded(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string, id: string) => coded(ErrorCode.NOT_FOUND, `${what} ${id} not found`, { id });
export const badInput = (message: string, field?: string) =>
  coded(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids; anything else is the caller's mistake, reported before it reaches Postgres. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
