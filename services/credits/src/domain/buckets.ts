import type { Bucket, BucketPage, BucketsInput } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query, transaction } from '../db/sql';
import { decodeCursor, toPage } from './pagination';
import { resolveUserId } from './users';

/**
 * Credit buckets, as users and operators see them, and the sweeper that writes off expired ones.
 * Buckets are changed only by the ledger's functions (src/db/ledger.sql, rules 7 and 8).
 */

interface BucketRow {
  id: string;
  user_id: number;
  category: Bucket['category'];
  priority: number;
  amount: string;
  remaining: string;
  effective_at: Date;
  expires_at: Date | null;
  source: string;
  reference_id: string | null;
  created_at: Date;
}

/** Newest first; only those with credits left unless `includeSpent`. */
export async function listBuckets(em: EntityManager, i: BucketsInput): Promise<BucketPage> {
  const userId = await resolveUserId(em, i.userId);
  const rows = await query<BucketRow>(
    em,
    `select b.id, b.user_id, b.category, b.priority, b.amount, b.remaining, b.effective_at, b.expires_at, b.source, b.reference_id, b.created_at
       from credit_buckets b
      where b.user_id = $1 and ($2 or b.remaining > 0) and ($3::bigint is null or b.id < $3)
      order by b.id desc limit $4 offset $5`,
    [userId, i.includeSpent, decodeCursor(i.cursor, 'bigint'), i.limit + 1, i.offset],
  );
  return toPage(rows.map(toBucket), i.limit, (b) => b.id);
}

function toBucket(row: BucketRow): Bucket {
  return {
    id: Number(row.id),
    userId: row.user_id,
    category: row.category,
    priority: row.priority,
    amount: Number(row.amount),
    remaining: Number(row.remaining),
    effectiveAt: row.effective_at,
    expiresAt: row.expires_at,
    source: row.source,
    referenceId: row.reference_id,
    createdAt: row.created_at,
  };
}

export interface SweepRequest {
  /** The service's clock: buckets whose expiry is at or before it are written off. */
  now: Date;
  /** Users per transaction. */
  chunkSize: number;
  /** Called after each chunk with the time it took (see jobs/pace.ts). */
  pace?: (chunkMs: number) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * Writes off every bucket that expired by `now`, one `expire` row each, and ends the holds that
 * lapsed (credits_expire_users),
 * in chunks of users, each its own short transaction. Exactly once, whoever sweeps: each user's
 * row is locked and a written-off bucket is marked, so a second sweeper (another replica, a
 * restart) finds nothing left; chunks take a transaction-scoped advisory lock (PgBouncer-safe),
 * so sweepers of several replicas take turns rather than contend. Returns how many expired.
 */
export async function sweepExpired(em: EntityManager, request: SweepRequest): Promise<number> {
  let expired = 0;
  for (;;) {
    if (request.signal?.aborted) return expired;
    const started = performance.now();
    const done = await transaction(em, async (sql) => {
      await sql(`select pg_advisory_xact_lock(hashtext('credits.expiry'))`, []);
      const [chunk] = await sql<{ users: number; expired: number }>(
        // The oldest expiries first, by the expiry index: each chunk takes what the last one left.
        `with due as (
           select distinct d.user_id from (
             (select b.user_id from credit_buckets b
               where b.remaining > 0 and b.expired_at is null and b.expires_at <= $1
               order by b.expires_at limit $2)
             union all
             -- Holds that lapsed end here too (rule 9), by the partial index of active holds.
             (select h.user_id from credit_holds h where h.status = 'active' and h.expires_at <= $1 order by h.expires_at limit $2)
           ) d
         )
         select (select count(*)::int from due) as users, credits_expire_users(array(select user_id from due), $1) as expired`,
        [request.now, request.chunkSize],
      );
      return chunk!;
    });
    expired += done.expired;
    if (done.users === 0) return expired;
    await request.pace?.(performance.now() - started);
  }
}
