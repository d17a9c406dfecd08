import { hasReason, isInsufficientCredits } from '@credits/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCreditsClient } from '@credits/client';
import { startServiceProcess } from './support/process';
import { startTestService, TEST_ADMIN_KEY, testConfig, type TestService } from './support/service';

/**
 * Holds: reserve, then capture what the call cost or release; each final. On a clock the tests
 * move, except where real replicas race.
 */

let now = new Date('2033-03-01T12:00:00Z');
const clock = () => now;
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const services: TestService[] = [];
let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { clock });
  services.push(service);
});
afterAll(async () => {
  for (const s of services) await s.close();
});
const admin = () => service.client({ batch: false, retry: false });
const balanceOf = async (userId: number) => {
  const { balance, available, held } = await admin().credits.balance.query({ userId });
  return { balance, available, held };
};
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('a hold', () => {
  it('reserves credits: still in the balance, not available to a consume or another hold', async () => {
    const user = await service.newUser({ balance: 10 });
    const hold = await admin().credits.hold.mutate({ userId: user.id, amount: 7, description: 'completion' });
    expect(hold).toMatchObject({ amount: 7, available: 3, replayed: false, expiresAt: later(300) });
    expect(await balanceOf(user.id)).toEqual({ balance: 10, available: 3, held: 7 });

    const consume = await rejection(admin().credits.consume.mutate({ userId: user.id, amount: 4 }));
    expect(isInsufficientCredits(consume) || hasReason(consume, 'INSUFFICIENT_CREDITS')).toBe(true);
    expect(consume).toMatchObject({ data: { available: 3, required: 4 } });
    await expect(admin().credits.hold.mutate({ userId: user.id, amount: 3.0001 })).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
    await expect(admin().credits.set.mutate({ userId: user.id, balance: 6 })).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
    expect((await admin().credits.reconcile.query()).ok).toBe(true);
  });

  it('captured for less: one consume naming the hold, the rest freed; captured again: CONFLICT; the same key: the same row', async () => {
    const user = await service.newUser({ balance: 10 });
    const { holdId } = await admin().credits.hold.mutate({ userId: user.id, amount: 6 });
    const tx = await admin().credits.capture.mutate({ holdId, amount: 2.5, description: 'tokens', idempotencyKey: `cap-${holdId}` });
    expect(tx).toMatchObject({ type: 'consume', amount: -2.5, balanceBefore: 10, balanceAfter: 7.5, holdId, replayed: false });
    expect(await balanceOf(user.id)).toEqual({ balance: 7.5, available: 7.5, held: 0 });
    expect(await admin().credits.capture.mutate({ holdId, amount: 2.5, description: 'tokens', idempotencyKey: `cap-${holdId}` })).toMatchObject({ id: tx.id, replayed: true });
    await expect(admin().credits.capture.mutate({ holdId, amount: 1 })).rejects.toMatchObject({ data: { reason: 'HOLD_FINISHED', status: 'captured' } });
    await expect(admin().credits.release.mutate({ holdId })).rejects.toMatchObject({ data: { reason: 'HOLD_FINISHED', status: 'captured' } });
    const { items } = await admin().credits.holds.query({ userId: user.id });
    expect(items).toEqual([expect.objectContaining({ holdId, status: 'captured', captured: 2.5, captureTransactionId: tx.id })]);
    expect((await admin().credits.transactions.query({ userId: user.id, type: 'consume' })).items[0]).toMatchObject({ holdId });
  });

  it('captured for more: the excess comes from what is available, or nothing changes and the hold stays', async () => {
    const user = await service.newUser({ balance: 10 });
    const { holdId } = await admin().credits.hold.mutate({ userId: user.id, amount: 4 });
    const refused = await rejection(admin().credits.capture.mutate({ holdId, amount: 10.5 }));
    expect(refused).toMatchObject({ code: 'PAYMENT_REQUIRED', data: { available: 6, required: 10.5 } });
    expect(await balanceOf(user.id)).toEqual({ balance: 10, available: 6, held: 4 });
    expect(await admin().credits.capture.mutate({ holdId, amount: 9 })).toMatchObject({ amount: -9, balanceAfter: 1 });
    expect(await balanceOf(user.id)).toEqual({ balance: 1, available: 1, held: 0 });
  });

  it('released: everything freed, once; a capture after it is CONFLICT', async () => {
    const user = await service.newUser({ balance: 5 });
    const { holdId } = await admin().credits.hold.mutate({ userId: user.id, amount: 5 });
    expect(await admin().credits.release.mutate({ holdId })).toMatchObject({ holdId, status: 'released', finishedAt: now });
    expect(await admin().credits.release.mutate({ holdId })).toMatchObject({ status: 'released' });
    expect(await balanceOf(user.id)).toEqual({ balance: 5, available: 5, held: 0 });
    await expect(admin().credits.capture.mutate({ holdId, amount: 1 })).rejects.toMatchObject({ data: { reason: 'HOLD_FINISHED', status: 'released' } });
    await expect(admin().credits.capture.mutate({ holdId: 999_999_999, amount: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND', data: { reason: 'HOLD_NOT_FOUND' } });
  });

  it('refuses what it cannot do with the field at fault', async () => {
    const user = await service.newUser({ balance: 5 });
    await expect(admin().credits.hold.mutate({ userId: user.id, amount: 1, ttlSeconds: 86_401 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin().credits.hold.mutate({ userId: user.id, amount: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin().credits.hold.mutate({ userId: 2_000_000_000, amount: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('a hold that expires', () => {
  it('stops reserving at its expiresAt, before any sweep; a capture then is HOLD_EXPIRED; the sweeper ends it once', async () => {
    const user = await service.newUser({ balance: 8 });
    const { holdId, expiresAt } = await admin().credits.hold.mutate({ userId: user.id, amount: 8, ttlSeconds: 60 });
    now = new Date(expiresAt.getTime() - 1);
    expect(await balanceOf(user.id)).toEqual({ balance: 8, available: 0, held: 8 });
    now = expiresAt;
    expect(await balanceOf(user.id)).toEqual({ balance: 8, available: 8, held: 0 });
    await expect(admin().credits.capture.mutate({ holdId, amount: 1 })).rejects.toMatchObject({ code: 'CONFLICT', data: { reason: 'HOLD_EXPIRED' } });
    await service.app.expiry.tick();
    await service.app.expiry.tick();
    expect((await admin().credits.holds.query({ userId: user.id })).items).toEqual([expect.objectContaining({ status: 'expired', finishedAt: expiresAt })]);
    expect(await admin().credits.consume.mutate({ userId: user.id, amount: 8 })).toMatchObject({ balanceAfter: 0 });
    expect((await admin().credits.reconcile.query()).ok).toBe(true);
  });

  it('keeps its promise when the credits it holds would have expired: captured in full; the rest written off as it comes back', async () => {
    const user = await service.newUser();
    await admin().credits.recharge.mutate({ userId: user.id, amount: 5, category: 'promotional', expiresAt: later(30) });
    const { holdId } = await admin().credits.hold.mutate({ userId: user.id, amount: 5, ttlSeconds: 120 });
    now = later(60); // the bucket expired; the hold did not
    expect(await balanceOf(user.id)).toEqual({ balance: 5, available: 0, held: 5 });
    await service.app.expiry.tick();
    expect(await admin().credits.capture.mutate({ holdId, amount: 3 })).toMatchObject({ amount: -3, balanceAfter: 2 });
    // The 2 given back landed in a bucket that had expired: the next change writes them off.
    expect(await balanceOf(user.id)).toEqual({ balance: 0, available: 0, held: 0 });
    await service.app.expiry.tick();
    const types = (await admin().credits.transactions.query({ userId: user.id })).items.map((t) => `${t.type} ${t.amount}`);
    expect(types).toEqual(['expire -2', 'consume -3', 'recharge 5']);
    expect((await admin().credits.reconcile.query()).ok).toBe(true);
  });
});

describe('holds under concurrency, on two replicas', () => {
  it('100 holds of 1 on a balance of 50: exactly 50; consumes refused until captures and releases free credit', async () => {
    const first = await startTestService();
    const second = await startTestService({ databaseUrl: first.databaseUrl });
    services.push(first, second);
    const user = await first.newUser({ balance: 50 });
    const clients = [first.client({ batch: false, retry: false }), second.client({ batch: false, retry: false })];
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => clients[i % 2]!.credits.hold.mutate({ userId: user.id, amount: 1 })));
    const held = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.holdId] : []));
    expect(held).toHaveLength(50);
    expect(results.filter((r) => r.status === 'rejected' && isInsufficientCredits(r.reason))).toHaveLength(50);
    await expect(clients[1]!.credits.consume.mutate({ userId: user.id, amount: 0.0001 })).rejects.toMatchObject({ data: { reason: 'INSUFFICIENT_CREDITS' } });

    // Captures of 0.5 on one replica, releases on the other, and consumes racing them.
    const captures = held.slice(0, 25).map((holdId) => clients[0]!.credits.capture.mutate({ holdId, amount: 0.5 }));
    const releases = held.slice(25).map((holdId) => clients[1]!.credits.release.mutate({ holdId }));
    const consumes = Promise.allSettled(Array.from({ length: 40 }, (_, i) => clients[i % 2]!.credits.consume.mutate({ userId: user.id, amount: 1 })));
    await Promise.all([...captures, ...releases]);
    const consumed = (await consumes).filter((r) => r.status === 'fulfilled').length;
    const { balance, held: stillHeld } = await first.caller().credits.balance({ userId: user.id });
    expect(stillHeld).toBe(0);
    expect(balance).toBe(50 - 25 * 0.5 - consumed);
    expect((await first.caller().credits.reconcile()).ok).toBe(true);
  });

  it('a capture racing its hold\'s expiry and the sweepers: each hold captured or expired, never both, never lost', async () => {
    const first = await startTestService();
    const second = await startTestService({ databaseUrl: first.databaseUrl });
    services.push(first, second);
    const user = await first.newUser({ balance: 100 });
    const clients = [first.client({ batch: false, retry: false }), second.client({ batch: false, retry: false })];
    const holds = await Promise.all(Array.from({ length: 40 }, (_, i) => clients[i % 2]!.credits.hold.mutate({ userId: user.id, amount: 2, ttlSeconds: 1 })));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, holds[0]!.expiresAt.getTime() - Date.now() - 30)));
    const captures = holds.map((h, i) => clients[i % 2]!.credits.capture.mutate({ holdId: h.holdId, amount: 1.5 }).then(() => 'captured', (e: unknown) => e));
    const sweeps = Array.from({ length: 5 }, () => [first.app.expiry.tick(), second.app.expiry.tick()]).flat();
    const outcomes = await Promise.all(captures);
    await Promise.all(sweeps);
    await first.app.expiry.tick();

    const rows = await first.sql<{ hold_id: number; status: string; consumes: number }>(
      `select h.id as hold_id, h.status, (select count(*)::int from credit_transactions t where t.hold_id = h.id) as consumes
         from credit_holds h where h.user_id = ? order by h.id`,
      [user.id],
    );
    const outcomeOf = new Map(holds.map((h, i) => [h.holdId, outcomes[i]]));
    expect(rows).toHaveLength(40);
    for (const row of rows) {
      const outcome = outcomeOf.get(Number(row.hold_id));
      if (outcome === 'captured') expect(row).toMatchObject({ status: 'captured', consumes: 1 });
      else {
        expect(hasReason(outcome, 'HOLD_EXPIRED')).toBe(true);
        expect(row).toMatchObject({ status: 'expired', consumes: 0 });
      }
    }
    const captured = outcomes.filter((o) => o === 'captured').length;
    expect((await first.caller().credits.balance({ userId: user.id })).balance).toBe(100 - captured * 1.5);
    expect((await first.caller().credits.reconcile()).ok).toBe(true);
  });
  it('holds and captures of 20 users, in crossing orders on two replicas beside consumes: no deadlock, each applied once', async () => {
    const first = await startTestService();
    const second = await startTestService({ databaseUrl: first.databaseUrl });
    services.push(first, second);
    const users = await Promise.all(Array.from({ length: 20 }, () => first.newUser({ balance: 100 })));
    const clients = [first.client({ batch: false, retry: false }), second.client({ batch: false, retry: false })];
    const holds = await Promise.all(
      Array.from({ length: 5 }, () => users.map((u, i) => clients[i % 2]!.credits.hold.mutate({ userId: u.id, amount: 3 }))).flat(),
    );
    // Replica 0 captures in one order, replica 1 in the other, while both consume for the same users.
    const half = holds.length / 2;
    const forward = holds.slice(0, half).map((h) => clients[0]!.credits.capture.mutate({ holdId: h.holdId, amount: 2 }));
    const backward = holds
      .slice(half)
      .reverse()
      .map((h) => clients[1]!.credits.capture.mutate({ holdId: h.holdId, amount: 2 }));
    const consumes = users.flatMap((u, i) => [clients[i % 2]!.credits.consume.mutate({ userId: u.id, amount: 1 }), clients[(i + 1) % 2]!.credits.consume.mutate({ userId: u.id, amount: 1 })]);
    await Promise.all([...forward, ...backward, ...consumes]);
    for (const user of users) {
      const { balance, held } = await first.caller().credits.balance({ userId: user.id });
      expect({ balance, held }).toEqual({ balance: 100 - 5 * 2 - 2, held: 0 });
    }
    const captures = await first.sql<{ n: number }>(`select count(*)::int as n from credit_transactions where hold_id is not null and user_id in (?)`, [users.map((u) => u.id)]);
    expect(captures[0]!.n).toBe(holds.length);
    expect((await first.caller().credits.reconcile()).ok).toBe(true);
  });
});

describe('meter in the SDK', () => {
  it('holds the estimate, runs the work, captures what it cost with its usage record; a throw releases', async () => {
    const user = await service.newUser({ balance: 10 });
    const credits = admin();
    const { result, transaction } = await credits.meter({ userId: user.id, estimate: 4 }, async (hold) => {
      expect((await balanceOf(user.id)).held).toBe(4);
      return { amount: 1.25, usage: { endpoint: '/chat', eventType: 'chat', modelName: 'm-1', tokensUsed: 125 }, holdId: hold.holdId };
    });
    expect(transaction).toMatchObject({ type: 'consume', amount: -1.25, holdId: result.holdId, balanceAfter: 8.75 });
    const [record] = (await credits.usage.list.query({ userId: user.id })).items;
    expect(record).toMatchObject({ modelName: 'm-1', tokensUsed: 125, creditsCharged: 1.25 });
    expect(transaction.usageRecordId).toBe(record!.id);

    await expect(credits.meter({ userId: user.id, estimate: 4 }, async () => Promise.reject(new Error('the model failed')))).rejects.toThrow('the model failed');
    expect(await balanceOf(user.id)).toEqual({ balance: 8.75, available: 8.75, held: 0 });
    await expect(credits.meter({ userId: user.id, estimate: 9 }, async () => ({ amount: 1 }))).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
  });

  it('a retried meter with its key charges once', async () => {
    const user = await service.newUser({ balance: 10 });
    const work = async () => ({ amount: 2 });
    const first = await admin().meter({ userId: user.id, estimate: 3, idempotencyKey: 'job-1' }, work);
    const again = await admin().meter({ userId: user.id, estimate: 3, idempotencyKey: 'job-1' }, work);
    expect(again.transaction).toMatchObject({ id: first.transaction.id, replayed: true });
    expect(await balanceOf(user.id)).toEqual({ balance: 8, available: 8, held: 0 });
  });
});

describe('a service killed during a meter', () => {
  it('frees the hold at its TTL; the retry with the same key charges once', async () => {
    // Everything here on the real clock, as the child's.
    // (No daily grant to move the balance meanwhile.)
    const replica = await startTestService({ databaseUrl: service.databaseUrl, dailyGrant: { ...testConfig().dailyGrant, enabled: false } });
    services.push(replica);
    const user = await replica.newUser({ balance: 10 });
    const child = await startServiceProcess({ DATABASE_URL: service.databaseUrl, ADMIN_API_KEY: TEST_ADMIN_KEY, LOG_LEVEL: 'warn', DAILY_GRANT_ENABLED: 'false' });
    const dying = createCreditsClient({ url: child.url, apiKey: TEST_ADMIN_KEY, retry: false, batch: false });
    const killed = await dying
      .meter({ userId: user.id, estimate: 6, ttlSeconds: 1, idempotencyKey: 'job-killed' }, async () => {
        await child.stop('SIGKILL'); // the process dies while the work runs: no capture, no release
        return { amount: 5 };
      })
      .catch((error: unknown) => error);
    expect(killed).toBeInstanceOf(Error); // the call in flight when the process died
    const live = replica.client({ batch: false, retry: false });
    const { holdId } = (await live.credits.holds.query({ userId: user.id })).items[0]!;
    expect(await live.credits.balance.query({ userId: user.id })).toMatchObject({ available: 4, held: 6 });
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the TTL
    expect(await live.credits.balance.query({ userId: user.id })).toMatchObject({ balance: 10, available: 10, held: 0 });

    const retried = await live.meter({ userId: user.id, estimate: 6, ttlSeconds: 60, idempotencyKey: 'job-killed' }, async () => ({ amount: 5 }));
    expect(retried.transaction.holdId).not.toBe(holdId); // the first hold expired unused; a new one carried the charge
    const again = await live.meter({ userId: user.id, estimate: 6, ttlSeconds: 60, idempotencyKey: 'job-killed' }, async () => ({ amount: 5 }));
    expect(again.transaction).toMatchObject({ id: retried.transaction.id, replayed: true });
    expect(await live.credits.balance.query({ userId: user.id })).toMatchObject({ balance: 5, held: 0 });
    expect((await live.credits.reconcile.query()).ok).toBe(true);
  });
});

describe('holds over REST (seed 004, beyond the seed)', () => {
  const rest = async <Data = Record<string, unknown>>(method: string, path: string, body?: unknown, key = TEST_ADMIN_KEY) => {
    const res = await fetch(`${service.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { success: boolean; message: string; error_code?: string; data: Data } };
  };
  const credits = (externalId: string) => `/users/${encodeURIComponent(externalId)}/credits`;

  it('a hold, captured for less with its usage: one consume naming the hold; again 409; another released; listed by status', async () => {
    const user = await service.newUser({ balance: 10, externalId: 'rest|holds' });
    const held = await rest('POST', `${credits('rest|holds')}/holds`, { amount: 6, ttl_seconds: 120, description: 'estimate', idempotency_key: 'rest-hold-1' });
    expect(held).toMatchObject({ status: 200, body: { success: true, message: 'Credits held successfully' } });
    expect(held.body.data).toEqual({ hold_id: expect.any(Number), user_id: 'rest|holds', amount: 6, status: 'active', expires_at: later(120).toISOString(), available: 4 });
    const holdId = held.body.data.hold_id as number;
    expect((await rest('POST', `${credits('rest|holds')}/holds`, { amount: 6, ttl_seconds: 120, description: 'estimate', idempotency_key: 'rest-hold-1' })).body.data).toMatchObject({ hold_id: holdId });

    const usage = { endpoint: '/chat', event_type: 'ai_chat', model_name: 'm-2', tokens_used: 250, cost_usd: 0.002, metadata: { stream: true } };
    const captured = await rest('POST', `/holds/${holdId}/capture`, { amount: 2.5, description: 'tokens', usage });
    expect(captured).toMatchObject({ status: 200, body: { message: 'Hold captured successfully' } });
    expect(captured.body.data).toMatchObject({ user_id: 'rest|holds', transaction_type: 'consume', amount: 2.5, balance_before: 10, balance_after: 7.5, hold_id: holdId });
    const history = await rest('GET', `${credits('rest|holds')}/transactions?transaction_type=consume`);
    expect(history.body.data).toEqual([expect.objectContaining({ id: captured.body.data.id, hold_id: holdId, usage_record_id: captured.body.data.usage_record_id })]);
    const records = await rest('GET', `/users/${encodeURIComponent('rest|holds')}/usage`);
    expect(records.body.data).toEqual([
      expect.objectContaining({ id: captured.body.data.usage_record_id, event_type: 'ai_chat', model_name: 'm-2', tokens_used: 250, credits_charged: 2.5, metadata: { stream: true } }),
    ]);

    const again = await rest('POST', `/holds/${holdId}/capture`, { amount: 1 });
    expect(again).toMatchObject({ status: 409, body: { success: false, status: 'error', error_code: 'HoldFinishedException', message: `Hold ${holdId} is already captured` } });

    const second = (await rest('POST', `${credits('rest|holds')}/holds`, { amount: 3 })).body.data.hold_id as number;
    const released = await rest('POST', `/holds/${second}/release`);
    expect(released).toMatchObject({ status: 200, body: { message: 'Hold released successfully' } });
    expect(released.body.data).toMatchObject({ hold_id: second, user_id: 'rest|holds', amount: 3, status: 'released', captured: null, finished_at: now.toISOString() });
    expect(await balanceOf(user.id)).toEqual({ balance: 7.5, available: 7.5, held: 0 });

    const listed = async (query: string) =>
      (await rest<{ hold_id: number; status: string }[]>('GET', `${credits('rest|holds')}/holds${query}`)).body.data.map((h) => `${h.hold_id} ${h.status}`);
    expect(await listed('')).toEqual([`${second} released`, `${holdId} captured`]);
    expect(await listed('?status=captured')).toEqual([`${holdId} captured`]);
    expect(await listed('?status=active')).toEqual([]);
    const page = await fetch(`${service.url}/api/v1${credits('rest|holds')}/holds?limit=1`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    const cursor = page.headers.get('x-next-cursor');
    expect(cursor).toBeTruthy();
    expect(await listed(`?limit=1&cursor=${encodeURIComponent(cursor!)}`)).toEqual([`${holdId} captured`]);
    expect((await rest<unknown[]>('GET', `${credits('rest|holds')}/holds`)).body.data[1]).toEqual({
      hold_id: holdId,
      user_id: 'rest|holds',
      amount: 6,
      status: 'captured',
      expires_at: later(120).toISOString(),
      description: 'estimate',
      captured: 2.5,
      capture_transaction_id: captured.body.data.id,
      created_at: now.toISOString(),
      finished_at: now.toISOString(),
    });
  });

  it('refusals in the seed\'s shape: insufficient credits 400, an unknown hold 404, an expired one 409', async () => {
    await service.newUser({ balance: 2, externalId: 'rest|refusals' });
    const short = await rest('POST', `${credits('rest|refusals')}/holds`, { amount: 2.5 });
    expect(short).toMatchObject({ status: 400, body: { success: false, error_code: 'InsufficientCreditsException', message: 'Insufficient credits: balance 2, required 2.5' } });
    for (const path of ['/holds/999999999/capture', '/holds/999999999/release']) {
      expect(await rest('POST', path, path.endsWith('capture') ? { amount: 1 } : undefined)).toMatchObject({
        status: 404,
        body: { success: false, status: 'error', error_code: 'HoldNotFoundException', message: 'Hold not found: 999999999' },
      });
    }
    const holdId = (await rest('POST', `${credits('rest|refusals')}/holds`, { amount: 2, ttl_seconds: 60 })).body.data.hold_id as number;
    now = later(60);
    expect(await rest('POST', `/holds/${holdId}/capture`, { amount: 1 })).toMatchObject({ status: 409, body: { error_code: 'HoldExpiredException' } });
  });

  it('bad input is a 400 naming the field as sent, and nothing is written', async () => {
    const user = await service.newUser({ balance: 5, externalId: 'rest|bad-holds' });
    const { holdId } = await admin().credits.hold.mutate({ userId: user.id, amount: 1 });
    const bad = async (method: string, path: string, body?: unknown) => {
      const answer = await rest(method, path, body);
      expect(answer).toMatchObject({ status: 400, body: { success: false, error_code: 'InvalidInputException' } });
      return answer.body.message;
    };
    const base = credits('rest|bad-holds');
    expect(await bad('POST', `${base}/holds`, { amount: 1, ttl_seconds: 86_401 })).toMatch(/^Invalid input: ttl_seconds /);
    expect(await bad('POST', `${base}/holds`, { amount: '1' })).toBe('Invalid input: amount must be a number');
    expect(await bad('POST', `${base}/holds`, { amount: 1, idempotency_key: 'has space' })).toBe('Invalid input: idempotency_key must be printable ASCII without spaces');
    expect(await bad('POST', `/holds/${holdId}/capture`, { amount: 0.5, usage: { endpoint: '/chat' } })).toBe('Invalid input: usage.event_type is required');
    expect(await bad('POST', `/holds/${holdId}/capture`, { amount: 0.5, usage: { endpoint: '/chat', event_type: 'x', session_id: 'not-a-uuid' } })).toBe(
      'Invalid input: usage.session_id must be a session id (a UUID)',
    );
    expect(await bad('POST', `/holds/${holdId}/capture`, { amount: 0.00001 })).toMatch(/^Invalid input: amount /);
    expect(await bad('POST', '/holds/abc/capture', { amount: 1 })).toBe('Invalid input: hold_id must be a hold id (a positive integer)');
    expect(await bad('POST', '/holds/0/release')).toBe('Invalid input: hold_id must be a hold id (a positive integer)');
    expect(await bad('GET', `${base}/holds?status=pending`)).toBe('Invalid input: status must be one of active, captured, released, expired');

    expect((await admin().credits.holds.query({ userId: user.id })).items).toEqual([expect.objectContaining({ holdId, status: 'active' })]);
    expect(await balanceOf(user.id)).toEqual({ balance: 5, available: 4, held: 1 });
    expect((await admin().credits.transactions.query({ userId: user.id })).items.map((t) => t.type)).toEqual(['recharge']);
    expect((await admin().usage.list.query({ userId: user.id })).items).toEqual([]);
  });

  it('a user key lists its own holds only; holding, capturing and releasing need a service credential', async () => {
    const alice = await service.newUser({ balance: 5, externalId: 'rest|alice' });
    await service.newUser({ balance: 5, externalId: 'rest|bob' });
    const { key } = await admin().apiKeys.create.mutate({ name: 'alice', scope: 'user', userId: alice.id });
    const { holdId } = await admin().credits.hold.mutate({ userId: alice.id, amount: 1 });

    expect(await rest('GET', `${credits('rest|alice')}/holds`, undefined, key)).toMatchObject({ status: 200, body: { data: [expect.objectContaining({ hold_id: holdId })] } });
    expect(await rest('GET', `${credits('rest|bob')}/holds`, undefined, key)).toMatchObject({ status: 403, body: { success: false } });
    expect(await rest('POST', `${credits('rest|alice')}/holds`, { amount: 1 }, key)).toMatchObject({ status: 403, body: { success: false } });
    expect(await rest('POST', `/holds/${holdId}/capture`, { amount: 1 }, key)).toMatchObject({ status: 403 });
    expect(await rest('POST', `/holds/${holdId}/release`, undefined, key)).toMatchObject({ status: 403 });
    expect(await balanceOf(alice.id)).toEqual({ balance: 5, available: 4, held: 1 });
    expect((await admin().credits.holds.query({ userId: alice.id })).items).toEqual([expect.objectContaining({ holdId, status: 'active' })]);
  });
});
