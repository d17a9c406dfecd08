import type { CreditsClient } from '@credits/client';
import type pg from 'pg';
import { drive } from './harness';
import { compare, type Scenario } from './report';

/** What the raw baselines run: the smallest correct SQL for each effect, one statement, with the unique idempotency key. */
export const RAW = {
  // Guarded update and its ledger row in one statement; a repeated key fails on the unique index.
  consume: `with paid as (
      update credits set balance = balance - $2, updated_at = now() where user_id = $1 and balance >= $2 returning user_id, balance
    )
    insert into credit_transactions (user_id, type, amount, balance_before, balance_after, idempotency_key)
    select user_id, 'consume', -$2, balance + $2, balance, $3 from paid`,
  recharge: `with paid as (
      update credits set balance = balance + $2, updated_at = now() where user_id = $1 returning user_id, balance
    )
    insert into credit_transactions (user_id, type, amount, balance_before, balance_after, idempotency_key)
    select user_id, 'recharge', $2, balance - $2, balance, $3 from paid`,
  balance: 'select balance, updated_at from credits where user_id = $1',
  // As consume, but a key seen before answers its original row instead of failing.
  consumeOnce: `with prior as (
      select id, balance_after from credit_transactions where user_id = $1 and idempotency_key = $3
    ), paid as (
      update credits set balance = balance - $2, updated_at = now()
       where user_id = $1 and balance >= $2 and not exists (select 1 from prior) returning user_id, balance
    ), made as (
      insert into credit_transactions (user_id, type, amount, balance_before, balance_after, idempotency_key)
      select user_id, 'consume', -$2, balance + $2, balance, $3 from paid returning id, balance_after
    )
    select * from made union all select * from prior`,
};

/**
 * The ledger's calls through the SDK (batching on, as its users get it), each beside its raw
 * SQL: consume over uniformly chosen users and on one hot user at 1, 8, 32 and 64 callers (the
 * chart), then recharge, balance read (at 1 caller too) and consume with 10% replayed keys at
 * `callers`.
 */
export async function ledgerScenarios(opts: {
  pool: pg.Pool;
  client: CreditsClient;
  users: number;
  hotUser: number;
  sweep: number[];
  callers: number;
  seconds: number;
  rssMb: () => number;
}): Promise<Scenario[]> {
  const { pool, client, users, hotUser, sweep, callers, seconds, rssMb } = opts;
  const randomUser = () => 1 + Math.floor(Math.random() * users);
  let keys = 0;
  const key = () => `bench-${process.pid}-${keys++}`;
  const settle = () => pool.query('vacuum analyze credits, credit_transactions');
  const scenarios: Scenario[] = [];
  const pair = async (name: string, concurrency: number, ours: (i: number) => Promise<unknown>, raw: (i: number) => Promise<unknown>, note?: string) => {
    await settle();
    const service = await drive(concurrency, ours, seconds);
    await settle();
    const baseline = await drive(concurrency, raw, seconds);
    scenarios.push(compare(name, concurrency, service, baseline, rssMb(), note));
    return { service, baseline };
  };

  // Enough for every debit the hot user will see, so none is refused for want of credits.
  await client.credits.recharge.mutate({ userId: hotUser, amount: 10_000_000 });
  // Unmeasured: a fresh process's first calls compile its paths. Measured first, the 1-caller
  // consume took 6.1 ms (p50) where the same calls took 3.9 ms a minute later.
  await drive(8, () => client.credits.consume.mutate({ userId: randomUser(), amount: 0.01 }), Math.min(2, seconds));
  await drive(8, () => pool.query(RAW.consume, [randomUser(), 0.01, key()]), Math.min(2, seconds));
  for (const concurrency of sweep) {
    await pair(
      'consume, uniform users',
      concurrency,
      () => client.credits.consume.mutate({ userId: randomUser(), amount: 0.01 }),
      () => pool.query(RAW.consume, [randomUser(), 0.01, key()]),
    );
  }
  for (const concurrency of sweep) {
    await pair(
      'consume, one hot user',
      concurrency,
      () => client.credits.consume.mutate({ userId: hotUser, amount: 0.0001 }),
      () => pool.query(RAW.consume, [hotUser, 0.0001, key()]),
      'raw: one statement per debit',
    );
  }
  await pair(
    'recharge',
    callers,
    () => client.credits.recharge.mutate({ userId: randomUser(), amount: 0.5 }),
    () => pool.query(RAW.recharge, [randomUser(), 0.5, key()]),
  );
  // A lone read shows what one call costs; 64 callers what batching and combining make of many.
  for (const concurrency of [1, callers]) {
    await pair(
      'balance read',
      concurrency,
      () => client.credits.balance.query({ userId: randomUser() }),
      () => pool.query(RAW.balance, [randomUser()]),
    );
  }

  // Every tenth call repeats an earlier one, key and all: it must answer the original, charging nothing.
  const replayable = () => {
    const done: { userId: number; key: string }[] = [];
    return async (call: (userId: number, key: string) => Promise<unknown>) => {
      const again = done.length > 0 && Math.random() < 0.1 ? done[Math.floor(Math.random() * done.length)]! : { userId: randomUser(), key: key() };
      await call(again.userId, again.key);
      if (done.length < 100_000) done.push(again);
    };
  };
  const ours = replayable();
  const raw = replayable();
  await pair(
    'consume, 10% replayed keys',
    callers,
    () => ours((userId, idempotencyKey) => client.credits.consume.mutate({ userId, amount: 0.01, idempotencyKey })),
    () => raw((userId, k) => pool.query(RAW.consumeOnce, [userId, 0.01, k])),
  );
  return scenarios;
}
