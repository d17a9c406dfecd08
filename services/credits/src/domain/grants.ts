import { DAILY_PROGRAM, type Decimal, type GrantRun, type ProgramRunCounts } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query, transaction } from '../db/sql';
import { badRequest } from './errors';
import { periodKey, type ProgramDefinition } from './programs';

/**
 * Grant programs' runs: every user receives a program's credits once per period (the daily grant:
 * `amount` once per UTC day).
 *
 * Exactly once, by the database: each payment is a `grant` ledger row keyed for its program and
 * period (`daily:YYYY-MM-DD`, `program:<name>:<period>`), and (user_id, idempotency_key) is unique,
 * so no restart, replica or second trigger can pay a user twice for a period. The work is
 * set-based, through credits_apply_each (the ledger's writer for many users): users in id order, a
 * chunk per short transaction, so a consume waits at most one chunk for a user's row. One run
 * works a period at a time (its lease, a `running` grant_runs row); chunks also take a
 * transaction-scoped advisory lock, which needs no session state (PgBouncer-safe) and keeps even a
 * run that lost its lease from racing another. A run that stops half way (error, shutdown, kill)
 * is resumed from its last chunk by the next. A user created after a period's run completed is
 * paid from the next period on.
 */

export interface GrantSettings {
  /** The built-in daily program: on or off (DAILY_GRANT_ENABLED), and its amount. */
  enabled: boolean;
  amount: Decimal;
  chunkSize: number;
  /** A running run silent for this long is taken to be dead, and its lease is taken over. */
  leaseMs: number;
}

export interface GrantRequest {
  /** The firing of the program's schedule this run pays. */
  period: Date;
  trigger: string;
  /** The service's clock: the instant the payments are made at (ledger.sql decides what is live at it). */
  now: Date;
  /** Stops the run between chunks (shutdown); it is left `interrupted`, to be resumed. */
  signal?: AbortSignal;
  /** Called after each committed chunk with the run so far: progress reporting, and tests that stop a run half way. */
  onChunk?: (progress: ProgramRunCounts & { lastUserId: number }) => void | Promise<void>;
  /** Called after each chunk with the time it took; resolves when the next may start (see jobs/pace.ts). */
  pace?: (chunkMs: number) => Promise<void>;
}

/** The UTC calendar day of `moment`, YYYY-MM-DD. */
const utcDate = (moment: Date) => moment.toISOString().slice(0, 10);

/** The daily grant's period for a UTC day: 00:00 that day. */
export const dayPeriod = (date: string) => new Date(`${date}T00:00:00Z`);

/** What a run needs of the settings: the program brings its own amount. */
type RunSettings = Pick<GrantSettings, 'chunkSize' | 'leaseMs'>;

const POLL_MS = 200;

/** Runs `program`'s grant for a period, or resumes it, or finds it done; waits while another run works the period. */
export async function runGrant(em: EntityManager, program: ProgramDefinition, settings: RunSettings, request: GrantRequest): Promise<ProgramRunCounts> {
  const started = performance.now();
  const result = (granted: number, alreadyGranted: number, refused: number, credits: number) => ({
    program: program.name,
    period: request.period,
    granted,
    credits,
    alreadyGranted,
    refused,
    ms: elapsed(started),
  });
  const claim = await claimPeriod(em, program, settings, request);
  if ('completed' in claim) return result(0, claim.granted, 0, 0);

  let granted = 0;
  let credited = 0;
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
      const chunk = await grantChunk(em, program, settings, request, claim.runId, after);
      if (chunk.seen === 0) break;
      granted += chunk.paid;
      credited += chunk.credited;
      refused += chunk.refused;
      after = chunk.lastUserId;
      await request.onChunk?.({ ...result(granted, claim.earlier, refused, credited), lastUserId: after });
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
    `select coalesce(sum(users_granted), 0)::int as paid from grant_runs where program = $1 and period = $2 and id <> $3`,
    [program.name, request.period, claim.runId],
  );
  return result(granted, others!.paid, refused, credited);
}

/** The period done already, or this run's lease: where it starts, and how many users earlier runs paid. */
type Claim = { completed: true; granted: number } | { runId: number; from: number; earlier: number };

async function claimPeriod(em: EntityManager, program: ProgramDefinition, settings: RunSettings, request: GrantRequest): Promise<Claim> {
  for (;;) {
    const [state] = await query<{ completed: boolean; granted: number }>(
      em,
      `select coalesce(bool_or(status = 'completed'), false) as completed, coalesce(sum(users_granted), 0)::int as granted
         from grant_runs where program = $1 and period = $2`,
      [program.name, request.period],
    );
    if (state!.completed) return { completed: true, granted: state!.granted };

    // A run that stopped sending heartbeats was killed: end its lease, keep its progress.
    await query(
      em,
      `update grant_runs set status = 'abandoned', finished_at = now()
        where program = $1 and period = $2 and status = 'running' and heartbeat_at < now() - make_interval(secs => $3)`,
      [program.name, request.period, settings.leaseMs / 1000],
    );
    // At most one running run per period (the partial unique index): this insert is the lease. It
    // starts where the period's earlier runs stopped; each moved its mark with its payments.
    const [run] = await query<{ id: number; last_user_id: number }>(
      em,
      `insert into grant_runs (program, period, status, amount, trigger, last_user_id)
       select $1::text, $2::timestamptz, 'running', $3::numeric, $4::text, coalesce(max(last_user_id), 0) from grant_runs where program = $1::text and period = $2::timestamptz
       on conflict (program, period) where status = 'running' do nothing
       returning id, last_user_id`,
      [program.name, request.period, program.amount, request.trigger],
    );
    if (run) return { runId: run.id, from: run.last_user_id, earlier: state!.granted };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS)); // another run is working the period
  }
}

/**
 * Pays the next `chunkSize` users after `after` who lack the period's grant, in one transaction:
 * through credits_apply_each (the ledger's set-based writer: every rule of the ledger, the
 * ceiling included), with the run's progress. Under the advisory lock the chunk's key check runs
 * after any other grant chunk committed, so it sees their payments.
 */
async function grantChunk(em: EntityManager, program: ProgramDefinition, settings: RunSettings, request: GrantRequest, runId: number, after: number) {
  return transaction(em, async (sql) => {
    await sql(`select pg_advisory_xact_lock(hashtext('credits.grants'))`, []);
    const [result] = await sql<{ seen: number; paid: number; credited: string; refused: number; last_user_id: number | null; owned: number }>(
      `with chunk as (
         -- A primary-key range: an index range scan, cheap whatever the table's size.
         select coalesce(array_agg(user_id order by user_id), '{}') as ids, max(user_id) as last_user_id, count(*)::int as seen
           from (select user_id from credits where user_id > $1 order by user_id limit $2) next
       ), applied as (
         select e.outcome, e.amount
           from chunk, credits_apply_each(
             chunk.ids, array_fill($3::numeric, array[cardinality(chunk.ids)]), 'grant', $4, $5, $6,
             jsonb_build_object('category', $7::text, 'priority', $8::int, 'source', $9::text, 'expires_at', $10::timestamptz + $11::interval),
             $12
           ) e
       ), progress as (
         update grant_runs
            set users_granted = users_granted + (select count(*) from applied where outcome = 'applied'),
                last_user_id = coalesce((select last_user_id from chunk), last_user_id),
                heartbeat_at = now()
          where id = $13 and status = 'running'
         returning id
       )
       select chunk.seen, chunk.last_user_id,
              (select count(*) from applied where outcome = 'applied')::int as paid,
              (select coalesce(sum(amount), 0) from applied where outcome = 'applied') as credited,
              (select count(*) from applied where outcome <> 'applied')::int as refused,
              (select count(*) from progress)::int as owned
         from chunk`,
      [
        after,
        settings.chunkSize,
        program.amount,
        program.name === DAILY_PROGRAM ? 'Daily grant' : `Grant program ${program.name}`,
        periodKey(program, request.period),
        request.now,
        program.category,
        program.priority,
        `program:${program.name}`,
        request.period,
        program.expiresAfter,
        program.mode === 'top_up_to',
        runId,
      ],
    );
    // Our lease was taken over (we were silent too long): undo this chunk and stop; the new owner pays.
    if (result!.owned === 0) throw new Error(`grant run ${runId} lost its lease for ${program.name} ${request.period.toISOString()}`);
    return { seen: result!.seen, paid: result!.paid, credited: Number(result!.credited), refused: result!.refused, lastUserId: result!.last_user_id ?? after };
  });
}

export async function recentGrantRuns(em: EntityManager, limit: number): Promise<GrantRun[]> {
  const rows = await query<{
    id: number;
    program: string;
    period: Date;
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
    `select id, program, period, to_char(period at time zone 'UTC', 'YYYY-MM-DD') as date, status, amount, trigger, users_granted,
            started_at, finished_at, error
       from grant_runs order by id desc limit $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    program: r.program,
    period: r.period,
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
