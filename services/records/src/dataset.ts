import { databaseError, type EmbeddedOptions, type Logger, startEmbeddedPostgres } from '@credits/runtime';
import pg from 'pg';

/**
 * The records service's own data: a table of people in its own PostgreSQL database (embedded by
 * default, as the credits service's is; never the credits database). Trigram indexes keep the
 * partial-match filters fast on millions of rows.
 */

export interface Person {
  canonical_key: string;
  name: string;
  email: string;
  phone: string;
  dob: string;
}

export interface Dataset {
  pool: pg.Pool;
  search(options: { limit: number; offset: number; nameLike?: string; emailLike?: string }): Promise<{ rows: Person[]; total: number; totalCapped: boolean }>;
  byKey(key: string): Promise<Person | null>;
  close(): Promise<void>;
}

/** Matches are counted up to this many; past it `total_records` says this many (and the metadata says it is capped). */
const COUNT_CAP = 10_000;

const SCHEMA = `
  create extension if not exists pg_trgm;
  create table if not exists records (
    canonical_key text primary key,
    name text not null,
    email text not null,
    phone text not null,
    dob date not null
  );
  create index if not exists records_name_trgm on records using gin (name gin_trgm_ops);
  create index if not exists records_email_trgm on records using gin (email gin_trgm_ops);`;

/** RECORDS_DATABASE_URL, or unset: the embedded PostgreSQL in `dataDir` (see EmbeddedOptions for its process group). */
export async function openDataset(databaseUrl: string | undefined, dataDir: string, log: Logger, embeddedOptions: EmbeddedOptions = {}): Promise<Dataset> {
  const embedded = databaseUrl ? undefined : await startEmbeddedPostgres(dataDir, 'records', log, embeddedOptions);
  // The application name shows in pg_stat_activity: a test proves it never appears on the credits database.
  // Connecting is bounded: a database that does not answer fails a request (or the start-up) in seconds.
  const pool = new pg.Pool({ connectionString: databaseUrl ?? embedded!.url, max: 20, application_name: 'credits-records', connectionTimeoutMillis: 2_000 });
  pool.on('error', (error) => log.warn({ err: error }, 'records database connection lost'));
  try {
    await pool.query(SCHEMA);
  } catch (error) {
    await pool.end();
    await embedded?.stop();
    throw databaseUrl ? databaseError('RECORDS_DATABASE_URL', databaseUrl, error) : error;
  }
  const like = (text: string | undefined) => (text === undefined ? null : `%${text.replace(/[\\%_]/g, '\\$&')}%`);
  return {
    pool,
    async search({ limit, offset, nameLike, emailLike }) {
      const filters = [like(nameLike), like(emailLike)];
      const where = `($1::text is null or name ilike $1) and ($2::text is null or email ilike $2)`;
      const [rows, counted] = await Promise.all([
        pool.query<Person>(
          `select canonical_key, name, email, phone, to_char(dob, 'YYYY-MM-DD') as dob from records where ${where} order by canonical_key limit $3 offset $4`,
          [...filters, limit, offset],
        ),
        pool.query<{ n: number }>(`select count(*)::int as n from (select 1 from records where ${where} limit $3) matched`, [...filters, COUNT_CAP + 1]),
      ]);
      const n = counted.rows[0]!.n;
      return { rows: rows.rows, total: Math.min(n, COUNT_CAP), totalCapped: n > COUNT_CAP };
    },
    async byKey(key) {
      const { rows } = await pool.query<Person>(`select canonical_key, name, email, phone, to_char(dob, 'YYYY-MM-DD') as dob from records where canonical_key = $1`, [key]);
      return rows[0] ?? null;
    },
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}
