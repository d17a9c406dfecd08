import { z } from 'zod';
import { balanceValue } from './amount';
import { page, pageInput, storableString, text, userRef } from './common';
import { transaction } from './credits';

/**
 * Balance events. Every committed ledger row is a `transaction.created`; the others are derived
 * from ledger rows and holds in the same transaction that changed them, so an event exists if and
 * only if its change committed. Ids come from the ledger's sequence: one user's events are in id
 * order, and an id is the cursor to resume after (`lastEventId`).
 */
export const EVENT_TYPES = ['transaction.created', 'balance.low', 'balance.depleted', 'balance.recovered', 'bucket.expired', 'hold.expired'] as const;
export const eventType = z.enum(EVENT_TYPES);
export type EventType = z.output<typeof eventType>;

/** A balance crossing: the balance after the change that crossed, and the threshold in force. */
const balanceCrossing = z.object({ balance: z.number(), lowBalance: z.number().nullable(), transactionId: z.number() });

const base = { id: z.string(), userId: z.number(), createdAt: z.date() };

export const creditEvent = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('transaction.created'), data: transaction }),
  z.object({ ...base, type: z.literal('balance.low'), data: balanceCrossing }),
  z.object({ ...base, type: z.literal('balance.depleted'), data: balanceCrossing }),
  z.object({ ...base, type: z.literal('balance.recovered'), data: balanceCrossing }),
  z.object({ ...base, type: z.literal('bucket.expired'), data: z.object({ bucketId: z.number(), amount: z.number(), transactionId: z.number() }) }),
  z.object({ ...base, type: z.literal('hold.expired'), data: z.object({ holdId: z.number(), amount: z.number() }) }),
]);
export type CreditEvent = z.output<typeof creditEvent>;

/** An event id: a ledger sequence value, as a string (tRPC's tracked ids are strings). */
export const eventId = z.string().regex(/^[0-9]{1,18}$/, 'must be an event id (digits)');

export const onBalanceInput = z.object({ userId: userRef, lastEventId: eventId.nullish() });
export type OnBalanceInput = z.output<typeof onBalanceInput>;

/**
 * Low-balance alerts. `balance.low` fires when the balance falls below `lowBalance`;
 * `balance.depleted` when it reaches 0; `balance.recovered` only once it is back at 110% of the
 * threshold (above 0 without one), so a balance hovering at the threshold fires once, not at
 * every call. `null` turns the low alert off for the user; without a setting of its own a user
 * has the service's `LOW_BALANCE_THRESHOLD`.
 */
export const alertsSetInput = z.object({ userId: userRef, lowBalance: balanceValue.nullable() });
export type AlertsSetInput = z.output<typeof alertsSetInput>;
export const alertsGetInput = z.object({ userId: userRef });
export const alertState = z.enum(['ok', 'low', 'depleted']);
export const alerts = z.object({
  userId: z.number(),
  lowBalance: z.number().nullable(),
  /** `user`: set for this user; `default`: the service's LOW_BALANCE_THRESHOLD (null when unset). */
  source: z.enum(['user', 'default']),
  state: alertState,
});
export type Alerts = z.output<typeof alerts>;

// Webhooks: signed as the Standard Webhooks spec says (webhook-id, webhook-timestamp, webhook-signature).

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export const webhookDeliveryStatus = z.enum(WEBHOOK_DELIVERY_STATUSES);

const webhookUrl = storableString()
  .max(2000)
  .refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), 'must be an http or https URL');
const eventTypes = z.array(eventType).min(1).max(EVENT_TYPES.length);

export const webhookCreateInput = z.object({ url: webhookUrl, events: eventTypes, description: text(500).optional() });
export type WebhookCreateInput = z.output<typeof webhookCreateInput>;
export const webhookUpdateInput = z.object({
  endpointId: z.number().int().positive(),
  url: webhookUrl.optional(),
  events: eventTypes.optional(),
  description: text(500).nullable().optional(),
  enabled: z.boolean().optional(),
});
export type WebhookUpdateInput = z.output<typeof webhookUpdateInput>;
export const webhookRef = z.object({ endpointId: z.number().int().positive() });

export const webhookEndpoint = z.object({
  endpointId: z.number(),
  url: z.string(),
  events: z.array(eventType),
  description: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type WebhookEndpoint = z.output<typeof webhookEndpoint>;
/** Answered once, at creation and rotation: the only time the secret is shown. */
export const webhookWithSecret = webhookEndpoint.extend({ secret: z.string() });
export type WebhookWithSecret = z.output<typeof webhookWithSecret>;
export const webhookList = z.array(webhookEndpoint);

export const webhookDeliveriesInput = z.object({ endpointId: z.number().int().positive(), status: webhookDeliveryStatus.optional(), ...pageInput });
export type WebhookDeliveriesInput = z.output<typeof webhookDeliveriesInput>;
export const webhookDelivery = z.object({
  deliveryId: z.number(),
  endpointId: z.number(),
  eventId: z.string(),
  eventType,
  userId: z.number(),
  status: webhookDeliveryStatus,
  attempts: z.number(),
  nextAttemptAt: z.date().nullable(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
});
export type WebhookDelivery = z.output<typeof webhookDelivery>;
export const webhookDeliveryPage = page(webhookDelivery);
export const redeliverInput = z.object({ deliveryId: z.number().int().positive() });

