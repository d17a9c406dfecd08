import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startReceiver, until } from './support/events';
import { startTestService, TEST_ADMIN_KEY, type TestService } from './support/service';

describe('balance events', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service?.close());

  it('streams every change of a user, in order, with alerts that fire once per crossing', async () => {
    const client = service.client();
    const user = await service.newUser({ balance: 10 });
    await client.alerts.set.mutate({ userId: user.id, lowBalance: 5 });
    const live = collect(client, user.id);
    await new Promise((r) => setTimeout(r, 300)); // subscribed
    // 10 -> 6 -> 4 (low) -> 5 -> 4.5 -> 5.4 (still low: under 110%) -> 0 (depleted) -> 8 (recovered)
    for (const amount of [4, 2]) await client.credits.consume.mutate({ userId: user.id, amount });
    await client.credits.recharge.mutate({ userId: user.id, amount: 1 });
    await client.credits.consume.mutate({ userId: user.id, amount: 0.5 });
    await client.credits.recharge.mutate({ userId: user.id, amount: 0.9 });
    await client.credits.consume.mutate({ userId: user.id, amount: 5.4 });
    await client.credits.recharge.mutate({ userId: user.id, amount: 8 });
    await until(() => live.events.filter((e) => e.type === 'transaction.created').length === 7, 10_000, 'seven transactions');
    await until(() => live.events.some((e) => e.type === 'balance.recovered'), 10_000, 'recovered');
    live.stop();
    expect(live.errors).toEqual([]);
    expect(live.events.map((e) => (e.type === 'transaction.created' ? `${e.data.type} ${e.data.balanceAfter}` : e.type))).toEqual([
      'consume 6',
      'consume 4',
      'balance.low',
      'recharge 5',
      'consume 4.5',
      'recharge 5.4',
      'consume 0',
      'balance.depleted',
      'recharge 8',
      'balance.recovered',
    ]);
    const ids = live.events.map((e) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(await client.alerts.get.query({ userId: user.id })).toEqual({ userId: user.id, lowBalance: 5, source: 'user', state: 'ok' });

    // Resuming after the third event gives exactly the rest, read from the ledger.
    const resumed = collect(client, user.id, live.events[2]!.id);
    await until(() => resumed.events.length === live.events.length - 3, 10_000, 'the rest');
    await new Promise((r) => setTimeout(r, 200));
    resumed.stop();
    expect(resumed.events.map((e) => e.id)).toEqual(live.events.slice(3).map((e) => e.id));
  });

  it('a user key streams only its own events', async () => {
    const own = await service.newUser({ balance: 1 });
    const other = await service.newUser({ balance: 1 });
    const { key } = await service.client().apiKeys.create.mutate({ name: 'own', scope: 'user', userId: own.id });
    const userClient = service.client({ apiKey: key });
    const refused = collect(userClient, other.id);
    await until(() => refused.errors.length > 0, 10_000, 'a refusal');
    refused.stop();
    expect(String(refused.errors[0])).toMatch(/not allowed|may not|FORBIDDEN/i);
  });

  it('a subscription with bad input is refused inside its stream, naming the field', async () => {
    for (const input of [{}, { userId: 'x'.repeat(300) }, { userId: 1, lastEventId: 'abc' }, { userId: 999_999 }]) {
      const res = await fetch(`${service.url}/trpc/events.onBalance?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
        signal: AbortSignal.timeout(5_000),
      });
      let text = '';
      for await (const chunk of res.body!) {
        text += new TextDecoder().decode(chunk);
        if (text.includes('serialized-error')) break;
      }
      const error = JSON.parse(/event: serialized-error\ndata: (.*)\n/.exec(text)![1]!).json;
      expect(error.data.reason, JSON.stringify(input)).toBe('userId' in input && input.userId === 999_999 ? 'USER_NOT_FOUND' : 'INVALID_INPUT');
    }
  });

  it('a default threshold from config applies to users without their own', async () => {
    await service.sql(`update alert_settings set default_low_balance = 3 where id = 1`);
    try {
      const user = await service.newUser({ balance: 5 });
      await service.client().credits.consume.mutate({ userId: user.id, amount: 3 });
      expect(await service.client().alerts.get.query({ userId: user.id })).toEqual({ userId: user.id, lowBalance: 3, source: 'default', state: 'low' });
    } finally {
      await service.sql(`update alert_settings set default_low_balance = null where id = 1`);
    }
  });

  it('an expired bucket and an expired hold are events too', async () => {
    const client = service.client();
    const user = await service.newUser();
    const live = collect(client, user.id);
    await new Promise((r) => setTimeout(r, 300));
    await client.credits.recharge.mutate({ userId: user.id, amount: 2, expiresAt: new Date(Date.now() + 300) });
    await client.credits.recharge.mutate({ userId: user.id, amount: 5 });
    await client.credits.hold.mutate({ userId: user.id, amount: 1, ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1_200));
    await client.credits.consume.mutate({ userId: user.id, amount: 1 }); // ends the lapsed hold, writes the bucket off
    await until(() => live.events.some((e) => e.type === 'hold.expired') && live.events.some((e) => e.type === 'bucket.expired'), 10_000, 'expiries');
    live.stop();
    const expired = live.events.find((e) => e.type === 'bucket.expired');
    expect(expired?.data).toMatchObject({ amount: 2 });
    expect(live.events.find((e) => e.type === 'hold.expired')?.data).toMatchObject({ amount: 1 });
  });
});

describe('webhooks', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service?.close());

  it('signs every delivery; a receiver failing its first three answers gets the event later', async () => {
    let secret = '';
    const receiver = await startReceiver(
      () => secret,
      (_event, attempt) => (attempt <= 3 ? 503 : 200),
    );
    const client = service.client();
    const endpoint = await client.webhooks.create.mutate({ url: receiver.url, events: ['transaction.created', 'balance.depleted'] });
    secret = endpoint.secret;
    expect(secret).toMatch(/^whsec_/);
    expect(await client.webhooks.list.query()).toEqual([expect.not.objectContaining({ secret: expect.anything() })]);
    const user = await service.newUser({ balance: 3 });
    await client.credits.consume.mutate({ userId: user.id, amount: 3 });
    await until(() => receiver.byId.size === 3, 30_000, 'three events'); // recharge, consume, depleted
    expect(receiver.bad).toEqual([]);
    expect([...receiver.attempts.values()]).toEqual([4, 4, 4]);
    expect([...receiver.byId.values()].map((e) => e.type).sort()).toEqual(['balance.depleted', 'transaction.created', 'transaction.created']);
    const deliveries = await client.webhooks.deliveries.query({ endpointId: endpoint.endpointId });
    expect(deliveries.items.map((d) => [d.status, d.attempts])).toEqual([
      ['succeeded', 4],
      ['succeeded', 4],
      ['succeeded', 4],
    ]);
    await client.webhooks.remove.mutate({ endpointId: endpoint.endpointId });
    await receiver.close();
  });

  it('one that never answers ends failed, and can be redelivered', async () => {
    let answering = false;
    let secret = '';
    const receiver = await startReceiver(
      () => secret,
      () => (answering ? 200 : 'hang'),
    );
    await service.app.close();
    service = await startTestService({ databaseUrl: service.databaseUrl, webhooks: { allowPrivate: true, timeoutMs: 200, backoffScale: 0.0001 } });
    const c = service.client();
    const endpoint = await c.webhooks.create.mutate({ url: receiver.url, events: ['balance.depleted'] });
    secret = endpoint.secret;
    const user = await service.newUser({ balance: 1 });
    await c.credits.consume.mutate({ userId: user.id, amount: 1 });
    await until(async () => (await c.webhooks.deliveries.query({ endpointId: endpoint.endpointId, status: 'failed' })).items.length === 1, 60_000, 'failed');
    const [failed] = (await c.webhooks.deliveries.query({ endpointId: endpoint.endpointId })).items;
    expect(failed).toMatchObject({ status: 'failed', attempts: 8, lastError: 'no answer within 200 ms' });
    answering = true;
    expect(await c.webhooks.redeliver.mutate({ deliveryId: failed!.deliveryId })).toMatchObject({ status: 'pending' });
    await until(() => receiver.byId.size === 1, 30_000, 'redelivered');
    expect([...receiver.byId.keys()]).toEqual([`evt_${failed!.eventId}`]);
    await receiver.close();
  });

  it('does not follow a redirect, and records a receiver that is gone, each as a failed attempt', async () => {
    let secret = '';
    const target = await startReceiver(() => secret);
    const redirecting = http.createServer((_req, res) => res.writeHead(302, { location: target.url }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const gone = http.createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const goneUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/hook`;
    await new Promise((resolve) => gone.close(resolve));
    const c = service.client();
    const moved = await c.webhooks.create.mutate({ url: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hook`, events: ['balance.depleted'] });
    secret = moved.secret;
    const closed = await c.webhooks.create.mutate({ url: goneUrl, events: ['balance.depleted'] });
    const user = await service.newUser({ balance: 1 });
    await c.credits.consume.mutate({ userId: user.id, amount: 1 });
    const first = async (endpointId: number) => (await c.webhooks.deliveries.query({ endpointId })).items[0];
    await until(async () => (await first(moved.endpointId))?.lastError != null && (await first(closed.endpointId))?.lastError != null, 10_000, 'first attempts');
    expect(await first(moved.endpointId)).toMatchObject({ status: 'pending', lastStatus: 302, lastError: 'answered 302' });
    expect(await first(closed.endpointId)).toMatchObject({ status: 'pending', lastStatus: null, lastError: expect.stringMatching(/^connect ECONNREFUSED 127\.0\.0\.1:\d+$/) });
    expect(target.byId.size).toBe(0);
    for (const endpoint of [moved, closed]) await c.webhooks.remove.mutate({ endpointId: endpoint.endpointId });
    await new Promise((resolve) => redirecting.close(resolve));
    await target.close();
  });

  it('refuses endpoints on private addresses unless allowed, and input it cannot use', async () => {
    await service.app.close();
    service = await startTestService({ databaseUrl: service.databaseUrl, webhooks: { allowPrivate: false, timeoutMs: 200, backoffScale: 0.0001 } });
    const c = service.client();
    for (const url of ['http://127.0.0.1:9/hook', 'http://10.1.2.3/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'http://localhost/x']) {
      await expect(c.webhooks.create.mutate({ url, events: ['balance.low'] })).rejects.toMatchObject({ data: { reason: 'WEBHOOK_URL_REFUSED' } });
    }
    await expect(c.webhooks.create.mutate({ url: 'ftp://example.com/', events: ['balance.low'] })).rejects.toMatchObject({ data: { reason: 'INVALID_INPUT' } });
    await expect(c.webhooks.create.mutate({ url: 'https://example.com/', events: [] })).rejects.toMatchObject({ data: { reason: 'INVALID_INPUT' } });
    await expect(c.webhooks.rotateSecret.mutate({ endpointId: 999_999 })).rejects.toMatchObject({ data: { reason: 'WEBHOOK_NOT_FOUND' } });
    expect(await service.sql(`select count(*)::int as n from webhook_endpoints where url like '%127.0.0.1:9%'`)).toEqual([{ n: 0 }]);
  });

  it('alerts and webhooks over REST, in seed 004\'s envelope', async () => {
    await service.newUser({ externalId: 'auth0|alerts-rest' });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${service.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as { success: boolean; data?: unknown; error?: unknown } };
    };
    expect(await call('PUT', '/api/v1/users/auth0%7Calerts-rest/alerts', { low_balance: 7.5 })).toMatchObject({
      status: 200,
      body: { success: true, data: { user_id: 'auth0|alerts-rest', low_balance: 7.5, source: 'user', state: 'ok' } },
    });
    expect((await call('GET', '/api/v1/users/auth0%7Calerts-rest/alerts')).body).toMatchObject({ data: { low_balance: 7.5 } });
    const refused = await call('PUT', '/api/v1/users/auth0%7Calerts-rest/alerts', { low_balance: -1 });
    expect(refused.status).toBe(400);
    const privateUrl = await call('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['balance.low'] });
    expect(privateUrl).toMatchObject({ status: 400, body: { success: false } });
    expect(JSON.stringify(privateUrl.body)).toContain('WEBHOOKS_ALLOW_PRIVATE');
    expect((await call('GET', '/api/v1/webhooks/999999/deliveries')).status).toBe(404);
  });
});
