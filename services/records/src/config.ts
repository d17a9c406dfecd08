import path from 'node:path';
import { z } from 'zod';

/** The records service's settings, from the environment; a bad value stops it with a message naming the variable. */
const env = z.object({
  RECORDS_PORT: z.coerce.number().int().min(0).max(65535).default(8001),
  HOST: z.string().min(1).default('127.0.0.1'),
  CREDITS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://127.0.0.1:8000'),
  /** The credits service key this service signs users up and tops them up with (a service key; an admin key works too). */
  CREDITS_API_KEY: z.string().min(16).optional(),
  /** Where to read that key when CREDITS_API_KEY is unset: the admin key `pnpm start` generates for the credits service. */
  CREDITS_API_KEY_FILE: z.string().min(1).default('.data/admin-api-key'),
  RECORDS_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  RECORDS_DATA_DIR: z.string().min(1).default('.data/records'),
  /** The x-admin-key of POST /admin/topup; unset, one is generated into RECORDS_DATA_DIR. */
  RECORDS_ADMIN_KEY: z.string().min(16).optional(),
  CREDITS_PER_100_RECORDS: z.coerce.number().int().min(1).max(1_000).default(1),
  MAX_LIMIT: z.coerce.number().int().min(1).max(10_000).default(1_000),
  /** Bad API keys one client address may send per minute before it waits. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  /** Sign-ups one client address may make per minute. */
  SIGNUPS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {}

export function loadConfig(source: NodeJS.ProcessEnv) {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = env.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.RECORDS_PORT,
    host: e.HOST,
    creditsUrl: e.CREDITS_URL,
    creditsApiKey: e.CREDITS_API_KEY,
    creditsApiKeyFile: path.resolve(e.CREDITS_API_KEY_FILE),
    databaseUrl: e.RECORDS_DATABASE_URL,
    dataDir: path.resolve(e.RECORDS_DATA_DIR),
    adminKey: e.RECORDS_ADMIN_KEY,
    creditsPer100: e.CREDITS_PER_100_RECORDS,
    maxLimit: e.MAX_LIMIT,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    signupsPerMinute: e.SIGNUPS_PER_MINUTE,
    logLevel: e.LOG_LEVEL,
  };
}
