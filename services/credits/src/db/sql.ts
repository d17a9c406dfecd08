import pg from 'pg';
import { withConnection } from './cancellable';
import type { EntityManager } from './orm';

/**
 * pg's own type parsers for these statements: numeric and bigint arrive as exact strings,
 * timestamptz as Date. (The ORM's pool keeps timestamps as text for its own hydration.)
 */
const types = { getTypeParser: pg.types.getTypeParser };

/**
 * Runs one statement with bind parameters (never values spliced into the text) as its own
 * transaction, in one round trip. The ledger's hot path uses this: the ORM's unit of work would
 * add BEGIN and COMMIT round trips while a user's row lock is held. Statements run in a request
 * past its deadline are cancelled in PostgreSQL (see cancellable.ts).
 */
export async function query<Row extends object>(em: EntityManager, text: string, values: unknown[]): Promise<Row[]> {
  const pool = await em.getConnection().getNativeClient();
  return withConnection(pool, async (client) => (await client.query<Row>({ text, values, types })).rows);
}

export type Query = <Row extends object>(text: string, values: unknown[]) => Promise<Row[]>;

/** Several statements as one transaction on one connection, with bind parameters as above. */
export async function transaction<T>(em: EntityManager, work: (query: Query) => Promise<T>): Promise<T> {
  return withConnection(await em.getConnection().getNativeClient(), async (client) => {
    try {
      await client.query('begin');
      const result = await work(async (text, values) => (await client.query({ text, values, types })).rows);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}
