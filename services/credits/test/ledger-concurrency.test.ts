import { isInsufficientCredits } from '@credits/client';
import { describe, expect, it } from 'vitest';
import { holdBalanceLock, waitForLockWaiters } from './support/row-lock';
import { useTestService } from './support/service';

const service = useTestService();

describe('concurrent consumes on one user', () => {
  it('200 consumes of 1 on a balance of 100 over HTTP: exactly 100 succeed, never below zero', async () => {
    const user = await service.newUser({ balance: 100 });
    // Separate HTTP requests (no batching), spread over several clients, all at once.
    const clients = Array.from({ length: 4 }, () => service.client({ batch: false, retry: false }));
    const gate = await holdBalanceLock(service.databaseUrl, user.id);
    const calls = Array.from({ length: 200 }, (_, i) => clients[i % 4]!.credits.consume.mutate({ userId: user.id, amount: 1 }));
    await waitForLockWaiters(service.databaseUrl, 20); // the pool's 20 connections, all queued on the row
    await gate.release();
    const results = await Promise.allSettled(calls);

    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(ok).toHaveLength(100);
    expect(refused).toHaveLength(100);
    for (const error of refused) {
      expect(isInsufficientCredits(error)).toBe(true);
      expect(error.code).toBe('PAYMENT_REQUIRED');
      expect(error.data.required).toBe(1);
      expect(error.data.balance).toBe(0);
    }

    const caller = service.caller();
    expect((await caller.credits.balance({ userId: user.id })).balance).toBe(0);
    const consumes = await caller.credits.transactions({ userId: user.id, type: 'consume', limit: 200 });
    expect(consumes.items).toHaveLength(100);
    // Each consume started where the one before it ended: they ran one after another.
    const afters = consumes.items.map((t) => t.balanceAfter).sort((a, b) => a - b);
    expect(afters).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect((await caller.credits.reconcile()).ok).toBe(true);
  });

  it('mixed recharges, consumes, resets and sets at once keep balance = sum of the ledger', async () => {
    const user = await service.newUser({ balance: 50 });
    const client = service.client({ batch: false, retry: false });
    const calls = Array.from({ length: 300 }, (_, i) => {
      switch (i % 10) {
        case 0:
          return client.credits.reset.mutate({ userId: user.id });
        case 1:
          return client.credits.set.mutate({ userId: user.id, balance: 7.25 });
        case 2:
        case 3:
        case 4:
          return client.credits.recharge.mutate({ userId: user.id, amount: 2.5 });
        default:
          return client.credits.consume.mutate({ userId: user.id, amount: 1.0001 });
      }
    });
    const results = await Promise.allSettled(calls);
    for (const r of results) if (r.status === 'rejected') expect(isInsufficientCredits(r.reason)).toBe(true);

    const caller = service.caller();
    const report = await caller.credits.reconcile();
    expect(report.balanceMismatches).toEqual([]);
    expect(report.brokenChains).toEqual([]);
    const { balance } = await caller.credits.balance({ userId: user.id });
    expect(balance).toBeGreaterThanOrEqual(0);
    const applied = results.filter((r) => r.status === 'fulfilled').length;
    const page = await caller.credits.transactions({ userId: user.id, limit: 200 });
    const all = [...page.items];
    for (let cursor = page.nextCursor; cursor; ) {
      const next = await caller.credits.transactions({ userId: user.id, limit: 200, cursor });
      all.push(...next.items);
      cursor = next.nextCursor;
    }
    expect(all).toHaveLength(applied + 1); // + the initial recharge
    expect(all[0]!.balanceAfter).toBe(balance);
  });
});
