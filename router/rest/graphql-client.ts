// Runs a named operation through the in-process gateway with the REST caller's credentials.
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER } from '../../lib/logger.js';
import type { Gateway } from '../gateway.js';
import { type OperationName, operations } from './operations.js';
import { RestError, restErrorFromGraphQL } from './standard-response.js';

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export async function runOperation<T>(
  gateway: Gateway,
  name: OperationName,
  variables: Record<string, unknown>,
  caller: { authorization?: string; requestId: string; clientIp?: string; userAgent?: string },
): Promise<T> {
  const response = await gateway.fetch('http://router.internal/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      [REQUEST_ID_HEADER]: caller.requestId,
      ...(caller.authorization && { authorization: caller.authorization }),
      ...(caller.clientIp && { [CLIENT_IP_HEADER]: caller.clientIp }),
      ...(caller.userAgent && { 'user-agent': caller.userAgent }),
    },
    body: JSON.stringify({ query: operations[name], operationName: name, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  const first = body.errors?.[0];
  if (first) throw restErrorFromGraphQL(first);
  if (!body.data) throw new RestError(500, 'INTERNAL_ERROR', 'Internal server error');
  return body.data;
}
