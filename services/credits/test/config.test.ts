import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toEqual({
      port: 8000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: path.resolve('.data'),
      dbPoolSize: 20,
      logLevel: 'info',
      shutdownGraceMs: 10_000,
    });
  });

  it('reads the environment, empty meaning unset', () => {
    const config = loadConfig({ PORT: '9001', DATABASE_URL: 'postgres://u:p@db:5432/credits', DATA_DIR: '', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ port: 9001, databaseUrl: 'postgres://u:p@db:5432/credits', dataDir: path.resolve('.data'), logLevel: 'debug' });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/credits'],
    ['DATABASE_URL', 'not a url'],
    ['DB_POOL_SIZE', '0'],
    ['LOG_LEVEL', 'loud'],
  ])('a bad %s (%s) stops start-up with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration:\\n  ${name}: `));
  });
});
