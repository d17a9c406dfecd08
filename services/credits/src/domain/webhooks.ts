import { randomBytes } from 'node:crypto';
import type {
  WebhookCreateInput,
  WebhookDeliveriesInput,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookUpdateInput,
  WebhookWithSecret,
} from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query } from '../db/sql';
import { deliveryNotFound, webhookNotFound, webhookUrlRefused } from './errors';
import { decodeCursor, toPage } from './pagination';
import { urlRefusal } from './webhook-url';

/**
 * Webhook endpoints and their deliveries. What is sent is decided by the fan-out
 * (domain/webhook-deliveries.ts: one delivery per event and endpoint), how it is sent by jobs/webhooks.ts.
 */

interface EndpointRow {
  id: string;
  url: string;
  events: WebhookEndpoint['events'];
  description: string | null;
  enabled: boolean;
  secret: string;
  created_at: Date;
  updated_at: Date;
}

const ENDPOINT_COLUMNS = 'w.id, w.url, w.events, w.description, w.enabled, w.secret, w.created_at, w.updated_at';

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

async function checkUrl(url: string, allowPrivate: boolean): Promise<void> {
  const refusal = await urlRefusal(url, allowPrivate);
  if (refusal) throw webhookUrlRefused(url, refusal);
}

export async function createWebhook(em: EntityManager, input: WebhookCreateInput, allowPrivate: boolean): Promise<WebhookWithSecret> {
  await checkUrl(input.url, allowPrivate);
  const [row] = await query<EndpointRow>(
    em,
    `insert into webhook_endpoints as w (url, events, description, secret) values ($1, $2, $3, $4) returning ${ENDPOINT_COLUMNS}`,
    [input.url, input.events, input.description ?? null, newSecret()],
  );
  return toEndpointWithSecret(row!);
}

export async function listWebhooks(em: EntityManager): Promise<WebhookEndpoint[]> {
  const rows = await query<EndpointRow>(em, `select ${ENDPOINT_COLUMNS} from webhook_endpoints w order by w.id`, []);
  return rows.map(toEndpoint);
}

export async function updateWebhook(em: EntityManager, input: WebhookUpdateInput, allowPrivate: boolean): Promise<WebhookEndpoint> {
  if (input.url !== undefined) await checkUrl(input.url, allowPrivate);
  const [row] = await query<EndpointRow>(
    em,
    `update webhook_endpoints w set url = coalesce($2, w.url), events = coalesce($3, w.events),
            description = case when $4 then $5 else w.description end, enabled = coalesce($6, w.enabled), updated_at = now()
      where w.id = $1 returning ${ENDPOINT_COLUMNS}`,
    [input.endpointId, input.url ?? null, input.events ?? null, input.description !== undefined, input.description ?? null, input.enabled ?? null],
  );
  if (!row) throw webhookNotFound(input.endpointId);
  return toEndpoint(row);
}

/** The endpoint and its deliveries. */
export async function removeWebhook(em: EntityManager, endpointId: number): Promise<{ endpointId: number; removed: true }> {
  const rows = await query(em, `delete from webhook_endpoints w where w.id = $1 returning w.id`, [endpointId]);
  if (rows.length === 0) throw webhookNotFound(endpointId);
  return { endpointId, removed: true };
}

/** A new secret, from the next attempt on; shown once, here. */
export async function rotateWebhookSecret(em: EntityManager, endpointId: number): Promise<WebhookWithSecret> {
  const [row] = await query<EndpointRow>(
    em,
    `update webhook_endpoints w set secret = $2, updated_at = now() where w.id = $1 returning ${ENDPOINT_COLUMNS}`,
    [endpointId, newSecret()],
  );
  if (!row) throw webhookNotFound(endpointId);
  return toEndpointWithSecret(row);
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: WebhookDelivery['eventType'];
  user_id: number;
  status: WebhookDelivery['status'];
  attempts: number;
  next_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const DELIVERY_COLUMNS = `d.id, d.endpoint_id, d.event_id, d.event_type, d.user_id, d.status, d.attempts, d.next_attempt_at, d.last_status,
  d.last_error, d.created_at, d.finished_at`;

/** Newest first. */
export async function listDeliveries(em: EntityManager, input: WebhookDeliveriesInput) {
  const [endpoint] = await query(em, `select w.id from webhook_endpoints w where w.id = $1`, [input.endpointId]);
  if (!endpoint) throw webhookNotFound(input.endpointId);
  const rows = await query<DeliveryRow>(
    em,
    `select ${DELIVERY_COLUMNS} from webhook_deliveries d
      where d.endpoint_id = $1 and ($2::text is null or d.status = $2) and ($3::bigint is null or d.id < $3)
      order by d.id desc limit $4 offset $5`,
    [input.endpointId, input.status ?? null, decodeCursor(input.cursor, 'bigint'), input.limit + 1, input.offset],
  );
  return toPage(rows.map(toDelivery), input.limit, (d) => d.deliveryId);
}

/** Sent again from now, with the retry schedule from its start: the same event, so the same `webhook-id` (receivers dedupe by it). */
export async function redeliver(em: EntityManager, deliveryId: number): Promise<WebhookDelivery> {
  const [row] = await query<DeliveryRow>(
    em,
    `update webhook_deliveries d set status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = null, finished_at = null
      where d.id = $1 returning ${DELIVERY_COLUMNS}`,
    [deliveryId],
  );
  if (!row) throw deliveryNotFound(deliveryId);
  return toDelivery(row);
}

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    endpointId: Number(row.id),
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Only where the secret is shown: on creation and rotation. */
function toEndpointWithSecret(row: EndpointRow): WebhookWithSecret {
  return { ...toEndpoint(row), secret: row.secret };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    deliveryId: Number(row.id),
    endpointId: Number(row.endpoint_id),
    eventId: String(row.event_id),
    eventType: row.event_type,
    userId: row.user_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
