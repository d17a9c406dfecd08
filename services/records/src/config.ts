import path from 'node:path';
import { StartupError } from '@credits/runtime';
import { z } from 'zod';

/**
 * The records service's settings, from the environment; a bad value stops it with a message
 * naming the variable. It reads the credits service's `HOST`, `PORT`, `DATA_DIR`, `ADMIN_API_KEY`
 * and `SHUTDOWN_GRACE_MS` too, with the same meanings, so that one environment serves both (`pnpm
 * start` adds `CREDITS_URL`: where the credits service it started listens, `PORT=0` included).
 */
const env = z.object({
  RECORDS_PORT: z.coerce.number().int().min(0).max(65535).default(8001),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Where the credits service listens; unset: on HOST at PORT, as the credits service reads them. */
  CREDITS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** This service's own key for the credits service: a service key. */
  CREDITS_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The credits service's admin key: used once, to make this service's key, when it has none. */
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The credits service's data directory: the admin key it generates, and this service's data below it. */
  DATA_DIR: z.string().min(1).default('.data'),
  RECORDS_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  RECORDS_DATA_DIR: z.string().min(1).optional(),
  /** The x-admin-key of POST /admin/topup; unset, one is generated into RECORDS_DATA_DIR. */
  RECORDS_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  CREDITS_PER_100_RECORDS: z.coerce.number().int().min(1).max(1_000).default(1),
  MAX_LIMIT: z.coerce.number().int().min(1).max(10_000).default(1_000),
  /** Bad API keys one client address may send per minute before it waits. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  /** Sign-ups one client address may make per minute. */
  SIGNUPS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
});

export type Config = ReturnType<typeof loadConfig>;

/** A bad setting: one line naming each variable and what is wrong with it. */
export class ConfigError extends StartupError {}

export function loadConfig(source: NodeJS.ProcessEnv) {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = env.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.RECORDS_DATA_DIR ?? path.join(e.DATA_DIR, 'records'));
  return {
    port: e.RECORDS_PORT,
    host: e.HOST,
    creditsUrl: e.CREDITS_URL ?? `http://${reachable(e.HOST)}:${e.PORT || 8000}`,
    /** Where this service's key for the credits service comes from (see credits-key.ts). */
    creditsKey: {
      key: e.CREDITS_API_KEY,
      file: path.join(dataDir, 'credits-api-key'),
      adminKey: e.ADMIN_API_KEY,
      adminKeyFile: path.resolve(e.DATA_DIR, 'admin-api-key'),
    },
    databaseUrl: e.RECORDS_DATABASE_URL,
    dataDir,
    adminKey: e.RECORDS_ADMIN_KEY,
    creditsPer100: e.CREDITS_PER_100_RECORDS,
    maxLimit: e.MAX_LIMIT,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    signupsPerMinute: e.SIGNUPS_PER_MINUTE,
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}

/** An address to reach a server listening on `host`: a wildcard is reached on loopback. */
function reachable(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
