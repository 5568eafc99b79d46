import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

it('never writes passwords, tokens, secrets or keys, wherever they sit in a logged object', () => {
  const lines: string[] = [];
  const log = createLogger('redaction-test', new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } }));
  const secrets = ['hunter2-password', 'eyJhbGciOiJFZERTQSJ9.payload.sig', 'refresh-secret-value', 'client-secret-value', 'sk-live-abcdef123456'];
  log.error(
    {
      password: secrets[0],
      input: { password: secrets[0], currentPassword: secrets[0], newPassword: secrets[0] },
      headers: { authorization: `Bearer ${secrets[1]}` },
      auth: { accessToken: secrets[1], refreshToken: secrets[2], token: secrets[1] },
      client: { clientSecret: secrets[3] },
      apiKey: secrets[4],
      body: { key: secrets[4] },
      variables: { input: { password: secrets[0], key: secrets[4] } },
    },
    'an error with everything attached',
  );
  expect(lines).toHaveLength(1);
  for (const secret of secrets) expect(lines[0]).not.toContain(secret);
  expect(lines[0]).toContain('[redacted]');
  expect(JSON.parse(lines[0]!)).toMatchObject({ service: 'redaction-test', msg: 'an error with everything attached' });
});
