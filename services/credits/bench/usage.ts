import type { CreditsClient } from '@credits/client';
import type pg from 'pg';
import { drive } from './harness';
import { compare, type Scenario } from './report';

/**
 * usage.record with a charge, through the SDK, against the smallest correct SQL for the same
 * effect (one statement: guarded consume, ledger row and usage record pointing at each other, with
 * the unique idempotency key); and usage.stats for a light user and for one with 500,000 records.
 */
export async function usageScenarios(opts: {
  pool: pg.Pool;
  client: CreditsClient;
  users: number;
  callers: number;
  seconds: number;
  heavyRecords: number;
  rssMb: () => number;
}): Promise<Scenario[]> {
  const { pool, client, users, callers, seconds, heavyRecords, rssMb } = opts;
  const randomUser = () => 1 + Math.floor(Math.random() * users);
  const event = { endpoint: '/api/chat/completion', eventType: 'ai_chat', modelName: 'gpt-4', tokensUsed: 1500, costUsd: 0.01 };

  const service = await drive(callers, () => client.usage.record.mutate({ userId: randomUser(), ...event, creditsCharged: 0.01, charge: true }), seconds);
  let n = 0;
  const raw = await drive(
    callers,
    () =>
      pool.query(
        `with ids as (
           select nextval(pg_get_serial_sequence('usage_records', 'id')) as record_id,
                  nextval(pg_get_serial_sequence('credit_transactions', 'id')) as tx_id
         ), paid as (
           update credits set balance = balance - $2, updated_at = now() where user_id = $1 and balance >= $2
           returning user_id, balance
         ), ledger as (
           insert into credit_transactions (id, user_id, type, amount, balance_before, balance_after, usage_record_id)
           select ids.tx_id, paid.user_id, 'consume', -$2, paid.balance + $2, paid.balance, ids.record_id from paid, ids
         )
         insert into usage_records (id, user_id, endpoint, event_type, credits_charged, cost_usd, tokens_used, model_name, transaction_id, idempotency_key)
         select ids.record_id, paid.user_id, $3, $4, $2, $5, $6, $7, ids.tx_id, $8 from paid, ids`,
        [randomUser(), 0.01, event.endpoint, event.eventType, event.costUsd, event.tokensUsed, event.modelName, `raw-${n++}`],
      ),
    seconds,
  );

  // A heavy user: `heavyRecords` records over 90 days, of 4 types and 3 models.
  await pool.query(
    `insert into usage_records (user_id, endpoint, event_type, model_name, credits_charged, cost_usd, tokens_used, created_at)
     select 1, '/api', (array['ai_chat','api_call','memory_storage','tool_use'])[1 + g % 4], (array['gpt-4','claude',null])[1 + g % 3],
            (g % 100) / 100.0, (g % 1000) / 100000.0, g % 5000, now() - make_interval(secs => (g::bigint * 15551) % 7776000)
       from generate_series(1, $1::int) g`,
    [heavyRecords],
  );
  await pool.query('vacuum analyze usage_records');
  const light = 2; // a user with the handful of records the scenarios above gave it
  // The last 30 days to this moment: 29 whole days and two part days, the dashboard's usual ask.
  const statsOf = (userId: number) =>
    drive(1, () => client.usage.stats.query({ userId, from: new Date(Date.now() - 30 * 86_400_000), to: new Date() }), seconds / 2);
  // The smallest SQL for the same answer, straight from the records: totals, by type, by model, by day.
  const rawStatsOf = (userId: number) =>
    drive(
      1,
      () =>
        pool.query(
          `select event_type, model_name, date_trunc('day', created_at) as day,
                  count(*), sum(credits_charged), sum(cost_usd), sum(tokens_used)
             from usage_records where user_id = $1 and created_at >= $2 and created_at <= $3
            group by grouping sets ((), (event_type), (model_name), (date_trunc('day', created_at)))`,
          [userId, new Date(Date.now() - 30 * 86_400_000), new Date()],
        ),
      seconds / 2,
    );
  const lightStats = await statsOf(light);
  const lightRaw = await rawStatsOf(light);
  const heavyStats = await statsOf(1);
  const heavyRaw = await rawStatsOf(1);

  return [
    compare('usage.record with charge', callers, service, raw, rssMb(), 'raw: one statement, consume + ledger row + record'),
    compare('usage.stats, light user', 1, lightStats, lightRaw, rssMb(), 'last 30 days; raw: one grouping-sets query over the records'),
    compare(`usage.stats, ${heavyRecords.toLocaleString('en-US')}-record user`, 1, heavyStats, heavyRaw, rssMb(), 'ours: daily sums + the two part days'),
  ];
}
