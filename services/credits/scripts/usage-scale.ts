/**
 * `pnpm --filter @credits/service usage:scale [--rows 10000000]`: does usage_records need monthly
 * partitions? Loads usage_records in steps up to `rows` (a year of records over 10,000 users) on an
 * embedded PostgreSQL and, at each step, times what the service does with the table through the
 * domain's own functions: recordUsage (charged, as the records service calls it) and usageStats
 * over 30 days and over a year. The numbers go into docs/scaling.md.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { recordUsageInput } from '@credits/contract';
import { createLogger, startEmbeddedPostgres } from '@credits/runtime';
import pg from 'pg';
import { openDatabase } from '../src/db/orm';
import { recordUsage, usageStats } from '../src/domain/usage';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000000' } } });
const target = Number(values.rows);
const USERS = 10_000;
const CHUNK = 1_000_000;
const steps = [0, 1_000_000, target].filter((n, i, all) => n <= target && all.indexOf(n) === i);

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-usage-scale-'));
const log = createLogger('warn');
const database = await startEmbeddedPostgres(dataDir, 'credits', log);
const orm = await openDatabase(database.url, 8, log);
const pool = new pg.Pool({ connectionString: database.url, max: 2 });

try {
  await pool.query(
    `with made as (insert into users (email, name) select 'scale-' || g || '@example.com', 'Scale ' || g from generate_series(1, $1::int) g returning id)
     insert into credits (user_id, balance) select id, 1e9 from made`,
    [USERS],
  );
  await pool.query(
    `insert into credit_transactions (user_id, type, amount, balance_before, balance_after, description)
     select user_id, 'adjust', balance, 0, balance, 'scale seed' from credits`,
  );
  const rows: Record<string, string | number>[] = [];
  let loaded = 0;
  for (const step of steps) {
    while (loaded < step) {
      const n = Math.min(CHUNK, step - loaded);
      const t = performance.now();
      // Spread over every user and the past 365 days; the statement triggers keep usage_daily.
      await pool.query(
        `insert into usage_records (user_id, endpoint, event_type, model_name, credits_charged, cost_usd, tokens_used, created_at)
         select 1 + (g % $2), '/v1/chat', (array['chat','embed','tool','image'])[1 + g % 4], (array['m-small','m-large','m-vision'])[1 + g % 3],
                0.01, 0.0001, 100 + g % 900, now() - make_interval(secs => (g % 31536000))
           from generate_series($1::bigint + 1, $1::bigint + $3) g`,
        [loaded, USERS, n],
      );
      loaded += n;
      console.log(`loaded ${loaded.toLocaleString('en-US')} records (${((performance.now() - t) / 1000).toFixed(1)} s for this million)`);
    }
    await pool.query('vacuum analyze usage_records');
    await pool.query('vacuum analyze usage_daily');
    rows.push({ records: loaded, ...(await measure()) });
  }
  console.table(rows);
} finally {
  await pool.end();
  await orm.close();
  await database.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}

async function measure() {
  const em = () => orm.em.fork();
  const record = await timed(2_000, (i) =>
    recordUsage(em(), recordUsageInput.parse({ userId: 1 + (i % USERS), endpoint: '/v1/chat', eventType: 'chat', creditsCharged: 0.01, charge: true, modelName: 'm-small' }), new Date()),
  );
  const now = new Date();
  const monthAgo = new Date(now.getTime() - 30 * 86_400_000);
  const yearAgo = new Date(now.getTime() - 365 * 86_400_000);
  const stats30 = await timed(500, (i) => usageStats(em(), { userId: 1 + ((i * 7) % USERS), from: monthAgo, to: now }));
  const stats365 = await timed(200, (i) => usageStats(em(), { userId: 1 + ((i * 13) % USERS), from: yearAgo, to: now }));
  const [size] = (
    await pool.query<{ records: string; daily: string }>(
      `select pg_size_pretty(pg_total_relation_size('usage_records')) as records, pg_size_pretty(pg_total_relation_size('usage_daily')) as daily`,
    )
  ).rows;
  return {
    'record p50 ms': record.p50,
    'record p99 ms': record.p99,
    'stats 30d p50 ms': stats30.p50,
    'stats 30d p99 ms': stats30.p99,
    'stats 365d p50 ms': stats365.p50,
    'stats 365d p99 ms': stats365.p99,
    'usage_records size': size!.records,
    'usage_daily size': size!.daily,
  };
}

/** `n` sequential calls (one caller: latency, not throughput); p50 and p99 in ms. */
async function timed(n: number, call: (i: number) => Promise<unknown>) {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]! * 100) / 100;
  return { p50: at(0.5), p99: at(0.99) };
}
