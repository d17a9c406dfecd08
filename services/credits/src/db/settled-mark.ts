import type { Query } from './sql';

/**
 * Reading the ledger's log (its rows and `credit_events`, one id sequence) in id order without
 * skipping: ids are taken in one order and committed in another, so a row with a smaller id can
 * become visible after a larger one was read. A reader therefore reads only up to a mark (the
 * sequence's value at one moment) once every transaction that could have taken an id up to it has
 * ended: the oldest transaction still running is at least `xmax`, the next transaction id as of
 * just after the mark was read. Every writer of the log (the credits_apply family, the triggers of
 * events.sql) holds a user's balance row lock, which gives its transaction an id, before it takes
 * a log id.
 */
export interface Mark {
  through: string;
  xmax: string;
}

/** A new mark. Two statements in this order: the sequence's value first, then (a later snapshot) the next transaction id. */
export async function readMark(sql: Query): Promise<Mark> {
  // Before the sequence's first nextval, last_value is the id it will hand out next, not one it has handed out.
  const [mark] = await sql<{ through: string }>(
    `select (case when is_called then last_value else last_value - 1 end)::text as through from credit_transactions_id_seq`,
    [],
  );
  const [snapshot] = await sql<{ xmax: string }>(`select pg_snapshot_xmax(pg_current_snapshot())::text as xmax`, []);
  return { through: mark!.through, xmax: snapshot!.xmax };
}

/** Whether every transaction that could hold an id up to the mark with this `xmax` has ended. */
export async function isSettled(sql: Query, xmax: string): Promise<boolean> {
  const [row] = await sql<{ settled: boolean }>(`select pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 as settled`, [xmax]);
  return row!.settled;
}
