// The StandardResponse envelope of the REST contract (REST-COMPAT.md), and how coded GraphQL
// errors become HTTP statuses and `error_code`s.
export interface StandardResponse {
  status: 'success' | 'error' | 'warning';
  message: string;
  data: unknown;
  error_code?: string;
  error_details?: Record<string, unknown>;
  timestamp: string;
  request_id: string;
}

export class RestError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorCode: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function success(data: unknown, requestId: string, message = 'OK'): StandardResponse {
  return { status: 'success', message, data, timestamp: new Date().toISOString(), request_id: requestId };
}

export function failure(error: RestError, requestId: string): StandardResponse {
  return {
    status: 'error',
    message: error.message,
    data: null,
    error_code: error.errorCode,
    ...(error.details && { error_details: error.details }),
    timestamp: new Date().toISOString(),
    request_id: requestId,
  };
}

/** A GraphQL error's `extensions` -> the REST error a legacy client understands. */
export function restErrorFromGraphQL(error: { message: string; extensions?: Record<string, unknown> }): RestError {
  const ext = error.extensions ?? {};
  switch (ext.code) {
    case 'UNAUTHENTICATED':
      if (ext.reason === 'expired') return new RestError(401, 'TOKEN_EXPIRED', error.message);
      if (ext.reason === 'invalid') return new RestError(401, 'INVALID_TOKEN', error.message);
      return new RestError(401, 'UNAUTHORIZED', error.message);
    case 'FORBIDDEN':
      return new RestError(403, 'PERMISSION_DENIED', error.message);
    case 'NOT_FOUND':
      return new RestError(404, 'RESOURCE_NOT_FOUND', error.message);
    case 'RATE_LIMITED':
      return new RestError(429, 'RATE_LIMITED', error.message, { retry_after: ext.retryAfter });
    case 'BAD_USER_INPUT':
    case 'GRAPHQL_VALIDATION_FAILED':
      return new RestError(400, 'INVALID_REQUEST', error.message, typeof ext.field === 'string' ? { field: ext.field } : undefined);
    default:
      return new RestError(500, 'INTERNAL_ERROR', 'Internal server error');
  }
}

/** A mutation's UserError (an expected failure returned as data) -> 400 with the offending field. */
export function restErrorFromUserError(error: { code: string; message: string; field?: string | null }): RestError {
  return new RestError(400, 'INVALID_REQUEST', error.message, { code: error.code, ...(error.field && { field: error.field }) });
}
