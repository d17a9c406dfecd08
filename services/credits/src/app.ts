import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Logger, readOrCreateSecret, startEmbeddedPostgres } from '@credits/runtime';
import { createAuthenticator } from './auth/authenticate';
import { createFailureLimiter } from './auth/failure-limiter';
import type { Config } from './config';
import { openDatabase } from './db/orm';
import { startDraining } from './http/drain';
import { createHttpServer } from './http/server';
import { type DailyGrantJob, startDailyGrantJob } from './jobs/daily-grant';
import { type LedgerRollupJob, startLedgerRollupJob } from './jobs/ledger-rollup';
import { createMetrics } from './observability/metrics';
import type { Deps } from './trpc/context';

export interface App {
  /** Where the HTTP server listens, e.g. http://127.0.0.1:8000. */
  url: string;
  /** Embedded (with its data directory) or the server DATABASE_URL names, without credentials. */
  database: string;
  /** Where the admin key comes from; the key itself only on the run that generated it. */
  adminKey: { source: 'ADMIN_API_KEY' } | { source: 'file'; file: string; generated?: string } | { source: 'none' };
  deps: Deps;
  /** The scheduled grant, when DAILY_GRANT_ENABLED. */
  dailyGrant: DailyGrantJob | undefined;
  /** The overview's rollups, folded every LEDGER_ROLLUP_INTERVAL_MS (unless 0). */
  ledgerRollup: LedgerRollupJob | undefined;
  /** Stops taking requests, lets those in flight finish (up to the grace period), then closes the database. */
  close(): Promise<void>;
}

/**
 * Database, migrations, HTTP server, scheduler: everything `main` starts, and what tests start
 * in-process. `clock` says what day it is (tests move it; nothing else reads the time of day).
 */
export async function startApp(config: Config, log: Logger, clock: () => Date = () => new Date()): Promise<App> {
  const database = config.databaseUrl
    ? { url: config.databaseUrl, stop: async () => {}, describe: describeUrl(config.databaseUrl) }
    : { ...(await startEmbeddedPostgres(config.dataDir, 'credits', log)), describe: `embedded PostgreSQL, data in ${config.dataDir}` };

  let orm;
  try {
    orm = await openDatabase(database.url, config.dbPoolSize, log, config.timeouts);
  } catch (error) {
    await database.stop();
    throw error;
  }
  const adminKey = await resolveAdminKey(config);
  const { enabled: grantEnabled, ...grant } = config.dailyGrant;
  const deps: Deps = {
    orm,
    log,
    clock,
    grant,
    authenticate: createAuthenticator(orm, {
      adminApiKey: config.adminApiKey ?? adminKey.key,
      jwt: config.jwt,
      autoProvision: config.autoProvision,
      limiter: createFailureLimiter(config.authFailuresPerMinute, config.authFailureStore, () => orm.em.getConnection().getNativeClient()),
    }),
    metrics: createMetrics(() => orm.em.getConnection().getNativeClient(), config.dbPoolSize),
    requestTimeoutMs: config.timeouts.requestTimeoutMs,
  };
  const server = createHttpServer(deps, { metricsToken: config.metricsToken, timeouts: config.timeouts });
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await orm.close();
    await database.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const dailyGrant = grantEnabled ? startDailyGrantJob(orm, log, grant, clock, deps.metrics) : undefined;
  const ledgerRollup = config.ledgerRollupIntervalMs > 0 ? startLedgerRollupJob(orm, log, config.ledgerRollupIntervalMs) : undefined;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    database: database.describe,
    adminKey: adminKey.info,
    deps,
    dailyGrant,
    ledgerRollup,
    close: () =>
      (closing ??= (async () => {
        await Promise.all([closeServer(server, config.shutdownGraceMs), dailyGrant?.stop(), ledgerRollup?.stop()]);
        await orm.close();
        await database.stop();
      })()),
  };
}

/**
 * ADMIN_API_KEY when set. Otherwise, on the embedded database (a developer's machine), a key
 * generated once and kept in the data directory, so that a newcomer can follow the README; on a
 * database of your own, none: admin operations then need an admin-scope API key made earlier.
 */
async function resolveAdminKey(config: Config): Promise<{ key?: string; info: App['adminKey'] }> {
  if (config.adminApiKey) return { info: { source: 'ADMIN_API_KEY' } };
  if (config.databaseUrl) return { info: { source: 'none' } };
  const file = path.join(config.dataDir, 'admin-api-key');
  const { secret, created } = await readOrCreateSecret(file, () => `ck_admin_${randomBytes(32).toString('base64url')}`);
  return { key: secret, info: { source: 'file', file, ...(created ? { generated: secret } : {}) } };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Refuses new connections at once; cuts the ones still busy after `graceMs`. */
function closeServer(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    startDraining(server);
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function describeUrl(url: string): string {
  const u = new URL(url);
  return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
}
