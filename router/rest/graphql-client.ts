// Runs a named operation through the in-process gateway with the REST caller's credentials.
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER } from '../../lib/logger.js';
import type { Gateway } from '../gateway.js';
import { type OperationName, operations } from './operations.js';
import { RestError, restErrorFromGraphQL } from './standard-response.js';

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

type Caller = { authorization?: string; requestId: string; clientIp?: string; userAgent?: string };

function request(name: OperationName, variables: Record<string, unknown>, caller: Caller, accept: string, signal?: AbortSignal): Request {
  return new Request('http://router.internal/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept,
      [REQUEST_ID_HEADER]: caller.requestId,
      ...(caller.authorization && { authorization: caller.authorization }),
      ...(caller.clientIp && { [CLIENT_IP_HEADER]: caller.clientIp }),
      ...(caller.userAgent && { 'user-agent': caller.userAgent }),
    },
    body: JSON.stringify({ query: operations[name], operationName: name, variables }),
    signal,
  });
}

export async function runOperation<T>(gateway: Gateway, name: OperationName, variables: Record<string, unknown>, caller: Caller): Promise<T> {
  const response = await gateway.fetch(request(name, variables, caller, 'application/graphql-response+json'));
  const body = (await response.json()) as GraphQLResponse<T>;
  const first = body.errors?.[0];
  // Variables that do not fit the schema (a wrong enum value, an unknown field) are the REST
  // caller's mistake: the gateway answers 400 without a code.
  if (first && response.status === 400 && !first.extensions?.code) throw new RestError(400, 'INVALID_REQUEST', first.message);
  if (first) throw restErrorFromGraphQL(first);
  if (!body.data) throw new RestError(500, 'INTERNAL_ERROR', 'Internal server error');
  return body.data;
}

/**
 * Runs a subscription through the gateway (GraphQL over SSE) and yields each result's data until
 * it completes or `signal` aborts. An error result ends the stream with the matching RestError.
 */
export async function* subscribeOperation<T>(gateway: Gateway, name: OperationName, variables: Record<string, unknown>, caller: Caller, signal: AbortSignal): AsyncGenerator<T> {
  const response = await gateway.fetch(request(name, variables, caller, 'text/event-stream', signal));
  if (!response.body) throw new RestError(500, 'INTERNAL_ERROR', 'Internal server error');
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = pending.indexOf('\n\n')) >= 0) {
      const message = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const lines = message.split('\n');
      const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
      if (event === 'complete') return;
      const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
      if (!data) continue;
      const result = JSON.parse(data) as GraphQLResponse<T>;
      const first = result.errors?.[0];
      if (first) throw restErrorFromGraphQL(first);
      if (result.data) yield result.data;
    }
  }
}
