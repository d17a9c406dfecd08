import path from 'node:path';
import { amount, balanceValue } from '@credits/contract';
import { StartupError } from '@credits/runtime';
import { z } from 'zod';
import type { FailureStore } from './auth/failure-limiter';
import type { JwtOptions } from './auth/jwt';
import type { GrantSettings } from './domain/grants';

/** Every setting comes from the environment, parsed once at start-up; a bad value stops the service with a message naming the variable. */
const env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
    DATA_DIR: z.string().min(1).default('.data'),
    DATABASE_LISTEN_URL: z
      .union([z.literal('off'), z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL, or off' })])
      .optional(),
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
    DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    HTTP_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
    ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
    AUTH_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    AUTH_AUTO_PROVISION: z.stringbool({ error: 'must be true or false' }).default(false),
    AUTH_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    AUTH_MAX_TOKEN_AGE_S: z.coerce.number().int().min(1).max(31_536_000).optional(),
    AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
    AUTH_FAILURE_STORE: z.enum(['memory', 'postgres']).default('memory'),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    DAILY_GRANT_ENABLED: z.stringbool({ error: 'must be true or false' }).default(true),
    DAILY_GRANT_AMOUNT: z.coerce.number().pipe(amount).prefault(5),
    DAILY_GRANT_CHUNK_SIZE: z.coerce.number().int().min(1).max(100_000).default(2_000),
    DAILY_GRANT_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
    LEDGER_ROLLUP_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1_000),
    LOW_BALANCE_THRESHOLD: z.coerce.number().pipe(balanceValue).optional(),
    EVENTS_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(50),
    WEBHOOKS_ALLOW_PRIVATE: z.stringbool({ error: 'must be true or false' }).default(false),
    WEBHOOKS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    WEBHOOKS_BACKOFF_SCALE: z.coerce.number().min(0.0001).max(1).default(1),
  })
  .superRefine((e, ctx) => {
    // Node refuses a server whose whole-request limit is shorter than its headers limit.
    if (e.HTTP_BODY_TIMEOUT_MS < e.HTTP_HEADERS_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['HTTP_BODY_TIMEOUT_MS'], message: 'must be at least HTTP_HEADERS_TIMEOUT_MS' });
    }
    // JWTs are verified only with all three; a partial set is a mistake worth stopping for.
    const jwt = ['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE'] as const;
    const set = jwt.filter((name) => e[name] !== undefined);
    if (set.length > 0 && set.length < jwt.length) {
      for (const name of jwt.filter((n) => e[n] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `must be set with ${set.join(' and ')}` });
      }
    }
  });

export interface Config {
  port: number;
  host: string;
  /** Unset: an embedded PostgreSQL keeps its data under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /**
   * Where LISTEN connects (revocations reach every replica at once): unset, the database itself;
   * `off`, nowhere: poll instead (behind PgBouncer's transaction pooling with no direct route).
   */
  databaseListenUrl: string | 'off' | undefined;
  dbPoolSize: number;
  timeouts: Timeouts;
  logLevel: z.output<typeof env>['LOG_LEVEL'];
  shutdownGraceMs: number;
  /** Unset with the embedded database: one is generated into the data directory. */
  adminApiKey: string | undefined;
  /** Unset: bearer JWTs are not accepted. */
  jwt: JwtOptions | undefined;
  autoProvision: boolean;
  authFailuresPerMinute: number;
  /** Where failed attempts are counted: this process's memory, or PostgreSQL (shared by replicas). */
  authFailureStore: FailureStore;
  /** The bearer token /metrics accepts besides admin credentials; unset: admin credentials only. */
  metricsToken: string | undefined;
  /** `enabled`: the 00:00 UTC schedule and the start-up catch-up run in this process. */
  dailyGrant: GrantSettings;
  /** How often this process folds the ledger into the overview's daily rollups; 0: never (another replica does). */
  ledgerRollupIntervalMs: number;
  /** Every user's low-balance threshold unless set for the user (alerts.set); unset: none. */
  lowBalanceThreshold: number | undefined;
  /** How often each replica reads the ledger's new events for its live subscribers. */
  eventsPollMs: number;
  webhooks: WebhookSettings;
}

export interface WebhookSettings {
  /** Endpoints on private, loopback or link-local addresses are refused unless this is set (tests, private networks). */
  allowPrivate: boolean;
  /** How long an endpoint has to answer an attempt. */
  timeoutMs: number;
  /** The retry schedule's delays are multiplied by this (1 in production: about a day; tests shrink it). */
  backoffScale: number;
}

/** How long each stage of a request may take before it is cut off; see the README's table. */
export interface Timeouts {
  /** A database statement, lock waits included (PostgreSQL's statement_timeout). */
  statementTimeoutMs: number;
  /** Opening a database connection, or waiting for a free one. */
  connectTimeoutMs: number;
  /** A call from its start to its answer; its statements are cancelled past it. */
  requestTimeoutMs: number;
  /** A client sending its request headers. */
  headersTimeoutMs: number;
  /** A client sending its whole request, body included. */
  bodyTimeoutMs: number;
}

/** A bad setting: one line naming each variable and what is wrong with it. */
export class ConfigError extends StartupError {}

export function loadConfig(source: NodeJS.ProcessEnv): Config {
  // An empty variable (`DATABASE_URL=`) means unset, as in most .env tooling.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = env.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    databaseListenUrl: e.DATABASE_LISTEN_URL,
    dbPoolSize: e.DB_POOL_SIZE,
    timeouts: {
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.HTTP_BODY_TIMEOUT_MS,
    },
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    adminApiKey: e.ADMIN_API_KEY,
    jwt:
      e.AUTH_JWKS_URL && e.AUTH_ISSUER && e.AUTH_AUDIENCE
        ? {
            jwksUrl: e.AUTH_JWKS_URL,
            issuer: e.AUTH_ISSUER,
            audience: e.AUTH_AUDIENCE,
            jwksCooldownMs: e.AUTH_JWKS_COOLDOWN_MS,
            maxTokenAgeS: e.AUTH_MAX_TOKEN_AGE_S,
          }
        : undefined,
    autoProvision: e.AUTH_AUTO_PROVISION,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    authFailureStore: e.AUTH_FAILURE_STORE,
    metricsToken: e.METRICS_TOKEN,
    dailyGrant: {
      enabled: e.DAILY_GRANT_ENABLED,
      amount: e.DAILY_GRANT_AMOUNT,
      chunkSize: e.DAILY_GRANT_CHUNK_SIZE,
      leaseMs: e.DAILY_GRANT_LEASE_MS,
    },
    ledgerRollupIntervalMs: e.LEDGER_ROLLUP_INTERVAL_MS,
    lowBalanceThreshold: e.LOW_BALANCE_THRESHOLD === undefined ? undefined : Number(e.LOW_BALANCE_THRESHOLD),
    eventsPollMs: e.EVENTS_POLL_MS,
    webhooks: { allowPrivate: e.WEBHOOKS_ALLOW_PRIVATE, timeoutMs: e.WEBHOOKS_TIMEOUT_MS, backoffScale: e.WEBHOOKS_BACKOFF_SCALE },
  };
}
