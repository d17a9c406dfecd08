import { type AttemptLimiter, attemptLimiter } from '@credits/runtime';
import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres } from 'rate-limiter-flexible';

/**
 * Failed authentication attempts per client address: `perMinute` failures in a window of a minute
 * from the first; past them, every credentialed request from that address is refused, its
 * credentials not even checked, until the window ends. Counted by rate-limiter-flexible, in memory
 * (per process: N replicas allow N times the burst) or in PostgreSQL (the `auth_failures` table,
 * shared by every replica on the database), as AUTH_FAILURE_STORE says.
 */
export type FailureStore = 'memory' | 'postgres';

const WINDOW_S = 60;

export function createFailureLimiter(perMinute: number, store: FailureStore, pool: () => Promise<pg.Pool>): AttemptLimiter {
  const memory = new RateLimiterMemory({ points: perMinute, duration: WINDOW_S });
  if (store === 'memory') return attemptLimiter(memory);
  return attemptLimiter(
    pool().then(
      (p) =>
        new RateLimiterPostgres({
          // pg's pool, but every statement unnamed: named prepared statements do not survive
          // PgBouncer's transaction pooling, which the service supports.
          storeClient: { query: ({ text, values }: pg.QueryConfig) => p.query({ text, values }) },
          storeType: 'pool',
          tableName: 'auth_failures',
          tableCreated: true, // by the migrations
          points: perMinute,
          duration: WINDOW_S,
          // While the database is out, each process counts on its own rather than letting everyone in.
          insuranceLimiter: memory,
        }),
    ),
  );
}
