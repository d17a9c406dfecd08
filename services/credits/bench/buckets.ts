import type pg from 'pg';
import { drive, ms, type SdkBench, untilCompleted } from './harness';
import { RAW } from './ledger';
import { compare, type Scenario } from './report';

/**
 * What buckets cost. Consume for users holding three live buckets beside users holding one, in
 * the same run; a `top_up_to` program over every user beside the daily grant (`add`), in the same
 * run; and the expiry sweeper writing off `bucketsToExpire` buckets, beside the smallest correct
 * SQL for the same effect, with consumes running through it.
 */
export async function bucketScenarios(opts: SdkBench & { bucketsToExpire: number }): Promise<Scenario[]> {
  const { pool, client, admin, users, callers, seconds, bucketsToExpire, rssMb } = opts;
  const half = Math.floor(users / 2);
  const settle = () => pool.query('vacuum analyze credits, credit_transactions, credit_buckets');
  const scenarios: Scenario[] = [];

  // The first half of the users gain two more live buckets (a promotional one spent first, a paid
  // one expiring in a year): three each. The second half keep the one they were seeded with.
  await addBuckets(pool, 1, half, [
    { category: 'promotional', priority: 10, amount: 1_000, expiresIn: '1 year' },
    { category: 'paid', priority: 50, amount: 1_000, expiresIn: '1 year' },
  ]);
  await settle();
  const threeBuckets = await drive(callers, () => client.credits.consume.mutate({ userId: 1 + Math.floor(Math.random() * half), amount: 0.01 }), seconds);
  await settle();
  const oneBucket = await drive(callers, () => client.credits.consume.mutate({ userId: half + 1 + Math.floor(Math.random() * (users - half)), amount: 0.01 }), seconds);
  await settle();
  let keys = 0;
  const raw = await drive(callers, () => pool.query(RAW.consume, [1 + Math.floor(Math.random() * users), 0.01, `bench-buckets-${keys++}`]), seconds);
  scenarios.push(
    compare('consume, users holding 3 live buckets', callers, threeBuckets, raw, rssMb(), `${(threeBuckets.ops / threeBuckets.seconds / (oneBucket.ops / oneBucket.seconds)).toFixed(2)}x the one-bucket consume`),
    compare('consume, users holding 1 bucket', callers, oneBucket, raw, rssMb()),
  );

  // A top_up_to program and the daily grant, each paying every user once.
  await admin.programs.upsert.mutate({ name: 'bench-allowance', amount: 10, schedule: '0 0 1 * *', mode: 'top_up_to', expiresAfter: 'P1M', enabled: false });
  await settle();
  let started = performance.now();
  const topUp = await untilCompleted(() => admin.programs.run.mutate({ name: 'bench-allowance' }));
  const topUpMs = ms(started);
  if (topUp.granted + topUp.alreadyGranted !== users) throw new Error(`the top-up paid ${topUp.granted + topUp.alreadyGranted} of ${users} users`);
  await settle();
  started = performance.now();
  const daily = await untilCompleted(() => admin.grants.runDaily.mutate({ date: '2001-01-01' }));
  const dailyMs = ms(started);
  if (daily.granted + daily.alreadyGranted !== users) throw new Error(`the daily grant paid ${daily.granted + daily.alreadyGranted} of ${users} users`);
  const asOps = (msTaken: number) => ({ ops: users, seconds: msTaken / 1000, p50: Number.NaN, p99: Number.NaN });
  scenarios.push(
    compare(`top_up_to program, ${users.toLocaleString('en-US')} users (ops = users)`, 1, asOps(topUpMs), null, rssMb(),
      `wall ${(topUpMs / 1000).toFixed(1)} s, ${(topUpMs / dailyMs).toFixed(2)}x the daily grant's ${(dailyMs / 1000).toFixed(1)} s`),
  );

  // The sweeper: `bucketsToExpire` buckets over every user. The raw statement writes off a set as
  // if at a day from now (so the service's sweep, which goes by the real clock, leaves them
  // alone); then another set expires at a minute's start, when the service's sweep runs, while
  // consumes run through it.
  const perUser = Math.max(1, Math.round(bucketsToExpire / users));
  const expiring = Array.from({ length: perUser }, () => ({ category: 'promotional' as const, priority: 20, amount: 0.5 }));
  const tomorrow = new Date(Date.now() + 86_400_000);
  await addBuckets(pool, 1, users, expiring, tomorrow);
  await settle();
  started = performance.now();
  const rawExpired = await pool.query(RAW_EXPIRE, [tomorrow]);
  const rawMs = ms(started);

  // Time to make them and settle, then the next minute's start.
  const at = Math.ceil((Date.now() + 20_000 + (users * perUser) / 10) / 60_000) * 60_000;
  await addBuckets(pool, 1, users, expiring, new Date(at));
  await settle();
  if (Date.now() > at - 1_000) throw new Error('the buckets to sweep were made too slowly: their minute has begun');
  await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
  const swept = waitForSweep(pool);
  const during = await drive(callers, () => client.credits.consume.mutate({ userId: half + 1 + Math.floor(Math.random() * (users - half)), amount: 0.01 }), swept);
  const sweepMs = (await swept) - at;
  const expiredAsOps = (msTaken: number) => ({ ops: users * perUser, seconds: msTaken / 1000, p50: Number.NaN, p99: Number.NaN });
  scenarios.push(
    compare(`expiry sweep, ${(users * perUser).toLocaleString('en-US')} buckets (ops = buckets)`, 1, expiredAsOps(sweepMs), expiredAsOps(rawMs), rssMb(),
      `wall ${(sweepMs / 1000).toFixed(1)} s vs raw ${(rawMs / 1000).toFixed(1)} s (${rawExpired.rowCount} rows); consumes write off their own`),
    compare('consume, while the sweeper runs', callers, during, null, rssMb(), `p99 vs ${oneBucket.p99.toFixed(1)} ms idle`),
  );
  return scenarios;
}

/**
 * Every due bucket written off in one statement, with its `expire` row (balances before and after
 * each, in expiry order) and the balances moved: what the sweeper does, without chunks, leases or
 * anyone else's calls.
 */
const RAW_EXPIRE = `
  with due as (
    select b.id, b.user_id, b.remaining,
           sum(b.remaining) over (partition by b.user_id order by b.expires_at, b.id) as through
      from credit_buckets b
     where b.remaining > 0 and b.expired_at is null and b.expires_at <= $1
  ), emptied as (
    update credit_buckets b set remaining = 0, expired_at = $1 from due where b.id = due.id
  ), moved as (
    update credits c set balance = c.balance - t.total, updated_at = now()
      from (select user_id, sum(remaining) as total from due group by user_id) t
     where c.user_id = t.user_id
    returning c.user_id, c.balance + t.total as before
  )
  insert into credit_transactions (user_id, type, amount, balance_before, balance_after, description, allocations)
  select d.user_id, 'expire', -d.remaining, m.before - d.through + d.remaining, m.before - d.through, 'Expired: bench',
         jsonb_build_array(jsonb_build_object('bucketId', d.id, 'amount', -d.remaining))
    from due d join moved m on m.user_id = d.user_id`;

interface BucketSpec {
  category: 'paid' | 'promotional';
  priority: number;
  amount: number;
  /** An interval from now; none: they expire at addBuckets' `expiresAt`. */
  expiresIn?: string;
}

/** Users `from`..`to` each gain these buckets, with one `recharge` row each that explains them (so balance = sum of buckets = sum of ledger). */
async function addBuckets(pool: pg.Pool, from: number, to: number, specs: BucketSpec[], expiresAt: Date | null = null): Promise<void> {
  const batch = 50_000;
  for (let first = from; first <= to; first += batch) {
    const last = Math.min(to, first + batch - 1);
    await pool.query(
      `with spec as (
         select * from jsonb_to_recordset($3::jsonb) as s(category text, priority smallint, amount numeric, "expiresIn" interval)
       ), made as (
         insert into credit_buckets (user_id, category, priority, amount, remaining, effective_at, expires_at, source)
         select u, s.category, s.priority, s.amount, s.amount, now() - interval '1 second', coalesce(now() + s."expiresIn", $4::timestamptz), 'recharge'
           from generate_series($1::int, $2::int) u, spec s
         returning id, user_id, amount
       ), per_user as (
         select user_id, sum(amount) as total, jsonb_agg(jsonb_build_object('bucketId', id, 'amount', amount) order by id) as allocations
           from made group by user_id
       ), moved as (
         update credits c set balance = c.balance + p.total from per_user p where c.user_id = p.user_id
         returning c.user_id, c.balance, p.total, p.allocations
       )
       insert into credit_transactions (user_id, type, amount, balance_before, balance_after, description, allocations)
       select user_id, 'recharge', total, balance - total, balance, 'bench buckets', allocations from moved`,
      [first, last, JSON.stringify(specs), expiresAt],
    );
  }
}

/** Resolves, with the time, once no bucket that is due is left unexpired (the service's sweep is done). */
async function waitForSweep(pool: pg.Pool): Promise<number> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { rows } = await pool.query<{ left: boolean }>(
      `select exists (select 1 from credit_buckets b where b.remaining > 0 and b.expired_at is null and b.expires_at <= now()) as left`,
    );
    if (!rows[0]!.left) return Date.now();
  }
}
