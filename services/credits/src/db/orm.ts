import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@credits/runtime';
import { entities } from './entities';
import { migrations } from './migrations';

export type { EntityManager } from '@mikro-orm/postgresql';
export { MikroORM };

export function ormConfig(url: string, poolSize: number) {
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
    // A fresh EntityManager per request (em.fork()); the global one must never hold state.
    allowGlobalContext: false,
  });
}

/** Connects and applies every pending migration (each in its own transaction, all or nothing). */
export async function openDatabase(url: string, poolSize: number, log: Logger): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(url, poolSize));
  try {
    const applied = await orm.migrator.up();
    if (applied.length) log.info({ migrations: applied.map((m) => m.name) }, 'applied database migrations');
  } catch (error) {
    await orm.close();
    throw error;
  }
  return orm;
}
