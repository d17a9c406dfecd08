import type { CreditEvent } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { isSettled, readMark } from '../db/settled-mark';
import { type Query, query, transaction } from '../db/sql';
import { readEvents } from './events';

/**
 * What webhooks are owed and what became of them, shared by the replicas through PostgreSQL alone
 * (the sending is the job's: jobs/webhooks.ts):
 * - fan-out: the event log (read up to a settled mark, so nothing is skipped) becomes one
 *   delivery per event and endpoint, in the transaction that moves the shared cursor; a replica
 *   finding the cursor locked leaves it to the holder (`skip locked`). A crash loses nothing and,
 *   with the unique (endpoint, event), adds nothing.
 * - claim: each replica leases due deliveries (`for update skip locked`), only the oldest pending
 *   one per endpoint and user, so one user's events arrive in order. A replica that dies
 *   mid-attempt leaves a lease that expires, and another sends it again.
 */

/** Events fanned out per transaction. */
const FANOUT_CHUNK = 1_000;
/** How long a claimed delivery is this replica's. */
const LEASE = '60 seconds';
/**
 * The wait after each failed attempt, as the Standard Webhooks spec suggests: 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h (eight attempts over about 27 hours), each ±20% so endpoints coming back
 * are not hit by every sender at once. After the last, the delivery is failed (redeliver resets it).
 */
const RETRY_DELAYS_S = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/** One chunk of the fan-out; true when caught up (or another replica holds it). */
export function fanOut(em: EntityManager): Promise<boolean> {
  return transaction(em, async (sql) => {
    const [cursor] = await sql<{ delivered_through: string; pending_through: string; pending_xmax: string }>(
      `select delivered_through, pending_through, pending_xmax::text from event_cursors where name = 'webhooks' for update skip locked`,
      [],
    );
    if (!cursor || !(await isSettled(sql, cursor.pending_xmax))) return true;
    const after = BigInt(cursor.delivered_through);
    const through = BigInt(cursor.pending_through);
    if (after >= through) {
      const mark = await readMark(em);
      // Nothing new: no write, so an idle service does not churn the cursor row every poll.
      if (mark.through === cursor.pending_through) return true;
      await sql(`update event_cursors set pending_through = $1, pending_xmax = $2::xid8 where name = 'webhooks'`, [mark.through, mark.xmax]);
      return true;
    }
    const endpoints = await sql<{ id: string; events: string[] }>(`select w.id, w.events from webhook_endpoints w where w.enabled`, []);
    let reached = through;
    if (endpoints.length > 0) {
      const events = await readEvents(sql, after, through, FANOUT_CHUNK);
      if (events.length === FANOUT_CHUNK) reached = BigInt(events.at(-1)!.id);
      await insertDeliveries(sql, endpoints, events);
    }
    await sql(`update event_cursors set delivered_through = $1, moved_at = now() where name = 'webhooks'`, [reached.toString()]);
    return reached === through;
  });
}

async function insertDeliveries(sql: Query, endpoints: { id: string; events: string[] }[], events: CreditEvent[]) {
  const rows = events.flatMap((event) =>
    endpoints
      .filter((endpoint) => endpoint.events.includes(event.type))
      .map((endpoint) => ({
        endpoint: endpoint.id,
        event: event.id,
        type: event.type,
        user: event.userId,
        // The Standard Webhooks payload: type, timestamp, data.
        payload: JSON.stringify({ type: event.type, timestamp: event.createdAt, data: { eventId: event.id, userId: event.userId, ...event.data } }),
      })),
  );
  if (rows.length === 0) return;
  await sql(
    `insert into webhook_deliveries (endpoint_id, event_id, event_type, user_id, payload)
     select * from unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[], $5::jsonb[])
     on conflict (endpoint_id, event_id) do nothing`,
    [rows.map((r) => r.endpoint), rows.map((r) => r.event), rows.map((r) => r.type), rows.map((r) => r.user), rows.map((r) => r.payload)],
  );
}

/** A delivery leased for one attempt: what to send, where, signed with what. */
export interface ClaimedDelivery {
  id: string;
  event_id: string;
  payload: string;
  /** This attempt's number, from 1. */
  attempts: number;
  url: string;
  secret: string;
}

/** Leases up to `limit` due deliveries for one attempt each. */
export function claimDue(em: EntityManager, limit: number): Promise<ClaimedDelivery[]> {
  return query<ClaimedDelivery>(
    em,
    `with heads as (
       select distinct on (d.endpoint_id, d.user_id) d.id, d.next_attempt_at, d.lease_until
         from webhook_deliveries d where d.status = 'pending' order by d.endpoint_id, d.user_id, d.id
     ), due as (
       select h.id from heads h where h.next_attempt_at <= now() and (h.lease_until is null or h.lease_until < now())
        order by h.next_attempt_at limit $1
     ), locked as (
       select d.id from webhook_deliveries d join due on due.id = d.id for update of d skip locked
     )
     update webhook_deliveries d set lease_until = now() + $2::interval, attempts = d.attempts + 1
       from locked, webhook_endpoints w
      where d.id = locked.id and w.id = d.endpoint_id and d.status = 'pending' and (d.lease_until is null or d.lease_until < now())
     returning d.id, d.event_id, d.payload::text as payload, d.attempts, w.url, w.secret`,
    [limit, LEASE],
  );
}

export interface AttemptOutcome {
  ok: boolean;
  /** The receiver's HTTP status, if it answered. */
  status: number | null;
  error: string | null;
}

/**
 * Records a round's attempts, one statement for all, and ends their leases: each succeeded,
 * pending again after the schedule's wait (scaled by `backoffScale`, which tests shrink), or
 * failed after the last attempt. Returns each one's status, in order.
 */
export async function recordAttempts(
  em: EntityManager,
  attempts: { delivery: ClaimedDelivery; outcome: AttemptOutcome }[],
  backoffScale: number,
): Promise<('succeeded' | 'pending' | 'failed')[]> {
  const rows = attempts.map(({ delivery, outcome }) => {
    const last = delivery.attempts > RETRY_DELAYS_S.length;
    const delayS = last || outcome.ok ? null : RETRY_DELAYS_S[delivery.attempts - 1]! * backoffScale * (0.8 + Math.random() * 0.4);
    const status = outcome.ok ? ('succeeded' as const) : last ? ('failed' as const) : ('pending' as const);
    return { id: delivery.id, status, httpStatus: outcome.status, error: outcome.error, delayS };
  });
  if (rows.length === 0) return [];
  await query(
    em,
    `update webhook_deliveries d set status = a.status, last_status = a.http_status, last_error = a.error, lease_until = null,
            next_attempt_at = case when a.delay_s is null then null else now() + make_interval(secs => a.delay_s) end,
            finished_at = case when a.status = 'pending' then null else now() end
       from unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::float8[]) as a(id, status, http_status, error, delay_s)
      where d.id = a.id`,
    [rows.map((r) => r.id), rows.map((r) => r.status), rows.map((r) => r.httpStatus), rows.map((r) => r.error), rows.map((r) => r.delayS)],
  );
  return rows.map((r) => r.status);
}
