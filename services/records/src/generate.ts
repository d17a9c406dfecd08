/**
 * Loads synthetic people into the records dataset: `pnpm --filter @credits/records generate [N]`
 * (default 1,000,000), into RECORDS_DATABASE_URL or the embedded database. Streams CSV through
 * COPY, with the trigram indexes dropped during the load and built once after it.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@credits/runtime';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from './config';
import { openDataset } from './dataset';

const FIRST = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'Aarav', 'Priya', 'Wei', 'Mei', 'Omar', 'Fatima', 'Lukas', 'Sofia', 'Kenji', 'Yuki', 'Carlos', 'Lucia', 'Ivan', 'Olga'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Sharma', 'Patel', 'Wang', 'Li', 'Khan', 'Ali', 'Müller', 'Schmidt', 'Rossi', 'Tanaka', 'Suzuki', 'Lopez', 'Ivanov', 'Novak', 'Doe', 'Kim'];

/** Row i, the same for every run: keys are stable, so loading twice never collides with itself. */
function person(i: number): string {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
  const key = `${first}_${last}_${i}`.toLowerCase();
  const day = new Date(Date.UTC(1950, 0, 1) + ((i * 7919) % 20_000) * 86_400_000).toISOString().slice(0, 10);
  return `${key},${first} ${last},${key}@example.com,${String(9_000_000_000 + ((i * 104_729) % 999_999_999))},${day}\n`;
}

export async function loadPeople(pool: pg.Pool, count: number, startAt = 1): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('drop index if exists records_name_trgm, records_email_trgm');
    const rows = (function* () {
      for (let i = startAt; i < startAt + count; i += 1_000) {
        let chunk = '';
        for (let j = i; j < Math.min(i + 1_000, startAt + count); j++) chunk += person(j);
        yield chunk;
      }
    })();
    await pipeline(Readable.from(rows), client.query(copyFrom('copy records (canonical_key, name, email, phone, dob) from stdin with (format csv)')));
    await client.query('create index records_name_trgm on records using gin (name gin_trgm_ops)');
    await client.query('create index records_email_trgm on records using gin (email gin_trgm_ops)');
    await client.query('analyze records');
  } finally {
    client.release();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 1_000_000);
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const dataset = await openDataset(config.databaseUrl, config.dataDir, log);
  const { rows } = await dataset.pool.query<{ n: number }>('select count(*)::int as n from records');
  const started = performance.now();
  await loadPeople(dataset.pool, count, rows[0]!.n + 1);
  log.info({ count, seconds: Math.round(performance.now() - started) / 1000 }, `loaded ${count} records`);
  await dataset.close();
}
