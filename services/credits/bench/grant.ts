import { drive, ms, type SdkBench, untilCompleted } from './harness';
import { compare, type Scenario } from './report';

/**
 * The daily grant over every user: the service's run (chunked, resumable, leased) against the
 * smallest correct SQL for the same effect (one UPDATE of every balance feeding one INSERT of
 * every ledger row), the repeat run of a day already done, and what a grant in progress does to
 * consume latency.
 */
export async function grantScenarios(opts: SdkBench): Promise<Scenario[]> {
  const { pool, client, admin, users, callers, seconds, rssMb } = opts;
  const randomUser = () => 1 + Math.floor(Math.random() * users);
  const consume = () => client.credits.consume.mutate({ userId: randomUser(), amount: 0.01 });
  const settle = () => pool.query('vacuum analyze credits, credit_transactions');

  await settle();
  const idle = await drive(callers, consume, seconds);

  await settle();
  let started = performance.now();
  const today = await untilCompleted(() => admin.grants.runDaily.mutate({}));
  const grantMs = ms(started);
  if (today.granted + today.alreadyGranted !== users) throw new Error(`the grant paid ${today.granted + today.alreadyGranted} of ${users} users`);

  started = performance.now();
  const repeat = await admin.grants.runDaily.mutate({});
  const repeatMs = ms(started);
  if (repeat.granted !== 0) throw new Error('the repeat run paid someone again');

  await settle();
  started = performance.now();
  await pool.query(
    `with paid as (update credits set balance = balance + 5, updated_at = now() returning user_id, balance)
     insert into credit_transactions (user_id, type, amount, balance_before, balance_after, description, idempotency_key)
     select user_id, 'grant', 5, balance - 5, balance, 'Daily grant', 'daily:1999-01-01' from paid`,
  );
  const rawMs = ms(started);

  // Another (past) day's grant, with the consumers running from its start to its end.
  await settle();
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const during = await drive(callers, consume, untilCompleted(() => admin.grants.runDaily.mutate({ date: yesterday })));

  // The grant's rows count users as ops: one "op" per user paid.
  const asOps = (msTaken: number) => ({ ops: users, seconds: msTaken / 1000, p50: Number.NaN, p99: Number.NaN });
  return [
    compare(`daily grant, ${users.toLocaleString('en-US')} users (ops = users)`, 1, asOps(grantMs), asOps(rawMs), rssMb(),
      `wall ${(grantMs / 1000).toFixed(1)} s vs raw ${(rawMs / 1000).toFixed(1)} s`),
    { ...compare('daily grant, repeat run of the same day', 1, asOps(repeatMs), null, rssMb(), `wall ${repeatMs.toFixed(0)} ms`), p50Ms: repeatMs },
    compare('consume, idle (before the grant)', callers, idle, null, rssMb()),
    compare('consume, while a grant runs', callers, during, null, rssMb(), `p99 ${(during.p99 / idle.p99).toFixed(2)}x the idle p99`),
  ];
}
