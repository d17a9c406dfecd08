import type { CreditEvent, EventType } from '@credits/contract';
import type { Query } from '../db/sql';
import { TRANSACTION_COLUMNS, type TransactionRow, toTransaction } from './ledger';

/**
 * The event log: a ledger row is a `transaction.created`, a `credit_events` row is what a change
 * meant beyond itself (src/db/events.sql). Both take ids from one sequence, so one query in id
 * order reads the log; callers bound it by a settled mark (db/settled-mark.ts).
 */

interface EventRow extends Omit<TransactionRow, 'type'> {
  event_type: EventType;
  tx_type: TransactionRow['type'] | null;
  data: Record<string, unknown> | null;
}

const EVENTS_SQL = (byUser: boolean) => `
  select * from (
    select ${TRANSACTION_COLUMNS.replace('t.type', 't.type as tx_type')}, 'transaction.created' as event_type, null::jsonb as data
      from credit_transactions t where t.id > $1 and t.id <= $2 ${byUser ? 'and t.user_id = $4' : ''}
    union all
    select e.id, e.user_id, null, null, null, null, null, null, null, null, null, null, e.created_at, e.type, e.data
      from credit_events e where e.id > $1 and e.id <= $2 ${byUser ? 'and e.user_id = $4' : ''}
  ) log order by log.id limit $3`;
const ALL = EVENTS_SQL(false);
const ONE_USER = EVENTS_SQL(true);

/** Events with ids in (after, through], in id order, at most `limit`; one user's only when `userId` is given. */
export async function readEvents(sql: Query, after: bigint, through: bigint, limit: number, userId?: number): Promise<CreditEvent[]> {
  const params: unknown[] = [after.toString(), through.toString(), limit];
  if (userId !== undefined) params.push(userId);
  const rows = await sql<EventRow>(userId === undefined ? ALL : ONE_USER, params);
  return rows.map(toEvent);
}

function toEvent(row: EventRow): CreditEvent {
  const base = { id: String(row.id), userId: row.user_id, createdAt: row.created_at };
  if (row.event_type === 'transaction.created') return { ...base, type: row.event_type, data: toTransaction({ ...row, type: row.tx_type! }) };
  const data = Object.fromEntries(Object.entries(row.data!).map(([k, v]) => [k, v === null ? null : Number(v)]));
  return { ...base, type: row.event_type, data } as CreditEvent;
}
