import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CreditEvent, type createCreditsClient, verifyWebhook, type WebhookEvent } from '@credits/client';
import { Webhook } from 'standardwebhooks';

/** A webhook receiver on loopback: verifies every signature, answers as `answer` says. */
export async function startReceiver(secret: () => string, answer: (event: WebhookEvent, attempt: number) => number | 'hang' = () => 204) {
  const byId = new Map<string, WebhookEvent>();
  const attempts = new Map<string, number>();
  const bad: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      let event: WebhookEvent;
      try {
        // Verified twice: by the spec's own package, and by the SDK's helper.
        new Webhook(secret()).verify(body, req.headers as Record<string, string>);
        event = verifyWebhook(body, req.headers, secret());
      } catch (error) {
        bad.push(String(error));
        return void res.writeHead(400).end();
      }
      const id = req.headers['webhook-id'] as string;
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      const status = answer(event, attempt);
      if (status === 'hang') return; // never answers: the sender's timeout ends it
      if (status < 300) byId.set(id, event);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    byId,
    attempts,
    bad,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Subscribes and collects events until stopped. */
export function collect(client: ReturnType<typeof createCreditsClient>, userId: number, lastEventId?: string) {
  const events: CreditEvent[] = [];
  const errors: unknown[] = [];
  const states: string[] = [];
  const sub = client.events.onBalance.subscribe(
    { userId, ...(lastEventId ? { lastEventId } : {}) },
    {
      onData: (tracked) => events.push(tracked.data),
      onError: (error) => errors.push(error),
      onConnectionStateChange: (state) => states.push(`${state.state}@${events.at(-1)?.id}`),
    },
  );
  return { events, errors, states, stop: () => sub.unsubscribe() };
}

