import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MAX_BALANCE } from '@credits/contract';

/**
 * The SQL functions live in one file per concern (ledger.sql, usage.sql, api-keys.sql) and are applied
 * as repeatable migrations, the way Flyway's `R__` files are: after the timestamped migrations (which
 * hold table changes only), in the order below, inside the same transaction and migration lock,
 * and again whenever a file's text changes (its checksum, kept in `repeatable_migrations`, differs).
 * The constants the functions need come from the contract, written here as SQL functions, so each
 * is defined once.
 */
export const REPEATABLE_FILES = ['ledger.sql', 'usage.sql', 'api-keys.sql', 'events.sql'] as const;

/** Read beside this module: src/db in development and tests, dist/ in the built service (tsup copies them). */
const textOf = (file: string) => readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');

/** What the files share with the TypeScript side. */
const constants = () => `create or replace function credits_max_balance() returns numeric language sql immutable as $$ select ${MAX_BALANCE}::numeric $$;\n`;

export interface RepeatableMigration {
  name: string;
  sql: string;
  checksum: string;
}

export function repeatableMigrations(): RepeatableMigration[] {
  return REPEATABLE_FILES.map((name, i) => {
    const sql = (i === 0 ? constants() : '') + textOf(name);
    return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

type Execute = <Row extends object>(sql: string, params?: unknown[]) => Promise<Row[]>;

/** Applies the files whose text changed since they were last applied (all of them, on a new database). Returns their names. */
export async function applyRepeatable(execute: Execute): Promise<string[]> {
  const applied = new Map(
    (await execute<{ name: string; checksum: string }>('select name, checksum from repeatable_migrations')).map((r) => [r.name, r.checksum]),
  );
  const changed: string[] = [];
  for (const migration of repeatableMigrations()) {
    if (applied.get(migration.name) === migration.checksum) continue;
    await execute(migration.sql);
    await execute(
      `insert into repeatable_migrations (name, checksum) values (?, ?)
       on conflict (name) do update set checksum = excluded.checksum, applied_at = now()`,
      [migration.name, migration.checksum],
    );
    changed.push(migration.name);
  }
  return changed;
}
