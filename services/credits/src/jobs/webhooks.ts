import type { Logger } from '@credits/runtime';
import { Webhook } from 'standardwebhooks';
import type { WebhookSettings } from '../config';
import type { MikroORM } from '../db/orm';
import { type AttemptOutcome, type ClaimedDelivery, claimDue, fanOut, recordAttempts } from '../domain/webhook-deliveries';
import { urlRefusal } from '../domain/webhook-url';
import { post } from './webhook-post';

/** Deliveries one replica sends at once (and records in one statement). */
const CLAIM = 50;

export interface WebhookJob {
  /** One fan-out and one round of deliveries (tests drive it). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Webhooks, at least once: each round fans the event log out into deliveries, then sends the due
 * ones this replica could lease (domain/webhook-deliveries.ts keeps what is owed, and shares it
 * between replicas), recording each outcome.
 */
export function startWebhookJob(orm: MikroORM, log: Logger, settings: WebhookSettings, pollMs: number): WebhookJob {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;

  const tick = () =>
    (running ??= (async () => {
      try {
        while (!stopping.signal.aborted && !(await fanOut(orm.em.fork()))) {
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

/** Leases and sends the due deliveries, then records every outcome at once; returns how many it claimed. */
async function deliverDue(orm: MikroORM, log: Logger, settings: WebhookSettings): Promise<number> {
  const claimed = await claimDue(orm.em.fork(), CLAIM);
  const attempts = await Promise.all(claimed.map(async (delivery) => ({ delivery, outcome: await send(delivery, settings) })));
  const statuses = await recordAttempts(orm.em.fork(), attempts, settings.backoffScale);
  for (const [i, status] of statuses.entries()) {
    const { delivery, outcome } = attempts[i]!;
    if (status === 'failed') log.warn({ deliveryId: Number(delivery.id), url: delivery.url, error: outcome.error }, 'webhook delivery failed after its last attempt');
  }
  return claimed.length;
}

/** Signs (Standard Webhooks) and posts one attempt. */
async function send(delivery: ClaimedDelivery, settings: WebhookSettings): Promise<AttemptOutcome> {
  const refusal = await urlRefusal(delivery.url, settings.allowPrivate);
  if (refusal) return { ok: false, status: null, error: refusal };
  const id = `evt_${delivery.event_id}`;
  const now = new Date();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'credits-webhooks/1',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(delivery.secret).sign(id, now, delivery.payload),
  };
  try {
    const status = await post(delivery.url, headers, delivery.payload, settings.timeoutMs);
    return status >= 200 && status < 300 ? { ok: true, status, error: null } : { ok: false, status, error: `answered ${status}` };
  } catch (error) {
    return { ok: false, status: null, error: (error as Error).message };
  }
}
