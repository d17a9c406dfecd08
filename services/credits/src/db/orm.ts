import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@credits/runtime';
import { entities } from './entities';
import { migrations } from './migrations';
import { applyRepeatable } from './repeatable';

export type { EntityManager } from '@mikro-orm/postgresql';
export { MikroORM };

/** How long the database may take; unset: PostgreSQL's and pg's defaults (no limit). */
export interface DatabaseLimits {
  /** Every statement, lock waits included; PostgreSQL cancels it past this and rolls it back. */
  statementTimeoutMs: number;
  /** Opening a connection, or waiting for a free one in the pool. */
  connectTimeoutMs: number;
}

export function ormConfig(url: string, poolSize: number, limits?: Partial<DatabaseLimits>) {
  return defineConfig({
    clientUrl: url,
    entities,
    extensions: [Migrator],
    // Listed, not discovered from files, so the bundled service carries its migrations.
    // `safe`: a generated migration never drops a table or a column. Operators add their own
    // columns and tables through schema management; the ORM ignores what it does not map.
    // No snapshot at run time: the committed one is written by `migration:create` only, from the
    // entities (running migrations would rewrite it from the database, hand-written SQL included).
    migrations: { migrationsList: migrations, path: 'src/db/migrations', silent: true, safe: true, snapshot: false },
    pool: { min: 0, max: poolSize },
    // Merged into pg's pool options: a call fails in bounded time when the database is slow or
    // gone, instead of queueing until the client gives up. A transaction left open by a vanished
    // caller is ended too, so its locks do not stall everyone else.
    ...(limits
      ? {
          driverOptions: {
            ...(limits.statementTimeoutMs === undefined
              ? {}
              : { statement_timeout: limits.statementTimeoutMs, idle_in_transaction_session_timeout: Math.max(limits.statementTimeoutMs, 10_000) }),
            connectionTimeoutMillis: limits.connectTimeoutMs,
          },
        }
      : {}),
    // A fresh EntityManager per request (em.fork()); the global one must never hold state.
    allowGlobalContext: false,
  });
}

/**
 * Connects and applies every pending migration, then the repeatable ones whose files changed (see
 * repeatable.ts): all in one transaction, all or nothing, under a transaction-scoped advisory lock,
 * so replicas starting together migrate one at a time (and it holds behind PgBouncer).
 * Migrations run on connections of their own, without a statement timeout: a migration of a big
 * table may rightly take longer than any request should. Connecting is bounded all the same, so
 * a database that does not answer stops the start-up in seconds.
 */
export async function openDatabase(url: string, poolSize: number, log: Logger, limits?: DatabaseLimits): Promise<MikroORM> {
  const migrating = await MikroORM.init(ormConfig(url, limits ? 2 : poolSize, limits && { connectTimeoutMs: limits.connectTimeoutMs }));
  try {
    const connection = migrating.em.getConnection();
    await connection.transactional(async (transaction) => {
      const execute = <Row extends object>(sql: string, params: unknown[] = []) => connection.execute<Row[]>(sql, params, 'all', transaction);
      await execute(`select pg_advisory_xact_lock(hashtext('credits.migrations'))`);
      const applied = await migrating.migrator.up({ transaction });
      if (applied.length) log.info({ migrations: applied.map((m) => m.name) }, 'applied database migrations');
      const repeatable = await applyRepeatable(execute);
      if (repeatable.length) log.info({ repeatable }, 'applied repeatable migrations (the ledger functions)');
    });
  } catch (error) {
    await migrating.close();
    throw error;
  }
  if (!limits) return migrating;
  await migrating.close();
  const orm = await MikroORM.init(ormConfig(url, poolSize, limits));
  await orm.connect();
  return orm;
}
