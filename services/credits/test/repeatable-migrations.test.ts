import { randomBytes } from 'node:crypto';
import { createLogger } from '@credits/runtime';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../src/db/migrations';
import { openDatabase } from '../src/db/orm';
import { applyRepeatable, REPEATABLE_FILES, repeatableMigrations } from '../src/db/repeatable';
import { createTestDatabase } from './support/db';

/** The ledger's functions are their files: applied from them, again when they change, never drifting. */

let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: await createTestDatabase() });
  await client.connect();
});
afterAll(() => client?.end());

const execute = async <Row extends object>(sql: string, params: unknown[] = []) => {
  let n = 0;
  return (await client.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows as Row[];
};

/** The functions a file defines, by name. */
const functionsOf = (sql: string) => [...sql.matchAll(/create or replace function (\w+)/gi)].map((m) => m[1]!);

async function definitions(names: string[]): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; definition: string }>(
    `select p.proname as name, string_agg(pg_get_functiondef(p.oid), '\n' order by p.oid) as definition
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = current_schema() and p.proname = any($1) group by p.proname`,
    [names],
  );
  return new Map(rows.map((r) => [r.name, r.definition]));
}

/** The functions whose definition in the database is not what their file makes of them. */
async function drift(): Promise<string[]> {
  const names = repeatableMigrations().flatMap((m) => functionsOf(m.sql));
  const applied = await definitions(names);
  await client.query('begin');
  try {
    for (const migration of repeatableMigrations()) await client.query(migration.sql);
    const fromFiles = await definitions(names);
    return names.filter((name) => applied.get(name) !== fromFiles.get(name));
  } finally {
    await client.query('rollback');
  }
}

describe('repeatable migrations', () => {
  it('every function of the files is in the database exactly as the file writes it, with the file’s checksum recorded', async () => {
    const names = repeatableMigrations().flatMap((m) => functionsOf(m.sql));
    expect(names).toEqual(
      expect.arrayContaining(['credits_apply', 'credits_apply_many', 'credits_apply_each', 'credits_draw', 'credits_expire_due', 'usage_record', 'usage_record_many', 'credits_max_balance']),
    );
    expect(await drift()).toEqual([]);
    const { rows } = await client.query<{ name: string; checksum: string }>('select name, checksum from repeatable_migrations order by name');
    expect(rows).toEqual(repeatableMigrations().map(({ name, checksum }) => ({ name, checksum })).sort((a, b) => a.name.localeCompare(b.name)));
  });

  it('a function changed behind the file’s back is caught', async () => {
    await client.query(`create or replace function credits_refusal(p_after numeric) returns text language sql immutable as $$ select null::text $$`);
    try {
      expect(await drift()).toEqual(['credits_refusal']);
    } finally {
      await client.query(repeatableMigrations()[0]!.sql);
    }
    expect(await drift()).toEqual([]);
  });

  it('a file whose text changed is applied again, in order; unchanged files are not', async () => {
    await client.query(`update repeatable_migrations set checksum = 'stale' where name = 'usage.sql'`);
    expect(await applyRepeatable(execute)).toEqual(['usage.sql']);
    expect(await applyRepeatable(execute)).toEqual([]);
    await client.query(`delete from repeatable_migrations`);
    expect(await applyRepeatable(execute)).toEqual([...REPEATABLE_FILES]);
  });

  it('replicas starting at once on an empty database migrate one after the other, each migration once', async () => {
    const cluster = new URL(await createTestDatabase());
    const name = `fresh_${randomBytes(4).toString('hex')}`;
    await client.query(`create database ${name}`);
    const url = Object.assign(cluster, { pathname: `/${name}` }).toString();
    const orms = await Promise.all([0, 1, 2].map(() => openDatabase(url, 2, createLogger('silent'))));
    try {
      const [counted] = await orms[0]!.em.getConnection().execute<{ n: number; distinct: number }[]>(
        'select count(*)::int as n, count(distinct name)::int as distinct from mikro_orm_migrations',
      );
      expect(counted).toEqual({ n: migrations.length, distinct: migrations.length });
      const [ledger] = await orms[0]!.em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from pg_proc where proname = 'credits_apply'`);
      expect(ledger!.n).toBe(1);
    } finally {
      await Promise.all(orms.map((orm) => orm.close()));
    }
  });
});
