import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('has defaults for everything, beside the credits service’s', () => {
    expect(loadConfig({})).toMatchObject({
      port: 8001,
      host: '127.0.0.1',
      creditsUrl: 'http://127.0.0.1:8000',
      creditsKey: { key: undefined, file: path.resolve('.data/records/credits-api-key'), adminKey: undefined, adminKeyFile: path.resolve('.data/admin-api-key') },
      databaseUrl: undefined,
      dataDir: path.resolve('.data/records'),
      shutdownGraceMs: 10_000,
    });
  });

  it('follows the credits service’s settings: HOST and PORT for its URL, DATA_DIR and ADMIN_API_KEY for its key and data', () => {
    const config = loadConfig({ HOST: '0.0.0.0', PORT: '9100', DATA_DIR: '/srv/credits', ADMIN_API_KEY: 'the-credits-admin-key' });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      creditsUrl: 'http://127.0.0.1:9100',
      creditsKey: { file: '/srv/credits/records/credits-api-key', adminKey: 'the-credits-admin-key', adminKeyFile: '/srv/credits/admin-api-key' },
      dataDir: '/srv/credits/records',
    });
    expect(loadConfig({ HOST: '::', PORT: '9100' }).creditsUrl).toBe('http://[::1]:9100');
    // Its own settings win: pnpm start passes CREDITS_URL, a deployment may place its data apart.
    expect(loadConfig({ PORT: '9100', CREDITS_URL: 'http://credits.internal:80', DATA_DIR: '/srv/credits', RECORDS_DATA_DIR: '/srv/records' })).toMatchObject({
      creditsUrl: 'http://credits.internal:80',
      dataDir: '/srv/records',
      creditsKey: { file: '/srv/records/credits-api-key', adminKeyFile: '/srv/credits/admin-api-key' },
    });
  });

  it.each([
    ['RECORDS_PORT', 'abc'],
    ['CREDITS_URL', 'ftp://credits'],
    ['CREDITS_API_KEY', 'short'],
    ['RECORDS_DATABASE_URL', 'mysql://localhost/records'],
  ])('a bad %s (%s) stops start-up with one line naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name}: [^\\n]+$`));
  });
});
