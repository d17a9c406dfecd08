import type { EntityManager } from '../db/orm';
import { databaseFailureOf } from '../db/failures';
import { isSettled, readMark } from '../db/settled-mark';
import { type Query, transaction } from '../db/sql';

/**
 * Folds ledger rows into the daily rollups (`ledger_daily`, `ledger_user_daily`,
 * `ledger_daily_active`), off the hot path: a consume writes its ledger row and nothing else.
 *
 * Exactly once, across replicas: each chunk is one transaction that locks the state row (`for
 * update skip locked`: a replica finding it locked leaves the work to the holder), folds the rows
 * after the cursor and moves the cursor, together. A crash anywhere leaves rollups and cursor as
 * the last committed chunk left them.
 *
 * No row skipped: the cursor moves only to a settled mark (db/settled-mark.ts), so a ledger row
 * committed late with a smaller id is never passed over. The cost: the rollups lag one fold
 * interval, and `stats.overview` adds the rows past the cursor when it reads (ledger-stats.ts).
 */

/** Rows folded per transaction: short transactions, a bounded statement, however far behind. */
const FOLD_CHUNK_ROWS = 20_000;
/** The smallest chunk tried when chunks outlast the statement timeout (a busy database). */
const MIN_CHUNK_ROWS = 100;

export interface FoldResult {
  /** Ledger rows folded by this call. */
  folded: number;
  /** false: another replica holds the fold, or the mark is not settled yet. */
  progressed: boolean;
}

/**
 * Folds everything that is safe to fold now, a chunk per transaction. A chunk cancelled by the
 * statement timeout is rolled back whole, rollups and cursor alike, and tried again at half the
 * size: on a loaded database the fold slows down instead of stopping.
 */
export async function foldLedger(em: EntityManager, chunkRows = FOLD_CHUNK_ROWS): Promise<FoldResult> {
  let folded = 0;
  let size = chunkRows;
  for (;;) {
    let step;
    try {
      step = await transaction(em, (sql) => foldChunk(em, sql, size));
    } catch (error) {
      if (databaseFailureOf(error) !== 'timeout' || size <= MIN_CHUNK_ROWS) throw error;
      size = Math.max(MIN_CHUNK_ROWS, Math.floor(size / 2));
      continue;
    }
    folded += step.folded;
    if (step.done) return { folded, progressed: folded > 0 || step.markMoved };
  }
}

async function foldChunk(em: EntityManager, sql: Query, chunkRows: number): Promise<{ folded: number; done: boolean; markMoved: boolean }> {
  const [state] = await sql<{ folded_through: string; pending_through: string; pending_xmax: string }>(
    `select folded_through, pending_through, pending_xmax::text from ledger_rollup_state where id = 1 for update skip locked`,
    [],
  );
  if (!state || !(await isSettled(sql, state.pending_xmax))) return { folded: 0, done: true, markMoved: false };

  if (BigInt(state.folded_through) < BigInt(state.pending_through)) {
    const [chunk] = await sql<{ rows: number; last_id: string | null }>(FOLD_SQL, [state.folded_through, state.pending_through, chunkRows]);
    const full = chunk!.rows === chunkRows;
    const through = full ? chunk!.last_id! : state.pending_through;
    await sql(`update ledger_rollup_state set folded_through = $1, folded_at = now() where id = 1`, [through]);
    return { folded: chunk!.rows, done: false, markMoved: false };
  }

  // Caught up with the mark: set the next one.
  const mark = await readMark(em);
  await sql(`update ledger_rollup_state set pending_through = $1, pending_xmax = $2::xid8 where id = 1`, [mark.through, mark.xmax]);
  return { folded: 0, done: true, markMoved: mark.through !== state.pending_through };
}

/**
 * One chunk: the next rows after the cursor, up to the mark, added to the three rollups. A user's
 * first consume of a day (its `ledger_user_daily` row inserted, not updated: `xmax = 0`) counts
 * it once among the day's active users.
 */
const FOLD_SQL = `
  with batch as (
    select id, user_id, type, amount, (created_at at time zone 'UTC')::date as day
      from credit_transactions where id > $1 and id <= $2 order by id limit $3
  ), totals as (
    insert into ledger_daily as d (day, type, amount, entries)
    select day, type, sum(amount), count(*) from batch group by day, type
    on conflict (day, type) do update set amount = d.amount + excluded.amount, entries = d.entries + excluded.entries
  ), consumers as (
    insert into ledger_user_daily as u (day, user_id, consumed)
    select day, user_id, -sum(amount) from batch where type = 'consume' group by day, user_id
    on conflict (day, user_id) do update set consumed = u.consumed + excluded.consumed
    returning day, (xmax = 0) as first
  ), active as (
    insert into ledger_daily_active as a (day, users)
    select day, count(*) from consumers where first group by day
    on conflict (day) do update set users = a.users + excluded.users
  )
  select count(*)::int as rows, max(id)::text as last_id from batch`;
