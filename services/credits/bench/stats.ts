import type { CreditsClient } from '@credits/client';
import type pg from 'pg';
import { drive, type Latencies, ms } from './harness';
import { compare, type Scenario } from './report';

const DAYS = 90;
const DAY_MS = 86_400_000;
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY_MS).toISOString().slice(0, 10);

/**
 * `stats.overview` at scale: the ledger grown to `ledgerRows` rows over the last 90 days (80%
 * consumes by a skewed few, as usage is: user ⌊users·r³⌋, 15% recharges, 5% grants), folded by
 * the service's own job; the overview for 7, 30 and 90 days through the SDK beside a scan of the
 * ledger for the same answer. Then consume throughput with the fold running and with it held off
 * (the bench holds the fold's row lock, so every fold skips): the rollups off the hot path.
 */
export async function statsScenarios(opts: {
  pool: pg.Pool;
  client: CreditsClient;
  admin: CreditsClient;
  users: number;
  ledgerRows: number;
  callers: number;
  seconds: number;
  rssMb: () => number;
}): Promise<Scenario[]> {
  const { pool, client, admin, users, ledgerRows, callers, seconds, rssMb } = opts;
  const scenarios: Scenario[] = [];
  const [{ n: existing }] = (await pool.query<{ n: string }>('select count(*)::text as n from credit_transactions')).rows as [{ n: string }];
  let started = performance.now();
  await growLedger(pool, users, Math.max(0, ledgerRows - Number(existing)));
  await pool.query('vacuum analyze credit_transactions');
  const [{ n: total }] = (await pool.query<{ n: string }>('select count(*)::text as n from credit_transactions')).rows as [{ n: string }];
  console.log(`ledger grown to ${Number(total).toLocaleString('en-US')} rows in ${(ms(started) / 1000).toFixed(1)} s`);

  started = performance.now();
  await caughtUp(pool);
  const foldS = ms(started) / 1000;
  console.log(`the service's job folded them in ${foldS.toFixed(1)} s`);
  await pool.query('vacuum analyze ledger_daily, ledger_user_daily, ledger_daily_active');

  const rows = Number(total).toLocaleString('en-US');
  for (const span of [7, 30, DAYS]) {
    const range = { from: day(span - 1), to: day(0) };
    const ours = await drive(1, () => admin.stats.overview.query(range), seconds);
    const scanStarted = performance.now();
    await pool.query(SCAN, [range.from, range.to]);
    const scanMs = ms(scanStarted);
    scenarios.push(
      compare(`stats.overview, ${span} days (${rows} ledger rows)`, 1, ours, { ops: 1, seconds: scanMs / 1000, p50: scanMs, p99: scanMs }, rssMb(), `raw: a scan of the ledger, ${scanMs.toFixed(0)} ms`),
    );
  }
  const range30 = { from: day(29), to: day(0) };
  scenarios.push(compare(`stats.overview, 30 days, ${callers / 8} callers`, callers / 8, await drive(callers / 8, () => admin.stats.overview.query(range30), seconds), null, rssMb()));

  // Consume with the fold running and held off, alternately, twice: the same work, minutes apart.
  const randomUser = () => 1 + Math.floor(Math.random() * users);
  const consume = () => client.credits.consume.mutate({ userId: randomUser(), amount: 0.01 });
  const settle = () => pool.query('vacuum analyze credits, credit_transactions');
  const running: Latencies[] = [];
  const held: Latencies[] = [];
  for (let round = 0; round < 2; round++) {
    await caughtUp(pool);
    await settle();
    running.push(await drive(callers, consume, seconds));
    const hold = await pool.connect();
    try {
      await hold.query('begin');
      await hold.query('select 1 from ledger_rollup_state for update');
      await settle();
      held.push(await drive(callers, consume, seconds));
    } finally {
      await hold.query('rollback');
      hold.release();
    }
  }
  const perSec = (l: Latencies) => l.ops / l.seconds;
  const mean = (ls: Latencies[]) => ls.reduce((sum, l) => sum + perSec(l), 0) / ls.length;
  for (const [i, l] of running.entries()) scenarios.push(compare(`consume, rollup fold running (round ${i + 1})`, callers, l, null, rssMb()));
  for (const [i, l] of held.entries()) scenarios.push(compare(`consume, rollup fold held off (round ${i + 1})`, callers, l, null, rssMb()));
  scenarios.at(-1)!.note = `running / held off, mean of both rounds: ${(mean(running) / mean(held)).toFixed(2)}x`;
  return scenarios;
}

/** Appends `rows` ledger rows spread over the last 90 days, set-based, a million per statement. */
async function growLedger(pool: pg.Pool, users: number, rows: number): Promise<void> {
  const batch = 1_000_000;
  for (let done = 0; done < rows; done += batch) {
    await pool.query(
      `insert into credit_transactions (user_id, type, amount, balance_before, balance_after, description, created_at)
       select u, t, a, 1000, 1000 + a, 'bench history', now() - random() * interval '${DAYS - 1} days'
         from (select g, random() as r from generate_series(1, $2::int) g) s,
         lateral (select case when r < 0.8 then 'consume' when r < 0.95 then 'recharge' else 'grant' end as t) k,
         lateral (select least($1::int, 1 + floor($1::int * random() ^ 3)::int) as u,
                         case when r < 0.8 then -round((0.01 + random() * 2)::numeric, 4) else round((1 + random() * 20)::numeric, 4) end as a) v`,
      [users, Math.min(batch, rows - done)],
    );
  }
}

/** Waits until the service's fold has passed every ledger row written so far. */
async function caughtUp(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ last: string }>('select max(id)::text as last from credit_transactions');
  for (;;) {
    const state = await pool.query<{ through: string }>('select folded_through::text as through from ledger_rollup_state');
    if (BigInt(state.rows[0]!.through) >= BigInt(rows[0]!.last)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The same answer read from the ledger itself: per day and type, active users per day, top consumers. */
const SCAN = `
  with range as (select * from credit_transactions where created_at >= $1::date and created_at < $2::date + 1)
  select (select json_agg(d) from (select (created_at at time zone 'UTC')::date, type, sum(amount), count(*) from range group by 1, 2) d) as days,
         (select json_agg(a) from (select (created_at at time zone 'UTC')::date, count(distinct user_id) from range where type = 'consume' group by 1) a) as active,
         (select json_agg(t) from (select user_id, -sum(amount) from range where type = 'consume' group by 1 order by 2 desc limit 10) t) as top`;
