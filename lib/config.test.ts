import { ConfigError, parseConfig } from './config.js';

const valid = {
  DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----',
};

describe('parseConfig', () => {
  it('applies defaults and derives subgraph URLs from ports', () => {
    const c = parseConfig({ ...valid, AI_PORT: '5003' });
    expect(c.PORT).toBe(4000);
    expect(c.subgraphUrls.ai).toBe('http://127.0.0.1:5003/graphql');
    expect(c.JWT_PUBLIC_KEY).toContain('\nabc\n');
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      parseConfig({ REDIS_URL: 'http://nope', PORT: '99999', JWT_PUBLIC_KEY: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/DATABASE_URL/);
    expect(problems).toMatch(/REDIS_URL/);
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/JWT_PUBLIC_KEY/);
  });
});
