import { authorizationFrom } from './auth-context.js';

describe('authorizationFrom', () => {
  it.each([
    ['header', new Headers({ authorization: 'Bearer h' }), undefined, 'Bearer h'],
    ['connectionParams.authorization', undefined, { authorization: 'Bearer p' }, 'Bearer p'],
    ['connectionParams.token', undefined, { token: 't' }, 'Bearer t'],
    ['header wins', new Headers({ authorization: 'Bearer h' }), { token: 't' }, 'Bearer h'],
    ['nothing', new Headers(), {}, undefined],
  ])('%s', (_name, headers, params, expected) => {
    expect(authorizationFrom(headers, params)).toBe(expected);
  });
});
