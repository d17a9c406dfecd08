import { isInsufficientCredits, isUserNotFound } from '@credits/client';
import { describe, expect, it } from 'vitest';
import { useTestService } from './support/service';

const service = useTestService();


describe('exact amounts', () => {
  it('0.1 + 0.2 is exactly 0.3', async () => {
    const client = service.client();
    const { id } = await service.newUser();
    await client.credits.recharge.mutate({ userId: id, amount: 0.1 });
    const second = await client.credits.recharge.mutate({ userId: id, amount: 0.2 });
    expect(second.balanceAfter).toBe(0.3);
    expect((await client.credits.balance.query({ userId: id })).balance).toBe(0.3);
  });

  it('10.5 - 0.0001 is exactly 10.4999', async () => {
    const client = service.client();
    const { id } = await service.newUser();
    await client.credits.recharge.mutate({ userId: id, amount: 10.5 });
    const tx = await client.credits.consume.mutate({ userId: id, amount: 0.0001 });
    expect(tx).toMatchObject({ type: 'consume', amount: -0.0001, balanceBefore: 10.5, balanceAfter: 10.4999 });
    expect((await client.credits.balance.query({ userId: id })).balance).toBe(10.4999);
  });

  it('a thousand consumes of 0.0001 from 0.1 end at exactly 0', async () => {
    const caller = service.caller();
    const { id } = await service.newUser();
    await caller.credits.recharge({ userId: id, amount: 0.1 });
    for (let i = 0; i < 1000; i++) await caller.credits.consume({ userId: id, amount: 0.0001 });
    expect((await caller.credits.balance({ userId: id })).balance).toBe(0);
    await expect(caller.credits.consume({ userId: id, amount: 0.0001 })).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
  });
});

describe('operations', () => {
  it('recharge, consume, reset and set each write one ledger row with before and after', async () => {
    const caller = service.caller();
    const { id } = await service.newUser();
    const r = await caller.credits.recharge({ userId: id, amount: 100, description: 'top-up', referenceId: 'stripe_1' });
    expect(r).toMatchObject({ type: 'recharge', amount: 100, balanceBefore: 0, balanceAfter: 100, description: 'top-up', referenceId: 'stripe_1', replayed: false });
    const usage = await caller.usage.record({ userId: id, endpoint: '/chat', eventType: 'chat' });
    const c = await caller.credits.consume({ userId: id, amount: 30, description: 'chat', usageRecordId: usage.id });
    expect(c).toMatchObject({ type: 'consume', amount: -30, balanceBefore: 100, balanceAfter: 70, usageRecordId: usage.id });
    const s = await caller.credits.set({ userId: id, balance: 500, reason: 'migrated from billing' });
    expect(s).toMatchObject({ type: 'adjust', amount: 430, balanceBefore: 70, balanceAfter: 500, description: 'migrated from billing' });
    const down = await caller.credits.set({ userId: id, balance: 0.5 });
    expect(down).toMatchObject({ type: 'adjust', amount: -499.5, balanceAfter: 0.5 });
    const z = await caller.credits.reset({ userId: id });
    expect(z).toMatchObject({ type: 'reset', amount: -0.5, balanceBefore: 0.5, balanceAfter: 0 });
    const again = await caller.credits.reset({ userId: id });
    expect(again).toMatchObject({ type: 'reset', amount: 0, balanceBefore: 0, balanceAfter: 0 });

    const { items } = await caller.credits.transactions({ userId: id });
    expect(items.map((t) => t.type)).toEqual(['reset', 'reset', 'adjust', 'adjust', 'consume', 'recharge']);
    expect(items.reduce((sum, t) => sum + Math.round(t.amount * 1e4), 0)).toBe(0);
  });

  it('a consume larger than the balance is PAYMENT_REQUIRED with balance and required, and writes nothing', async () => {
    const client = service.client();
    const { id } = await service.newUser();
    await client.credits.recharge.mutate({ userId: id, amount: 5.5 });
    const error = await client.credits.consume.mutate({ userId: id, amount: 5.5001 }).catch((e: unknown) => e);
    expect(isInsufficientCredits(error)).toBe(true);
    if (!isInsufficientCredits(error)) return;
    expect(error.code).toBe('PAYMENT_REQUIRED');
    expect(error.data.httpStatus).toBe(402);
    expect(error.data.balance).toBe(5.5);
    expect(error.data.required).toBe(5.5001);
    expect((await client.credits.balance.query({ userId: id })).balance).toBe(5.5);
    expect((await client.credits.transactions.query({ userId: id })).items).toHaveLength(1);
  });

  it('addresses a user by our id or by external id', async () => {
    const caller = service.caller();
    const user = await service.newUser({ externalId: 'auth0|ledger-1' });
    await caller.credits.recharge({ userId: 'auth0|ledger-1', amount: 3 });
    await caller.credits.consume({ userId: user.id, amount: 1 });
    expect(await caller.credits.balance({ userId: 'auth0|ledger-1' })).toMatchObject({ userId: user.id, balance: 2 });
    expect((await caller.credits.transactions({ userId: 'auth0|ledger-1' })).items).toHaveLength(2);
  });

  it('an unknown user is NOT_FOUND for every operation', async () => {
    const client = service.client();
    for (const userId of [987654, 'auth0|nobody']) {
      const calls = [
        () => client.credits.balance.query({ userId }),
        () => client.credits.recharge.mutate({ userId, amount: 1 }),
        () => client.credits.consume.mutate({ userId, amount: 1 }),
        () => client.credits.reset.mutate({ userId }),
        () => client.credits.set.mutate({ userId, balance: 1 }),
        () => client.credits.transactions.query({ userId }),
      ];
      for (const call of calls) {
        const error = await call().catch((e: unknown) => e);
        expect(isUserNotFound(error)).toBe(true);
        if (isUserNotFound(error)) expect(error.data.userId).toBe(userId);
      }
    }
  });

  it('refuses a change that would take the balance past the maximum', async () => {
    const caller = service.caller();
    const { id } = await service.newUser();
    // 1000 recharges of the largest amount reach 1e15, the ceiling; one credit more is refused.
    const em = service.app.deps.orm.em.fork();
    await em.getConnection().execute(
      `select credits_apply(?, null, 'recharge', 1000000000000, null, null, null, null, null, now(), null) from generate_series(1, 1000)`,
      [id],
    );
    expect((await caller.credits.balance({ userId: id })).balance).toBe(1e15);
    await expect(caller.credits.recharge({ userId: id, amount: 1 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      cause: { details: { reason: 'BALANCE_LIMIT', limit: 1e15 } },
    });
    expect((await caller.credits.balance({ userId: id })).balance).toBe(1e15);
    expect((await caller.credits.reconcile()).ok).toBe(true);
  });
});

describe('transaction history', () => {
  it('lists newest first, filters by type and date, and pages with a cursor over every row once', async () => {
    const caller = service.caller();
    const { id } = await service.newUser();
    for (let i = 1; i <= 25; i++) await caller.credits.recharge({ userId: id, amount: i });
    for (let i = 1; i <= 5; i++) await caller.credits.consume({ userId: id, amount: 1 });

    const seen: number[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await caller.credits.transactions({ userId: id, limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(30);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen); // newest first
    expect(new Set(seen).size).toBe(30);

    const consumes = await caller.credits.transactions({ userId: id, type: 'consume' });
    expect(consumes.items).toHaveLength(5);
    expect(consumes.items.every((t) => t.type === 'consume')).toBe(true);

    const all = await caller.credits.transactions({ userId: id, limit: 200 });
    const tenth = all.items[9]!.createdAt;
    const future = new Date(Date.now() + 60_000);
    expect((await caller.credits.transactions({ userId: id, from: future })).items).toHaveLength(0);
    expect((await caller.credits.transactions({ userId: id, to: new Date(0) })).items).toHaveLength(0);
    const ranged = await caller.credits.transactions({ userId: id, from: tenth, to: future, limit: 200 });
    expect(ranged.items.every((t) => t.createdAt >= tenth)).toBe(true);
    expect(ranged.items.length).toBeGreaterThanOrEqual(10);
  });
});

describe('the ledger guards itself', () => {

  it('the tables refuse a negative balance and a row that does not add up, even from raw SQL', async () => {
    const { id } = await service.newUser({ balance: 5 });
    await expect(service.sql('update credits set balance = -1 where user_id = ?', [id])).rejects.toThrow(/credits_balance_check/);
    await expect(
      service.sql(`insert into credit_transactions (user_id, type, amount, balance_before, balance_after) values (?, 'recharge', 1, 5, 7)`, [id]),
    ).rejects.toThrow(/credit_transactions_chain_check/);
    await expect(
      service.sql(`insert into credit_transactions (user_id, type, amount, balance_before, balance_after) values (?, 'consume', -6, 5, -1)`, [id]),
    ).rejects.toThrow(/credit_transactions_balance_after_check/);
    await expect(
      service.sql(`insert into credit_transactions (user_id, type, amount, balance_before, balance_after) values (?, 'gift', 1, 5, 6)`, [id]),
    ).rejects.toThrow(/credit_transactions_type_check/);
  });

  it('reconcile reports a balance that differs from its ledger, and a broken chain', async () => {
    const caller = service.caller();
    const drifted = await service.newUser({ balance: 5 });
    const broken = await service.newUser({ balance: 5 });
    expect((await caller.credits.reconcile()).ok).toBe(true);

    // What a bug or a hand edit could do: a silent overwrite, and a row that skips a step.
    await service.sql('update credits set balance = 6 where user_id = ?', [drifted.id]);
    await service.sql(
      `insert into credit_transactions (user_id, type, amount, balance_before, balance_after) values (?, 'recharge', 1, 9, 10)`,
      [broken.id],
    );
    await service.sql('update credits set balance = 6 where user_id = ?', [broken.id]); // the sum: 5 + 1

    const report = await caller.credits.reconcile();
    expect(report.ok).toBe(false);
    expect(report.balanceMismatches).toEqual([{ userId: drifted.id, balance: 6, ledgerSum: 5 }]);
    expect(report.brokenChains).toEqual([{ userId: broken.id, transactionId: expect.any(Number) }]);

    // Put both back, so other tests of this file see a clean ledger.
    await service.sql('update credits set balance = 5 where user_id = ?', [drifted.id]);
    await service.sql(`delete from credit_transactions where user_id = ? and balance_before = 9`, [broken.id]);
    await service.sql('update credits set balance = 5 where user_id = ?', [broken.id]);
    expect((await caller.credits.reconcile()).ok).toBe(true);
  });
});
