import { isInsufficientCredits } from '@credits/client';
import { describe, expect, it } from 'vitest';
import { holdBalanceLock, waitForLockWaiters } from './support/row-lock';
import { startTestService, useTestService } from './support/service';

const service = useTestService();
/**
 * Hundreds of calls made at once, each sent alone: on a loaded machine the last of them finish
 * after the SDK's default timeout (10 s), which is not what these tests are about.
 */
const bulk = { batch: false, retry: false, timeoutMs: 60_000 } as const;

describe('concurrent consumes', () => {
  it('200 consumes of 1 on a balance of 100, over HTTP to two replicas: exactly 100 succeed, never below zero, combined', async () => {
    const user = await service.newUser({ balance: 100 });
    // Two service instances on one database, each with its own pool and combiner: calls race
    // inside each process (combined per user) and between them (on the row lock).
    const replica = await startTestService({ databaseUrl: service.databaseUrl });
    try {
      const clients = [service, replica].flatMap((s) => [s.client(bulk), s.client(bulk)]);
      const gate = await holdBalanceLock(service.databaseUrl, user.id);
      const calls = Array.from({ length: 200 }, (_, i) => clients[i % 4]!.credits.consume.mutate({ userId: user.id, amount: 1 }));
      // One call per replica waits on the row; the rest queue behind it in their replica.
      await waitForLockWaiters(service.databaseUrl, 2);
      await new Promise((resolve) => setTimeout(resolve, 500)); // every request has arrived by now
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
      // Each its own row, but far fewer commits than rows: queued debits went together.
      const [counted] = await service.sql<{ commits: number }>(
        "select count(distinct xmin::text)::int as commits from credit_transactions where user_id = ? and type = 'consume'",
        [user.id],
      );
      expect(counted!.commits).toBeLessThan(20);
    } finally {
      await replica.close();
    }
  });

  it('800 consumes over 40 users, through two replicas at once: each user exactly its balance, combined across users', async () => {
    const users = await Promise.all(Array.from({ length: 40 }, () => service.newUser({ balance: 10 })));
    const replica = await startTestService({ databaseUrl: service.databaseUrl });
    try {
      const clients = [service, replica].flatMap((s) => Array.from({ length: 4 }, () => s.client(bulk)));
      const calls = Array.from({ length: 800 }, (_, i) => ({ userId: users[i % 40]!.id, via: clients[(i * 7) % clients.length]! }));
      const gate = await holdBalanceLock(service.databaseUrl);
      const settled = Promise.allSettled(calls.map(({ userId, via }) => via.credits.consume.mutate({ userId, amount: 1 })));
      // The first call of each lane waits on the lock; the rest queue behind them in their replica.
      await waitForLockWaiters(service.databaseUrl, 2);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await gate.release();
      const results = await settled;
      for (const r of results) if (r.status === 'rejected') expect(isInsufficientCredits(r.reason)).toBe(true);

      const caller = service.caller();
      for (const user of users) {
        const mine = results.filter((r, i) => r.status === 'fulfilled' && calls[i]!.userId === user.id);
        expect(mine).toHaveLength(10);
        expect((await caller.credits.balance({ userId: user.id })).balance).toBe(0);
        const consumes = await caller.credits.transactions({ userId: user.id, type: 'consume', limit: 50 });
        expect(consumes.items.map((t) => t.balanceAfter).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      }
      expect((await caller.credits.reconcile()).ok).toBe(true);
      // 400 rows: one commit each without combining; about one per lane with it.
      const [counted] = await service.sql<{ commits: number }>(
        "select count(distinct xmin::text)::int as commits from credit_transactions where user_id in (?) and type = 'consume'",
        [users.map((u) => u.id)],
      );
      expect(counted!.commits).toBeLessThan(100);
    } finally {
      await replica.close();
    }
  });

  it('mixed recharges, consumes, resets and sets at once keep balance = sum of the ledger', async () => {
    const user = await service.newUser({ balance: 50 });
    const client = service.client(bulk);
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
