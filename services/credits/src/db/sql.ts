import pg from 'pg';
import type { EntityManager } from './orm';

/**
 * pg's own type parsers for these statements: numeric and bigint arrive as exact strings,
 * timestamptz as Date. (The ORM's pool keeps timestamps as text for its own hydration.)
 */
const types = { getTypeParser: pg.types.getTypeParser };

/**
 * Runs one statement with bind parameters (never values spliced into the text) as its own
 * transaction, in one round trip. The ledger's hot path uses this: the ORM's unit of work would
 * add BEGIN and COMMIT round trips while a user's row lock is held.
 */
export async function query<Row extends object>(em: EntityManager, text: string, values: unknown[]): Promise<Row[]> {
  const pool = await em.getConnection().getNativeClient();
  const result = await pool.query<Row>({ text, values, types });
  return result.rows;
}
