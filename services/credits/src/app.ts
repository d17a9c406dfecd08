import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  closeGracefully,
  databaseError,
  ensurePortFree,
  type Logger,
  listenError,
  readOrCreateSecret,
  requestsInFlight,
  startEmbeddedPostgres,
} from '@credits/runtime';
import { createAuthenticator } from './auth/authenticate';
import { createFailureLimiter } from './auth/failure-limiter';
import { createKeyCache } from './auth/key-cache';
import { watchRevocations } from './auth/revocations';
import type { Config } from './config';
import { openDatabase } from './db/orm';
import { createHttpServer } from './http/server';
import { createGrantRuns } from './jobs/grant-runs';
import { type ProgramsJob, startProgramsJob } from './jobs/programs';
import { type ExpiryJob, startExpiryJob } from './jobs/expiry';
import { createPace } from './jobs/pace';
import { dailyProgram } from './domain/programs';
import { type LedgerRollupJob, startLedgerRollupJob } from './jobs/ledger-rollup';
import { setDefaultThreshold } from './domain/alerts';
import { startEventStream } from './jobs/event-stream';
import { type WebhookJob, startWebhookJob } from './jobs/webhooks';
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
  /** Grant programs on their schedules (the daily grant among them, when DAILY_GRANT_ENABLED). */
  programs: ProgramsJob;
  /** The expiry sweeper. */
  expiry: ExpiryJob;
  /** The overview's rollups, folded every LEDGER_ROLLUP_INTERVAL_MS (unless 0). */
  ledgerRollup: LedgerRollupJob | undefined;
  /** Webhook fan-out and delivery. */
  webhooks: WebhookJob;
  /** Stops taking requests, lets those in flight finish (up to the grace period), then closes the database. */
  close(): Promise<void>;
}

/**
 * Database, migrations, HTTP server, scheduler: everything `main` starts, and what tests start
 * in-process. `clock` says what day it is (tests move it; nothing else reads the time of day).
 */
/** How long a verified API key is trusted without a lookup; a revocation ends it at once (auth/revocations.ts). */
const API_KEY_CACHE_MS = 60_000;

export async function startApp(config: Config, log: Logger, clock: () => Date = () => new Date()): Promise<App> {
  // A port in use is said before anything is set up (a first start would create a cluster first).
  await ensurePortFree('PORT', config.port, config.host);
  // The embedded PostgreSQL in a process group of its own: Ctrl-C reaches this process, which
  // drains its requests and then stops the database, instead of the database stopping under them.
  const database = config.databaseUrl
    ? { url: config.databaseUrl, stop: async () => {}, describe: describeUrl(config.databaseUrl) }
    : { ...(await startEmbeddedPostgres(config.dataDir, 'credits', log, { ownProcessGroup: true })), describe: `embedded PostgreSQL, data in ${config.dataDir}` };

  let orm;
  try {
    orm = await openDatabase(database.url, config.dbPoolSize, log, config.timeouts);
  } catch (error) {
    await database.stop();
    throw config.databaseUrl ? databaseError('DATABASE_URL', config.databaseUrl, error) : error;
  }
  const adminKey = await resolveAdminKey(config);
  // Every replica writes its setting: replicas are meant to run with one configuration.
  await setDefaultThreshold(orm.em.fork(), config.lowBalanceThreshold);
  const keys = createKeyCache(API_KEY_CACHE_MS);
  const revocations = watchRevocations(config.databaseListenUrl === 'off' ? null : (config.databaseListenUrl ?? database.url), orm, keys, log);
  // Background work gives way while calls other than the one that may have started it are answered.
  let server: http.Server | undefined;
  const pace = createPace(() => server !== undefined && requestsInFlight(server) > 1);
  const metrics = createMetrics(() => orm.em.getConnection().getNativeClient(), config.dbPoolSize);
  const deps: Deps = {
    orm,
    log,
    clock,
    grant: config.dailyGrant,
    grantRuns: createGrantRuns(orm, log, config.dailyGrant, metrics, pace),
    authenticate: createAuthenticator(orm, {
      adminApiKey: config.adminApiKey ?? adminKey.key,
      jwt: config.jwt,
      autoProvision: config.autoProvision,
      limiter: createFailureLimiter(config.authFailuresPerMinute, config.authFailureStore, () => orm.em.getConnection().getNativeClient()),
      keys,
    }),
    metrics,
    events: startEventStream(orm, log, config.eventsPollMs),
    webhooks: config.webhooks,
    requestTimeoutMs: config.timeouts.requestTimeoutMs,
  };
  server = createHttpServer(deps, { metricsToken: config.metricsToken, timeouts: config.timeouts });
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await deps.events.stop();
    await revocations.close();
    await orm.close();
    await database.stop();
    throw listenError(error, 'PORT', config.port, config.host);
  }
  const { port } = server.address() as AddressInfo;
  const programs = startProgramsJob(orm, log, deps.grantRuns, dailyProgram(config.dailyGrant), clock);
  const expiry = startExpiryJob(orm, log, clock, metrics, pace);
  const ledgerRollup = config.ledgerRollupIntervalMs > 0 ? startLedgerRollupJob(orm, log, config.ledgerRollupIntervalMs) : undefined;
  const webhooks = startWebhookJob(orm, log, config.webhooks, config.eventsPollMs);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    database: database.describe,
    adminKey: adminKey.info,
    deps,
    programs,
    expiry,
    ledgerRollup,
    webhooks,
    close: () =>
      (closing ??= (async () => {
        await Promise.all([
          closeGracefully(server, config.shutdownGraceMs),
          deps.events.stop(),
          programs.stop(),
          expiry.stop(),
          ledgerRollup?.stop(),
          webhooks.stop(),
        ]);
        await revocations.close();
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

function describeUrl(url: string): string {
  const u = new URL(url);
  return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
}
