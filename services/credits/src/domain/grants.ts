import type { Decimal, GrantResult, GrantRun } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query, transaction } from '../db/sql';
import { badRequest } from './errors';

/**
 * The daily grant: every user receives `amount` credits once per UTC day.
 *
 * Exactly once, by the database: each payment is a `grant` ledger row keyed `daily:YYYY-MM-DD`,
 * and (user_id, idempotency_key) is unique, so no restart, replica or second trigger can pay a user
 * twice for a day. The work is set-based: users in id order, a chunk per short transaction, so a
 * consume waits at most one chunk for a user's row. One run works a date at a time (its lease, a
 * `running` grant_runs row); chunks also take a transaction-scoped advisory lock, which needs no
 * session state (PgBouncer-safe) and keeps even a run that lost its lease from racing another.
 * A run that stops half way (error, shutdown, kill) is resumed from its last chunk by the next.
 * A user created after a date's run completed starts at 0 and is paid from the next day on.
 */

export interface GrantSettings {
  amount: Decimal;
  chunkSize: number;
  /** A running run silent for this long is taken to be dead, and its lease is taken over. */
  leaseMs: number;
}

export interface GrantRequest {
  date: string;
  trigger: string;
  /** The service's clock: the instant the payments are made at (ledger.sql decides what is live at it). */
  now: Date;
  /** Stops the run between chunks (shutdown); it is left `interrupted`, to be resumed. */
  signal?: AbortSignal;
  /** Called after each committed chunk: progress reporting, and tests that stop a run half way. */
  onChunk?: (progress: { granted: number; lastUserId: number }) => void | Promise<void>;
  /** Called after each chunk with the time it took; resolves when the next may start (see jobs/pace.ts). */
  pace?: (chunkMs: number) => Promise<void>;
}

export const grantKey = (date: string) => `daily:${date}`;

/** The daily grant's credits: free ones (promotional), spent before paid credits of the same priority, never expiring. */
const DAILY_BUCKET = JSON.stringify({ category: 'promotional', source: 'program:daily' });

/** The UTC calendar day of `moment`, YYYY-MM-DD. */
export const utcDate = (moment: Date) => moment.toISOString().slice(0, 10);

const POLL_MS = 200;

/** Runs the grant for `date`, or resumes it, or finds it done; waits while another run works the date. */
export async function runDailyGrant(em: EntityManager, settings: GrantSettings, request: GrantRequest): Promise<GrantResult> {
  const started = performance.now();
  const claim = await claimDate(em, settings, request);
  if ('completed' in claim) return { date: request.date, granted: 0, alreadyGranted: claim.granted, refused: 0, ms: elapsed(started) };

  let granted = 0;
  let refused = 0;
  let after = claim.from;
  let status: 'completed' | 'failed' | 'interrupted' = 'completed';
  let failure: unknown;
  try {
    for (;;) {
      if (request.signal?.aborted) {
        status = 'interrupted';
        break;
      }
      const chunkStarted = performance.now();
      const chunk = await grantChunk(em, settings, request, claim.runId, after);
      if (chunk.seen === 0) break;
      granted += chunk.paid;
      refused += chunk.refused;
      after = chunk.lastUserId;
      await request.onChunk?.({ granted, lastUserId: after });
      await request.pace?.(performance.now() - chunkStarted);
    }
  } catch (error) {
    status = 'failed';
    failure = error;
  }
  await query(em, `update grant_runs set status = $2, finished_at = now(), error = $3 where id = $1 and status = 'running'`, [
    claim.runId,
    status,
    failure === undefined ? null : String((failure as Error).message ?? failure).slice(0, 500),
  ]);
  if (failure !== undefined) throw failure;
  const [others] = await query<{ paid: number }>(
    em,
    `select coalesce(sum(users_granted), 0)::int as paid from grant_runs where date = $1 and id <> $2`,
    [request.date, claim.runId],
  );
  return { date: request.date, granted, alreadyGranted: others!.paid, refused, ms: elapsed(started) };
}

type Claim = { completed: true; granted: number } | { runId: number; from: number };

async function claimDate(em: EntityManager, settings: GrantSettings, request: GrantRequest): Promise<Claim> {
  for (;;) {
    const [state] = await query<{ completed: boolean; granted: number }>(
      em,
      `select coalesce(bool_or(status = 'completed'), false) as completed, coalesce(sum(users_granted), 0)::int as granted
         from grant_runs where date = $1`,
      [request.date],
    );
    if (state!.completed) return { completed: true, granted: state!.granted };

    // A run that stopped sending heartbeats was killed: end its lease, keep its progress.
    await query(
      em,
      `update grant_runs set status = 'abandoned', finished_at = now()
        where date = $1 and status = 'running' and heartbeat_at < now() - make_interval(secs => $2)`,
      [request.date, settings.leaseMs / 1000],
    );
    // At most one running run per date (the partial unique index): this insert is the lease. It
    // starts where the date's earlier runs stopped; each moved its mark with its payments.
    const [run] = await query<{ id: number; last_user_id: number }>(
      em,
      `insert into grant_runs (date, status, amount, trigger, last_user_id)
       select $1::date, 'running', $2::numeric, $3, coalesce(max(last_user_id), 0) from grant_runs where date = $1::date
       on conflict (date) where status = 'running' do nothing
       returning id, last_user_id`,
      [request.date, settings.amount, request.trigger],
    );
    if (run) return { runId: run.id, from: run.last_user_id };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS)); // another run is working the date
  }
}

/**
 * Pays the next `chunkSize` users after `after` who lack the day's grant, in one transaction:
 * through credits_apply_each (the ledger's set-based writer: every rule of the ledger, the
 * ceiling included), with the run's progress. Under the advisory lock the chunk's key check runs
 * after any other grant chunk committed, so it sees their payments.
 */
async function grantChunk(em: EntityManager, settings: GrantSettings, request: GrantRequest, runId: number, after: number) {
  const { date, now } = request;
  return transaction(em, async (sql) => {
    await sql(`select pg_advisory_xact_lock(hashtext('credits.daily_grant'))`, []);
    const [result] = await sql<{ seen: number; paid: number; refused: number; last_user_id: number | null; owned: number }>(
      `with chunk as (
         -- A primary-key range: an index range scan, cheap whatever the table's size.
         select coalesce(array_agg(user_id order by user_id), '{}') as ids, max(user_id) as last_user_id, count(*)::int as seen
           from (select user_id from credits where user_id > $1 order by user_id limit $2) next
       ), applied as (
         select e.outcome
           from chunk, credits_apply_each(chunk.ids, array_fill($3::numeric, array[cardinality(chunk.ids)]), 'grant', 'Daily grant', $4, $6, $7) e
       ), progress as (
         update grant_runs
            set users_granted = users_granted + (select count(*) from applied where outcome = 'applied'),
                last_user_id = coalesce((select last_user_id from chunk), last_user_id),
                heartbeat_at = now()
          where id = $5 and status = 'running'
         returning id
       )
       select chunk.seen, chunk.last_user_id,
              (select count(*) from applied where outcome = 'applied')::int as paid,
              (select count(*) from applied where outcome <> 'applied')::int as refused,
              (select count(*) from progress)::int as owned
         from chunk`,
      [after, settings.chunkSize, settings.amount, grantKey(date), runId, now, DAILY_BUCKET],
    );
    // Our lease was taken over (we were silent too long): undo this chunk and stop; the new owner pays.
    if (result!.owned === 0) throw new Error(`grant run ${runId} lost its lease for ${date}`);
    return { seen: result!.seen, paid: result!.paid, refused: result!.refused, lastUserId: result!.last_user_id ?? after };
  });
}

export async function recentGrantRuns(em: EntityManager, limit: number): Promise<GrantRun[]> {
  const rows = await query<{
    id: number;
    date: string;
    status: GrantRun['status'];
    amount: string;
    trigger: string;
    users_granted: number;
    started_at: Date;
    finished_at: Date | null;
    error: string | null;
  }>(
    em,
    `select id, to_char(date, 'YYYY-MM-DD') as date, status, amount, trigger, users_granted, started_at, finished_at, error
       from grant_runs order by id desc limit $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    date: r.date,
    status: r.status,
    amount: Number(r.amount),
    trigger: r.trigger,
    usersGranted: r.users_granted,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
  }));
}

/** The date a grant request names: today by default, any past day, never a future one. */
export function grantDate(requested: string | undefined, now: Date): string {
  const today = utcDate(now);
  if (requested === undefined) return today;
  if (requested > today) throw badRequest(`date: ${requested} is in the future (today is ${today} UTC)`);
  return requested;
}

const elapsed = (started: number) => Math.round(performance.now() - started);
