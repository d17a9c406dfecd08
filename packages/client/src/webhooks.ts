import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from './service-types';

export { WebhookVerificationError } from 'standardwebhooks';

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
