import type { EntityManager } from './orm';
import { type Query, query } from './sql';

/**
 * Reading the ledger's log (its rows and `credit_events`, one id sequence) in id order without
 * skipping: ids are taken in one order and committed in another, so a row with a smaller id can
 * become visible after a larger one was read. A reader therefore reads only up to a mark (the
 * sequence's value at one moment) once every transaction that could have taken an id up to it has
 * ended: the oldest transaction still running is at least `xmax`, a transaction id assigned just
 * after the mark was read. Every writer of the log (the credits_apply family, the triggers of
 * events.sql) holds a user's balance row lock, which gives its transaction an id, before it takes
 * a log id, so every such writer's id is below `xmax`.
 *
 * `xmax` is a fresh transaction id (`pg_current_xact_id()`, in a statement of its own), not a
 * snapshot's xmax: that is the latest *completed* id + 1, and a running transaction newer than
 * every completed one is above it and in no snapshot's list: the mark was taken for settled with
 * that writer still open, and its row was never read (a live subscriber missed one event of 124
 * in CI; test/settled-mark.test.ts). The id costs no WAL flush: its transaction writes nothing.
 */
export interface Mark {
  through: string;
  xmax: string;
}

/**
 * A new mark. Two statements, each its own transaction, in this order: the sequence's value
 * first, then a new transaction id (inside a caller's transaction it would be that transaction's,
 * taken before the sequence was read).
 */
export async function readMark(em: EntityManager): Promise<Mark> {
  const sql: Query = (text, values) => query(em, text, values);
  // Before the sequence's first nextval, last_value is the id it will hand out next, not one it has handed out.
  const [mark] = await sql<{ through: string }>(
    `select (case when is_called then last_value else last_value - 1 end)::text as through from credit_transactions_id_seq`,
    [],
  );
  const [after] = await sql<{ xmax: string }>(`select pg_current_xact_id()::text as xmax`, []);
  return { through: mark!.through, xmax: after!.xmax };
}

/** Whether every transaction that could hold an id up to the mark with this `xmax` has ended. */
export async function isSettled(sql: Query, xmax: string): Promise<boolean> {
  const [row] = await sql<{ settled: boolean }>(`select pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 as settled`, [xmax]);
  return row!.settled;
}
