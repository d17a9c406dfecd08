import { randomUUID } from 'node:crypto';
import { createCreditsClient, type CreditsClientOptions } from '@credits/client';
import type { Decimal, User } from '@credits/contract';
import { afterAll, beforeAll } from 'vitest';
import type { Principal } from '../../src/auth/principal';
import { type App, startApp } from '../../src/app';
import type { Config } from '../../src/config';
import { createLogger } from '@credits/runtime';
import type { DestinationStream } from 'pino';
import { createContextInner } from '../../src/trpc/context';
import { createCallerFactory } from '../../src/trpc/init';
import { appRouter } from '../../src/trpc/router';
import { createTestDatabase } from './db';

const createCaller = createCallerFactory(appRouter);

export interface TestService {
  app: App;
  url: string;
  databaseUrl: string;
  /** An SDK client over loopback HTTP, with the admin key unless `options` say otherwise. */
  client(options?: Partial<CreditsClientOptions>): ReturnType<typeof createCreditsClient>;
  /** Procedures called in-process, without HTTP (tRPC's createCaller), as `principal` (an admin by default). */
  caller(principal?: Principal): ReturnType<typeof createCaller>;
  /** A statement against the service's database, rows as the ORM's connection returns them. */
  sql<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** A new user (unique email), holding `balance` credits when given. */
  newUser(options?: { balance?: number; externalId?: string }): Promise<User>;
  close(): Promise<void>;
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    databaseUrl: undefined,
    dataDir: '.data',
    databaseListenUrl: undefined,
    dbPoolSize: 20,
    timeouts: { statementTimeoutMs: 5_000, connectTimeoutMs: 2_000, requestTimeoutMs: 10_000, headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000 },
    logLevel: 'silent',
    shutdownGraceMs: 5_000,
    adminApiKey: TEST_ADMIN_KEY,
    jwt: undefined,
    autoProvision: false,
    authFailuresPerMinute: 10_000,
    authFailureStore: 'memory',
    metricsToken: undefined,
    // Off unless a test is about it: a grant at start-up would pay every user of the file.
    dailyGrant: { enabled: false, amount: '5' as Decimal, chunkSize: 500, leaseMs: 60_000 },
    // Off unless a test is about it: tests fold when they choose (foldLedger), and stats read the unfolded tail anyway.
    ledgerRollupIntervalMs: 0,
    lowBalanceThreshold: undefined,
    eventsPollMs: 20,
    // Tests send webhooks to receivers on loopback, and wait for retries in milliseconds, not hours.
    webhooks: { allowPrivate: true, timeoutMs: 2_000, backoffScale: 0.001 },
    ...overrides,
  };
}

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';
const ADMIN: Principal = { kind: 'admin', keyId: null };

/** The real service (HTTP server, migrations, pool) on a fresh database of its own. */
export interface TestOptions {
  /** Collects the service's log lines (at debug level). */
  logTo?: DestinationStream;
  /** What day it is for the daily grant. */
  clock?: () => Date;
}

export async function startTestService(overrides: Partial<Config> = {}, options: TestOptions = {}): Promise<TestService> {
  const config = testConfig({ ...overrides, databaseUrl: overrides.databaseUrl ?? (await createTestDatabase()) });
  const app = await startApp(config, createLogger(options.logTo ? 'debug' : config.logLevel, options.logTo), options.clock);
  return {
    app,
    url: app.url,
    databaseUrl: config.databaseUrl!,
    client: (options) => createCreditsClient({ url: app.url, apiKey: config.adminApiKey, ...options }),
    caller: (principal = ADMIN) => createCaller(createContextInner(app.deps, { principal })),
    sql: (text, params = []) => app.deps.orm.em.fork().getConnection().execute(text, params),
    async newUser({ balance = 0, externalId } = {}) {
      const caller = createCaller(createContextInner(app.deps, { principal: ADMIN }));
      const user = await caller.users.create({ email: `${randomUUID()}@example.com`, name: 'Test User', ...(externalId ? { externalId } : {}) });
      if (balance > 0) await caller.credits.recharge({ userId: user.id, amount: balance });
      return user;
    },
    close: () => app.close(),
  };
}

/** The service for one test file: started before its tests, stopped after them. */
export function useTestService(overrides: Partial<Config> = {}): TestService {
  const service = {} as TestService;
  beforeAll(async () => {
    Object.assign(service, await startTestService(overrides));
  });
  afterAll(() => service.close());
  return service;
}
