import path from 'node:path';
import type { CreditsClient } from '@credits/client';
import pg from 'pg';
import { loadPeople } from '../../records/src/generate';
import { drive, spawnBuilt } from './harness';
import { compare, type Scenario } from './report';

/**
 * The records service (seed 003) on a dataset of `people` rows: GET /query with its credit charge
 * (a usage record and its consume, through the SDK), against the same query's SQL run directly
 * with `pg` (the dataset alone: no HTTP, no charge).
 */
export async function recordsScenarios(opts: {
  clusterUrl: string;
  admin: CreditsClient;
  creditsUrl: string;
  people: number;
  callers: number;
  seconds: number;
}): Promise<Scenario[]> {
  const { clusterUrl, admin, creditsUrl, people, callers, seconds } = opts;
  const recordsUrl = Object.assign(new URL(clusterUrl), { pathname: '/records' }).toString();
  const cluster = new pg.Client({ connectionString: clusterUrl });
  await cluster.connect();
  await cluster.query('create database records');
  await cluster.end();

  const serviceKey = await admin.apiKeys.create.mutate({ name: 'records (bench)', scope: 'service' });
  const records = await spawnBuilt(path.resolve(import.meta.dirname, '../../records'), 'RECORDS_PORT', {
    CREDITS_URL: creditsUrl,
    CREDITS_API_KEY: serviceKey.key,
    RECORDS_DATABASE_URL: recordsUrl,
    RECORDS_ADMIN_KEY: 'bench-records-admin-key',
  });
  const pool = new pg.Pool({ connectionString: recordsUrl, max: callers });
  pool.on('error', () => undefined);
  try {
    let t = performance.now();
    await loadPeople(pool, people);
    console.log(`records: ${people.toLocaleString('en-US')} people loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const keys: string[] = [];
    for (let i = 0; i < callers; i++) {
      const res = await fetch(`${records.url}/auth/signup`, { method: 'POST', body: JSON.stringify({ name: 'Bench', email: `records-bench-${i}@example.com` }) });
      const { user_id, api_key } = (await res.json()) as { user_id: number; api_key: string };
      await admin.credits.recharge.mutate({ userId: user_id, amount: 1_000_000 });
      keys.push(api_key);
    }
    const names = ['james', 'mary smi', 'wei', 'omar k', 'sofia', 'tanaka', 'li', 'garcia'];
    const pick = (i: number) => names[i % names.length]!;

    t = performance.now();
    const charged = await drive(
      callers,
      async (i) => {
        const res = await fetch(`${records.url}/query?limit=100&name_like=${encodeURIComponent(pick(i))}`, { headers: { 'x-api-key': keys[i % keys.length]! } });
        if (res.status !== 200) throw new Error(`/query answered ${res.status}`);
        await res.arrayBuffer();
      },
      seconds,
    );
    const like = (s: string) => `%${s}%`;
    const raw = await drive(
      callers,
      (i) =>
        Promise.all([
          pool.query(`select canonical_key, name, email, phone, to_char(dob, 'YYYY-MM-DD') as dob from records where name ilike $1 order by canonical_key limit 100`, [like(pick(i))]),
          pool.query(`select count(*)::int as n from (select 1 from records where name ilike $1 limit 10001) matched`, [like(pick(i))]),
        ]),
      seconds,
    );
    return [
      compare(`records GET /query, charged (${people.toLocaleString('en-US')} rows)`, callers, charged, raw, records.rssMb(), 'raw: the same SQL with pg, uncharged; RSS: the records service'),
    ];
  } finally {
    await pool.end();
    await records.stop();
  }
}
