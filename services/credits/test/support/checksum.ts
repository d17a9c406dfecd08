import pg from 'pg';

/**
 * A fingerprint of every table's contents (row count and an md5 of its rows), read directly from
 * PostgreSQL: equal before and after a call means the call wrote nothing anywhere.
 */
/**
 * Tables only background jobs write, on their own schedule (the webhook fan-out's cursor moves
 * after any change, a call's or not): left out, or a refused call would seem to have written them.
 */
const BACKGROUND_TABLES = ['event_cursors'];

export async function openChecksum(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ tablename: string }>(
    "select tablename from pg_tables where schemaname = 'public' and tablename <> all($1) order by tablename",
    [BACKGROUND_TABLES],
  );
  const text = rows
    .map(({ tablename }) => {
      const table = `"${tablename.replaceAll('"', '""')}"`;
      return `select '${tablename}' as t, count(*) as n, md5(coalesce(string_agg(x::text, ',' order by x::text), '')) as h from ${table} x`;
    })
    .join(' union all ');
  return {
    tables: rows.length,
    async read(): Promise<string> {
      const result = await client.query<{ t: string; n: string; h: string }>(text);
      return result.rows.map((r) => `${r.t}:${r.n}:${r.h}`).join('\n');
    },
    close: () => client.end(),
  };
}
