import { createLogger } from '@credits/runtime';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MikroORM, openDatabase } from '../src/db/orm';
import { isSettled, readMark } from '../src/db/settled-mark';
import type { Query } from '../src/db/sql';
import { createTestDatabase } from './support/db';

/**
 * The mark readers of the log (the live stream, the webhook fan-out, the rollups) trust: nothing
 * up to it is still to commit. No service runs here: the only transactions are the test's own.
 */
describe('the settled mark', () => {
  let pool: pg.Pool;
  let orm: MikroORM;
  const sql: Query = async (text, values) => (await pool.query(text, values)).rows;
  beforeAll(async () => {
    const url = await createTestDatabase();
    pool = new pg.Pool({ connectionString: url, max: 2 });
    orm = await openDatabase(url, 2, createLogger('silent'));
    await pool.query(
      `with u as (insert into users (email, name) values ('mark@example.com', 'Mark') returning id)
       insert into credits (user_id, balance) select id, 0 from u`,
    );
  });
  afterAll(async () => {
    await pool?.end();
    await orm?.close();
  });

  it('is not settled while the newest transaction, holding a log id under the mark, is open', async () => {
    const writer = await pool.connect();
    try {
      // A writer as the ledger's: its transaction id first (the row lock), then a log id, then it waits.
      // No other transaction ends meanwhile, so it is the newest: past the snapshot's xmax (the
      // latest completed transaction + 1), where a snapshot does not list it as running.
      await writer.query('begin');
      const [{ user_id: userId }] = (await writer.query(`select user_id from credits order by user_id limit 1 for update`)).rows;
      const [{ id }] = (
        await writer.query(`insert into credit_transactions (user_id, type, amount, balance_before, balance_after, created_at) values ($1, 'recharge', 1, 0, 1, now()) returning id::text`, [userId])
      ).rows;
      const mark = await readMark(orm.em.fork());
      expect(BigInt(mark.through)).toBeGreaterThanOrEqual(BigInt(id));
      expect(await isSettled(sql, mark.xmax)).toBe(false);
      await writer.query('commit');
      expect(await isSettled(sql, mark.xmax)).toBe(true);
    } finally {
      writer.release();
    }
  });
});
