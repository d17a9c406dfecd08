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

  it('combined calls each get their own answer: every caller follows its own balanceAfter chain', async () => {
    // 12 users, 3 callers each, every caller with an amount of its own, sending 6 consumes one after
    // another; all 36 at once. The lanes combine calls of several users and callers per statement
    // (sorted by user inside it): an answer handed to the wrong caller shows in its chain.
    const users = await Promise.all(Array.from({ length: 12 }, (_, u) => service.newUser({ balance: 1_000 + u })));
    const callers = users.flatMap((user, u) => [0, 1, 2].map((c) => ({ userId: user.id, units: 10_000 + u * 3 + c, answers: [] as { userId: number; amount: number; balanceBefore: number; balanceAfter: number }[] })));
    const units = (n: number) => Math.round(n * 10_000);
    const gate = await holdBalanceLock(service.databaseUrl);
    const running = callers.map(async (caller) => {
      const client = service.client(bulk);
      for (let i = 0; i < 6; i++) caller.answers.push(await client.credits.consume.mutate({ userId: caller.userId, amount: caller.units / 10_000 }));
    });
    await waitForLockWaiters(service.databaseUrl, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await gate.release();
    await Promise.all(running);

    for (const caller of callers) {
      // Each answer is this caller's own consume: its user, its amount, and no more taken than that.
      for (const a of caller.answers) expect([a.userId, units(a.amount), units(a.balanceBefore) - units(a.balanceAfter)]).toEqual([caller.userId, -caller.units, caller.units]);
      // In the order it sent them: each begins at or below where its previous one ended.
      for (let i = 1; i < 6; i++) expect(caller.answers[i]!.balanceBefore).toBeLessThanOrEqual(caller.answers[i - 1]!.balanceAfter);
    }
    for (const [u, user] of users.entries()) {
      // One user's answers, from all its callers, make one unbroken chain from its balance down.
      const chain = callers.filter((c) => c.userId === user.id).flatMap((c) => c.answers).sort((a, b) => b.balanceBefore - a.balanceBefore);
      expect(units(chain[0]!.balanceBefore)).toBe(units(1_000 + u));
      for (let i = 1; i < chain.length; i++) expect(chain[i]!.balanceBefore).toBe(chain[i - 1]!.balanceAfter);
      expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(chain.at(-1)!.balanceAfter);
    }
    // Combined: far fewer commits than the 216 consumes.
    const [counted] = await service.sql<{ commits: number }>(
      "select count(distinct xmin::text)::int as commits from credit_transactions where user_id in (?) and type = 'consume'",
      [users.map((u) => u.id)],
    );
    expect(counted!.commits).toBeLessThan(150);
  });

  it('mixed recharges, consumes, resets and sets at once: the balance is exactly the ledger replayed in order', async () => {
    const user = await service.newUser({ balance: 50 });
    const client = service.client(bulk);
    const kinds = Array.from({ length: 300 }, (_, i) => (['reset', 'adjust', 'recharge', 'recharge', 'recharge'] as const)[i % 10] ?? 'consume');
    // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch covers every kind, as TypeScript checks
    const calls = kinds.map((kind) => {
      switch (kind) {
        case 'reset':
          return client.credits.reset.mutate({ userId: user.id });
        case 'adjust':
          return client.credits.set.mutate({ userId: user.id, balance: 7.25 });
        case 'recharge':
          return client.credits.recharge.mutate({ userId: user.id, amount: 2.5 });
        case 'consume':
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
    const page = await caller.credits.transactions({ userId: user.id, limit: 200 });
    const all = [...page.items];
    for (let cursor = page.nextCursor; cursor; ) {
      const next = await caller.credits.transactions({ userId: user.id, limit: 200, cursor });
      all.push(...next.items);
      cursor = next.nextCursor;
    }

    // Replayed in the order written (ten-thousandths, exact): each row does what its kind of call
    // asked, from where the row before it ended. The last one's end is the balance, exactly.
    const units = (n: number) => Math.round(n * 10_000);
    const [initial, ...rows] = [...all].sort((a, b) => a.id - b.id);
    expect(initial).toMatchObject({ type: 'recharge', balanceBefore: 0, balanceAfter: 50 });
    let model = units(50);
    for (const row of rows) {
      const next = { recharge: model + units(2.5), consume: model - units(1.0001), reset: 0, adjust: units(7.25) }[row.type as (typeof kinds)[number]];
      expect([row.type, units(row.balanceBefore), units(row.balanceAfter)]).toEqual([row.type, model, next]);
      model = next;
    }
    expect(units(balance)).toBe(model);
    // One row per call that succeeded, of its kind, and each call answered with its own row.
    const succeeded = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ kind: kinds[i]!, tx: r.value }] : []));
    expect(rows.map((r) => r.type).sort()).toEqual(succeeded.map((s) => s.kind).sort());
    for (const { kind, tx } of succeeded) expect(rows.find((r) => r.id === tx.id)).toMatchObject({ type: kind, balanceBefore: tx.balanceBefore, balanceAfter: tx.balanceAfter });
  });
});
