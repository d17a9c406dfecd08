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
      databaseListenUrl: undefined,
      dbPoolSize: 20,
      timeouts: { statementTimeoutMs: 5_000, connectTimeoutMs: 2_000, requestTimeoutMs: 10_000, headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000 },
      logLevel: 'info',
      shutdownGraceMs: 10_000,
      adminApiKey: undefined,
      jwt: undefined,
      autoProvision: false,
      authFailuresPerMinute: 30,
      authFailureStore: 'memory',
      dailyGrant: { enabled: true, amount: '5', chunkSize: 2_000, leaseMs: 60_000 },
      ledgerRollupIntervalMs: 1_000,
      lowBalanceThreshold: undefined,
      eventsPollMs: 50,
      webhooks: { allowPrivate: false, timeoutMs: 10_000, backoffScale: 1 },
    });
  });

  it('reads the alert and webhook settings', () => {
    const config = loadConfig({ LOW_BALANCE_THRESHOLD: '2.5', WEBHOOKS_ALLOW_PRIVATE: 'true', WEBHOOKS_TIMEOUT_MS: '500', EVENTS_POLL_MS: '100' });
    expect(config).toMatchObject({ lowBalanceThreshold: 2.5, eventsPollMs: 100, webhooks: { allowPrivate: true, timeoutMs: 500, backoffScale: 1 } });
    expect(() => loadConfig({ LOW_BALANCE_THRESHOLD: '-1' })).toThrow('LOW_BALANCE_THRESHOLD');
  });

  it('reads the environment, empty meaning unset', () => {
    const config = loadConfig({
      PORT: '9001',
      DATABASE_URL: 'postgres://u:p@db:5432/credits',
      DATA_DIR: '',
      LOG_LEVEL: 'debug',
      DAILY_GRANT_AMOUNT: '2.5',
      DAILY_GRANT_ENABLED: 'false',
    });
    expect(config).toMatchObject({ port: 9001, databaseUrl: 'postgres://u:p@db:5432/credits', dataDir: path.resolve('.data'), logLevel: 'debug' });
    expect(config.dailyGrant).toMatchObject({ enabled: false, amount: '2.5' });
  });

  it('a whole-request timeout shorter than the headers timeout is refused (Node would throw at start)', () => {
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_BODY_TIMEOUT_MS: '1000' })).toThrow(
      'HTTP_BODY_TIMEOUT_MS: must be at least HTTP_HEADERS_TIMEOUT_MS',
    );
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '250', REQUEST_TIMEOUT_MS: '900' }).timeouts).toMatchObject({ statementTimeoutMs: 250, requestTimeoutMs: 900 });
  });

  it('JWT settings come as a set of three', () => {
    expect(() => loadConfig({ AUTH_JWKS_URL: 'https://issuer.example/.well-known/jwks.json' })).toThrow(
      'Invalid configuration: AUTH_ISSUER: must be set with AUTH_JWKS_URL; AUTH_AUDIENCE: must be set with AUTH_JWKS_URL',
    );
    const config = loadConfig({ AUTH_JWKS_URL: 'https://issuer.example/jwks', AUTH_ISSUER: 'https://issuer.example/', AUTH_AUDIENCE: 'credits' });
    expect(config.jwt).toEqual({ jwksUrl: 'https://issuer.example/jwks', issuer: 'https://issuer.example/', audience: 'credits', jwksCooldownMs: 30_000 });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/credits'],
    ['DATABASE_URL', 'not a url'],
    ['DB_POOL_SIZE', '0'],
    ['LOG_LEVEL', 'loud'],
    ['ADMIN_API_KEY', 'short'],
    ['AUTH_AUTO_PROVISION', 'maybe'],
    ['AUTH_JWKS_URL', 'ftp://issuer/jwks'],
    ['DAILY_GRANT_AMOUNT', '0.00001'],
    ['DAILY_GRANT_AMOUNT', 'five'],
    ['DAILY_GRANT_ENABLED', 'sometimes'],
    ['METRICS_TOKEN', 'short'],
  ])('a bad %s (%s) stops start-up with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name}: [^\\n]+$`));
  });
});
