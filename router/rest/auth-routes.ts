// /api/v1/auth/* in the shapes of the REST contract, each a named GraphQL operation.
import type express from 'express';
import type { Gateway } from '../gateway.js';
import { runOperation } from './graphql-client.js';
import { bodyOf, type Caller, type Handler, requireString, requireToken } from './handler.js';
import { type GraphAuth, type GraphSession, type GraphUser, restAuth, restSession, restUser } from './representations.js';
import { RestError, restErrorFromUserError } from './standard-response.js';

const AUTH_ERRORS: Record<string, [number, string]> = {
  INVALID_CREDENTIALS: [401, 'UNAUTHORIZED'],
  INVALID_REFRESH_TOKEN: [401, 'INVALID_TOKEN'],
};

function authData(auth: GraphAuth) {
  if (auth.error || !auth.accessToken) {
    const error = auth.error ?? { code: 'UNKNOWN', message: 'Not signed in' };
    const mapped = AUTH_ERRORS[error.code];
    if (mapped) throw new RestError(mapped[0], mapped[1], error.message);
    throw restErrorFromUserError(error);
  }
  return restAuth(auth);
}

export function mountAuthRoutes(router: express.Router, gateway: Gateway, route: (handler: Handler) => express.RequestHandler): void {
  const run = <T>(name: Parameters<typeof runOperation>[1], variables: Record<string, unknown>, caller: Caller) =>
    runOperation<T>(gateway, name, variables, caller);

  router.post(
    '/auth/register',
    route(async (req, caller) => {
      const body = bodyOf(req);
      const password = requireString(body, 'password');
      if (body.confirm_password !== undefined && body.confirm_password !== password) {
        throw new RestError(400, 'INVALID_REQUEST', 'Passwords do not match', { field: 'confirm_password' });
      }
      const { auth } = await run<{ auth: GraphAuth }>('Register', { input: { email: requireString(body, 'email'), name: requireString(body, 'name'), password } }, { ...caller, authorization: undefined });
      return { data: authData(auth), status: 201, message: 'Account created' };
    }),
  );

  router.post(
    '/auth/login',
    route(async (req, caller) => {
      const body = bodyOf(req);
      const { auth } = await run<{ auth: GraphAuth }>('Login', { input: { email: requireString(body, 'email'), password: requireString(body, 'password') } }, { ...caller, authorization: undefined });
      return { data: authData(auth), message: 'Signed in' };
    }),
  );

  router.post(
    '/auth/refresh',
    route(async (req, caller) => {
      const { auth } = await run<{ auth: GraphAuth }>('Refresh', { refreshToken: requireString(bodyOf(req), 'refresh_token') }, { ...caller, authorization: undefined });
      return { data: authData(auth), message: 'Tokens refreshed' };
    }),
  );

  router.post(
    '/auth/logout',
    route(async (_req, caller) => {
      requireToken(caller);
      const { result } = await run<{ result: { revokedCount: number } }>('Logout', {}, caller);
      return { data: { revoked_count: result.revokedCount }, message: 'Signed out' };
    }),
  );

  router.post(
    '/auth/logout-all',
    route(async (_req, caller) => {
      requireToken(caller);
      const { result } = await run<{ result: { revokedCount: number } }>('LogoutAll', {}, caller);
      return { data: { revoked_count: result.revokedCount }, message: 'Signed out everywhere' };
    }),
  );

  router.get(
    '/auth/me',
    route(async (_req, caller) => {
      requireToken(caller);
      const { me } = await run<{ me: GraphUser | null }>('Me', {}, caller);
      if (!me) throw new RestError(401, 'UNAUTHORIZED', 'Sign in first');
      return { data: restUser(me) };
    }),
  );

  router.get(
    '/auth/sessions',
    route(async (req, caller) => {
      requireToken(caller);
      const skip = Number(req.query.skip ?? 0);
      const limit = Number(req.query.limit ?? 20);
      if (!Number.isInteger(skip) || skip < 0) throw new RestError(400, 'INVALID_REQUEST', 'skip must be a whole number', { field: 'skip' });
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RestError(400, 'INVALID_REQUEST', 'limit must be 1 to 100', { field: 'limit' });
      const { mySessions } = await run<{ mySessions: { total: number; sessions: GraphSession[] } }>('Sessions', { skip, limit }, caller);
      return { data: { sessions: mySessions.sessions.map(restSession), total: mySessions.total } };
    }),
  );

  router.post(
    '/auth/sessions/:id/revoke',
    route(async (req, caller) => {
      requireToken(caller);
      const { result } = await run<{ result: { revokedCount: number } }>('RevokeSession', { id: req.params.id }, caller);
      if (result.revokedCount === 0) throw new RestError(404, 'RESOURCE_NOT_FOUND', 'No such active session of yours');
      return { data: { session_id: req.params.id, revoked: true }, message: 'Session revoked' };
    }),
  );
}
