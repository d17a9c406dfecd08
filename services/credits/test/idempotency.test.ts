import { isIdempotencyConflict } from '@credits/client';
import { describe, expect, it } from 'vitest';
import { startProxy } from './support/proxy';
import { holdBalanceLock, waitForLockWaiters } from './support/row-lock';
import { useTestService } from './support/service';

const service = useTestService();

const newUser = async (balance: number) => (await service.newUser({ balance })).id;

async function ledgerOf(userId: number) {
  const caller = service.caller();
  return {
    balance: (await caller.credits.balance({ userId })).balance,
    rows: (await caller.credits.transactions({ userId, limit: 200 })).items,
  };
}

describe('idempotency keys', () => {
  it('the same consume sent 20 times at once with one key charges once', async () => {
    const userId = await newUser(100);
    const client = service.client({ batch: false, retry: false });
    const gate = await holdBalanceLock(service.databaseUrl, userId);
    const calls = Array.from({ length: 20 }, () => client.credits.consume.mutate({ userId, amount: 7, idempotencyKey: 'order-42' }));
    // The first waits on the row, the rest queue behind it and reach the database as one batch.
    await waitForLockWaiters(service.databaseUrl, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await gate.release();
    const results = await Promise.all(calls);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(results.filter((r) => r.replayed)).toHaveLength(19);
    const { balance, rows } = await ledgerOf(userId);
    expect(balance).toBe(93);
    expect(rows.filter((r) => r.type === 'consume')).toHaveLength(1);
  });

  it('a replay returns the original transaction and writes nothing, even after other changes', async () => {
    const userId = await newUser(10);
    const caller = service.caller();
    const first = await caller.credits.recharge({ userId, amount: 5, idempotencyKey: 'pay-1', referenceId: 'stripe_9' });
    await caller.credits.consume({ userId, amount: 3 });
    const again = await caller.credits.recharge({ userId, amount: 5, idempotencyKey: 'pay-1', referenceId: 'stripe_9' });
    expect(again).toEqual({ ...first, replayed: true });
    const { balance, rows } = await ledgerOf(userId);
    expect(balance).toBe(12);
    expect(rows).toHaveLength(3);
  });

  it('the same key with other parameters is CONFLICT and writes nothing', async () => {
    const userId = await newUser(100);
    const client = service.client({ retry: false });
    await client.credits.consume.mutate({ userId, amount: 10, idempotencyKey: 'k-1' });
    const variants = [
      () => client.credits.consume.mutate({ userId, amount: 11, idempotencyKey: 'k-1' }),
      () => client.credits.consume.mutate({ userId, amount: 10, description: 'other', idempotencyKey: 'k-1' }),
      () => client.credits.recharge.mutate({ userId, amount: 10, idempotencyKey: 'k-1' }),
      () => client.credits.set.mutate({ userId, balance: 10, idempotencyKey: 'k-1' }),
      () => client.credits.reset.mutate({ userId, idempotencyKey: 'k-1' }),
    ];
    for (const variant of variants) {
      const error = await variant().catch((e: unknown) => e);
      expect(isIdempotencyConflict(error)).toBe(true);
      if (isIdempotencyConflict(error)) {
        expect(error.code).toBe('CONFLICT');
        expect(error.data.idempotencyKey).toBe('k-1');
      }
    }
    const { balance, rows } = await ledgerOf(userId);
    expect(balance).toBe(90);
    expect(rows).toHaveLength(2);
  });

  it('keys are scoped to a user: the same key on two users is two operations', async () => {
    const a = await newUser(10);
    const b = await newUser(10);
    const caller = service.caller();
    await caller.credits.consume({ userId: a, amount: 1, idempotencyKey: 'shared' });
    const onB = await caller.credits.consume({ userId: b, amount: 1, idempotencyKey: 'shared' });
    expect(onB.replayed).toBe(false);
    expect((await ledgerOf(a)).balance).toBe(9);
    expect((await ledgerOf(b)).balance).toBe(9);
  });

  it('a refused consume stores nothing: the same key succeeds once credits arrive', async () => {
    const userId = await newUser(1);
    const caller = service.caller();
    await expect(caller.credits.consume({ userId, amount: 5, idempotencyKey: 'later' })).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
    await caller.credits.recharge({ userId, amount: 10 });
    expect(await caller.credits.consume({ userId, amount: 5, idempotencyKey: 'later' })).toMatchObject({ replayed: false, balanceAfter: 6 });
  });

  it('an SDK call whose response is lost is retried with its key and charged once', async () => {
    const userId = await newUser(50);
    const proxy = await startProxy(service.url);
    try {
      const client = service.client({ url: proxy.url, retry: { minDelayMs: 10 } });
      proxy.dropNext(1);
      const result = await client.credits.consume.mutate({ userId, amount: 20 });
      expect(proxy.forwarded).toBe(2); // the lost attempt and the retry both reached the service
      expect(result.replayed).toBe(true); // the retry found the first attempt's row
      const { balance, rows } = await ledgerOf(userId);
      expect(balance).toBe(30);
      expect(rows.filter((r) => r.type === 'consume')).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});
