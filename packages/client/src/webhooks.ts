import { Webhook } from 'standardwebhooks';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './service-types';

export { WebhookVerificationError } from 'standardwebhooks';

/** An event as `events.onBalance` streams it: the subscription's own output type, so nothing else declares it. */
export type CreditEvent = inferRouterOutputs<AppRouter>['events']['onBalance'] extends AsyncIterable<{ data: infer E }> ? E : never;
export type EventType = CreditEvent['type'];

/** What JSON makes of a value: dates become ISO strings. */
type Jsonified<T> = T extends Date ? string : T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;

/**
 * A webhook's body, as the Standard Webhooks spec shapes it: the event's type, when it happened,
 * and its data with the event's id and user. The `webhook-id` header is `evt_<eventId>`: the same
 * for every attempt and every redelivery, so a receiver dedupes by it.
 */
export type WebhookEvent = {
  [T in EventType]: { type: T; timestamp: string; data: Jsonified<Extract<CreditEvent, { type: T }>['data']> & { eventId: string; userId: number } };
}[EventType];

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/**
 * Checks a webhook the credits service sent: its `webhook-signature` against your endpoint's
 * `whsec_` secret over the exact body received, and its `webhook-timestamp` within five minutes
 * (replays are refused). Returns the typed event; throws `WebhookVerificationError` otherwise.
 * Pass the raw body, before any JSON parsing: a re-serialized body does not verify.
 */
export function verifyWebhook(body: string | Buffer, headers: HeaderBag, secret: string): WebhookEvent {
  return new Webhook(secret).verify(body, plain(headers)) as WebhookEvent;
}

function plain(headers: HeaderBag): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers instanceof Headers) {
    for (const [name, value] of headers) out[name] = value;
    return out;
  }
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
