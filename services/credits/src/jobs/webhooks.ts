import type { Logger } from '@credits/runtime';
import { Webhook } from 'standardwebhooks';
import type { WebhookSettings } from '../config';
import type { MikroORM } from '../db/orm';
import { isSettled, readMark } from '../db/settled-mark';
import { type Query, query, transaction } from '../db/sql';
import { readEvents } from '../domain/events';
import { urlRefusal } from '../domain/webhook-url';

/** Events fanned out per transaction. */
const FANOUT_CHUNK = 1_000;
/** Deliveries one replica sends at once. */
const CLAIM = 20;
/** How long a claimed delivery is this replica's: past it (a crash mid-attempt) another sends it again. */
const LEASE = '60 seconds';
/**
 * The wait after each failed attempt, as the Standard Webhooks spec suggests: 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h (eight attempts over about 27 hours), each ±20% so endpoints coming back
 * are not hit by every sender at once. After the last, the delivery is failed (redeliver resets it).
 */
const RETRY_DELAYS_S = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

export interface WebhookJob {
  /** One fan-out and one round of deliveries (tests drive it). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Webhooks, at least once, shared by the replicas through PostgreSQL alone:
 * - fan-out: the event log (read up to a settled mark, so nothing is skipped) becomes one
 *   delivery per event and endpoint, in the transaction that moves the shared cursor; a replica
 *   finding the cursor locked leaves it to the holder (`skip locked`). A crash loses nothing and,
 *   with the unique (endpoint, event), adds nothing.
 * - delivery: each replica leases due deliveries (`for update skip locked`), only the oldest
 *   pending one per endpoint and user, so one user's events arrive in order; signs and posts
 *   each, then records the outcome. A replica that dies mid-attempt leaves a lease that expires.
 */
export function startWebhookJob(orm: MikroORM, log: Logger, settings: WebhookSettings, pollMs: number): WebhookJob {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;

  const tick = () =>
    (running ??= (async () => {
      try {
        while (!stopping.signal.aborted && !(await fanOut(orm))) {
          // A full chunk: more to fan out.
        }
        while (!stopping.signal.aborted && (await deliverDue(orm, log, settings)) === CLAIM) {
          // A full claim: more may be due.
        }
      } catch (error) {
        log.warn({ err: error }, 'webhooks: a round failed; the next one takes it up');
      } finally {
        running = undefined;
      }
    })());

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      await tick();
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  })();

  return {
    tick,
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

/** One chunk of the fan-out; true when caught up (or another replica holds it). */
function fanOut(orm: MikroORM): Promise<boolean> {
  return transaction(orm.em.fork(), async (sql) => {
    const [cursor] = await sql<{ delivered_through: string; pending_through: string; pending_xmax: string }>(
      `select delivered_through, pending_through, pending_xmax::text from event_cursors where name = 'webhooks' for update skip locked`,
      [],
    );
    if (!cursor || !(await isSettled(sql, cursor.pending_xmax))) return true;
    const after = BigInt(cursor.delivered_through);
    const through = BigInt(cursor.pending_through);
    if (after >= through) {
      const mark = await readMark(sql);
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

async function insertDeliveries(sql: Query, endpoints: { id: string; events: string[] }[], events: Awaited<ReturnType<typeof readEvents>>) {
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

interface Claimed {
  id: string;
  event_id: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
}

/** Leases and sends the due deliveries; returns how many it claimed. */
async function deliverDue(orm: MikroORM, log: Logger, settings: WebhookSettings): Promise<number> {
  const em = orm.em.fork();
  const claimed = await query<Claimed>(
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
    [CLAIM, LEASE],
  );
  await Promise.all(claimed.map((delivery) => attempt(orm, log, settings, delivery)));
  return claimed.length;
}

async function attempt(orm: MikroORM, log: Logger, settings: WebhookSettings, delivery: Claimed): Promise<void> {
  const outcome = await send(delivery, settings);
  const last = delivery.attempts > RETRY_DELAYS_S.length;
  const delayS = last || outcome.ok ? null : RETRY_DELAYS_S[delivery.attempts - 1]! * settings.backoffScale * (0.8 + Math.random() * 0.4);
  const status = outcome.ok ? 'succeeded' : last ? 'failed' : 'pending';
  await query(
    orm.em.fork(),
    `update webhook_deliveries set status = $2, last_status = $3, last_error = $4, lease_until = null,
            next_attempt_at = case when $5::float8 is null then null else now() + make_interval(secs => $5::float8) end,
            finished_at = case when $2 = 'pending' then null else now() end
      where id = $1`,
    [delivery.id, status, outcome.status, outcome.error, delayS],
  );
  if (status === 'failed') log.warn({ deliveryId: Number(delivery.id), url: delivery.url, error: outcome.error }, 'webhook delivery failed after its last attempt');
}

async function send(delivery: Claimed, settings: WebhookSettings): Promise<{ ok: boolean; status: number | null; error: string | null }> {
  const refusal = await urlRefusal(delivery.url, settings.allowPrivate);
  if (refusal) return { ok: false, status: null, error: refusal };
  const id = `evt_${delivery.event_id}`;
  const now = new Date();
  try {
    const res = await fetch(delivery.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'credits-webhooks/1',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(delivery.secret).sign(id, now, delivery.payload),
      },
      body: delivery.payload,
      // A redirect could lead anywhere, the refused addresses included: it counts as a failure.
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    await res.body?.cancel();
    return res.ok ? { ok: true, status: res.status, error: null } : { ok: false, status: res.status, error: `answered ${res.status}` };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return { ok: false, status: null, error: timedOut ? `no answer within ${settings.timeoutMs} ms` : String((error as Error).cause ?? error) };
  }
}
