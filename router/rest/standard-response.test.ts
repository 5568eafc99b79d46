import { failure, restErrorFromGraphQL, restErrorFromUserError, success } from './standard-response.js';

describe('StandardResponse', () => {
  it('wraps data in the success envelope', () => {
    const body = success({ id: 1 }, 'req-1');
    expect(body).toMatchObject({ status: 'success', data: { id: 1 }, request_id: 'req-1' });
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
  });

  it.each([
    [{ code: 'UNAUTHENTICATED' }, 401, 'UNAUTHORIZED'],
    [{ code: 'UNAUTHENTICATED', reason: 'expired' }, 401, 'TOKEN_EXPIRED'],
    [{ code: 'UNAUTHENTICATED', reason: 'invalid' }, 401, 'INVALID_TOKEN'],
    [{ code: 'FORBIDDEN' }, 403, 'PERMISSION_DENIED'],
    [{ code: 'NOT_FOUND' }, 404, 'RESOURCE_NOT_FOUND'],
    [{ code: 'BAD_USER_INPUT', field: 'id' }, 400, 'INVALID_REQUEST'],
    [{ code: 'INTERNAL_SERVER_ERROR' }, 500, 'INTERNAL_ERROR'],
    [{}, 500, 'INTERNAL_ERROR'],
  ])('maps %j to %i %s', (extensions, status, code) => {
    const error = restErrorFromGraphQL({ message: 'm', extensions });
    expect([error.httpStatus, error.errorCode]).toEqual([status, code]);
    const body = failure(error, 'r');
    expect(body).toMatchObject({ status: 'error', data: null, error_code: code });
  });

  it('hides the message of unexpected errors', () => {
    expect(restErrorFromGraphQL({ message: 'SELECT * failed at …', extensions: {} }).message).toBe('Internal server error');
  });

  it('puts a UserError field into error_details', () => {
    const body = failure(restErrorFromUserError({ code: 'BAD_USER_INPUT', message: 'bad', field: 'document.slides' }), 'r');
    expect(body).toMatchObject({ error_code: 'INVALID_REQUEST', error_details: { field: 'document.slides', code: 'BAD_USER_INPUT' } });
  });
});
