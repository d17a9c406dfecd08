import { hasReason } from '@credits/client';
import { MikroORM } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { ormConfig } from '../src/db/orm';
import { applyRepeatable } from '../src/db/repeatable';
import { createTestDatabase } from './support/db';
import { holdBalanceLock, waitForLockWaiters } from './support/row-lock';
import { startTestService, TEST_ADMIN_KEY, useTestService } from './support/service';

/**
 * A recharge's referenceId (a payment's id) credits a user once: a payment provider retries its
 * webhooks, and each retry must not pay again. Same reference and amount: the first transaction
 * again; another amount: CONFLICT. On tRPC, on seed 004's REST route, under races, and over rows
 * stored before the rule existed.
 */

const service = useTestService();

describe('a recharge reference is a natural idempotency key per user', () => {
  it('tRPC: the same reference and amount replays the first recharge; another amount is CONFLICT REFERENCE_REUSED', async () => {
    const user = await service.newUser();
    const client = service.client();
    const first = await client.credits.recharge.mutate({ userId: user.id, amount: 50, referenceId: 'stripe_payment_123' });
    expect(first).toMatchObject({ replayed: false, balanceAfter: 50, referenceId: 'stripe_payment_123' });
    // The SDK sends a fresh idempotency key per call: only the reference says it is the same payment.
    const again = await client.credits.recharge.mutate({ userId: user.id, amount: 50, referenceId: 'stripe_payment_123', description: 'webhook retry' });
    expect(again).toMatchObject({ id: first.id, replayed: true, balanceAfter: 50, description: null });

    const error = await client.credits.recharge.mutate({ userId: user.id, amount: 60, referenceId: 'stripe_payment_123' }).catch((e: unknown) => e);
    expect(hasReason(error, 'REFERENCE_REUSED')).toBe(true);
    expect(error).toMatchObject({ code: 'CONFLICT', data: { httpStatus: 409, referenceId: 'stripe_payment_123', amount: 50, transactionId: first.id } });

    expect((await client.credits.balance.query({ userId: user.id })).balance).toBe(50);
    expect((await client.credits.transactions.query({ userId: user.id })).items).toHaveLength(1);
  });

  it('per user and per recharge: another user, another reference or no reference each credit', async () => {
    const [a, b] = [await service.newUser(), await service.newUser()];
    const caller = service.caller();
    await caller.credits.recharge({ userId: a.id, amount: 5, referenceId: 'pay_1' });
    await caller.credits.recharge({ userId: b.id, amount: 5, referenceId: 'pay_1' });
    await caller.credits.recharge({ userId: a.id, amount: 5, referenceId: 'pay_2' });
    await caller.credits.recharge({ userId: a.id, amount: 5 });
    await caller.credits.recharge({ userId: a.id, amount: 5 });
    expect((await caller.credits.balance({ userId: a.id })).balance).toBe(20);
    expect((await caller.credits.balance({ userId: b.id })).balance).toBe(5);
  });

  it('the idempotency key keeps its rules: same key and request replays, same key with another reference is IDEMPOTENCY_KEY_REUSED', async () => {
    const user = await service.newUser();
    const caller = service.caller();
    const first = await caller.credits.recharge({ userId: user.id, amount: 7, referenceId: 'pay_k', idempotencyKey: 'k-1' });
    expect(await caller.credits.recharge({ userId: user.id, amount: 7, referenceId: 'pay_k', idempotencyKey: 'k-1' })).toMatchObject({ id: first.id, replayed: true });
    const error = await caller.credits.recharge({ userId: user.id, amount: 7, referenceId: 'pay_other', idempotencyKey: 'k-1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFLICT', cause: { details: { reason: 'IDEMPOTENCY_KEY_REUSED' } } });
    // A new key for a reference already credited: still the first recharge.
    expect(await caller.credits.recharge({ userId: user.id, amount: 7, referenceId: 'pay_k', idempotencyKey: 'k-2' })).toMatchObject({ id: first.id, replayed: true });
    expect((await caller.credits.balance({ userId: user.id })).balance).toBe(7);
  });

  it('seed 004 REST: a retried webhook answers the first transaction; another amount is 409 in the error envelope', async () => {
    const user = await service.newUser({ externalId: 'auth0|reference-rest' });
    const recharge = (amount: number) =>
      fetch(`${service.url}/api/v1/users/${encodeURIComponent('auth0|reference-rest')}/credits/recharge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount, description: 'Monthly subscription refill', reference_id: 'stripe_payment_123' }),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { data?: { id: number }; error_code?: string } }));
    const first = await recharge(50);
    const retried = await recharge(50);
    expect(first.status).toBe(200);
    expect(retried).toEqual(first);
    const other = await recharge(60);
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ success: false, status: 'error', error_code: 'ReferenceReusedException' });
    expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(50);
  });

  it('two recharges with one reference racing on two connections (two service instances) credit once', async () => {
    const user = await service.newUser();
    const replica = await startTestService({ databaseUrl: service.databaseUrl });
    try {
      const clients = [service.client({ batch: false, retry: false }), replica.client({ batch: false, retry: false })];
      for (let round = 0; round < 5; round++) {
        const gate = await holdBalanceLock(service.databaseUrl, user.id);
        const calls = clients.map((client) => client.credits.recharge.mutate({ userId: user.id, amount: 10, referenceId: `race-${round}` }));
        // Both wait on the balance row, each on its own connection, and go the instant it is free.
        await waitForLockWaiters(service.databaseUrl, 2);
        await gate.release();
        const results = await Promise.all(calls);
        expect(results.map((r) => r.replayed).sort()).toEqual([false, true]);
        expect(results[0]!.id).toBe(results[1]!.id);
      }
      expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(50);
      expect((await service.caller().credits.reconcile()).ok).toBe(true);
    } finally {
      await replica.close();
    }
  });

  it('many recharges with one reference at once in one process (combined into one call) credit once', async () => {
    const user = await service.newUser();
    const client = service.client({ batch: false, retry: false });
    const gate = await holdBalanceLock(service.databaseUrl, user.id);
    const calls = Array.from({ length: 20 }, () => client.credits.recharge.mutate({ userId: user.id, amount: 3, referenceId: 'burst' }));
    await waitForLockWaiters(service.databaseUrl, 1);
    await new Promise((resolve) => setTimeout(resolve, 300)); // every request has arrived by now
    await gate.release();
    const results = await Promise.all(calls);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(3);
  });
});

describe('the migration over recharges stored before the rule', () => {
  it('keeps duplicates already stored (the first claims the reference), builds the unique index, and replays the first', async () => {
    const orm = await MikroORM.init(ormConfig(await createTestDatabase({ empty: true }), 2));
    try {
      await orm.migrator.up({ to: 'Migration20261126023000_usage_record_many' });
      const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => orm.em.getConnection().execute<T[]>(text, params);
      const [user] = await sql<{ id: number }>(`insert into users (email, name) values ('dup@example.com', 'Dup') returning id`);
      await sql('insert into credits (user_id, balance) values (?, 105)', [user!.id]);
      // Before the rule: a retried webhook paid twice (rows as the ledger wrote them then).
      const stored = [
        [0, 50, 'stripe_payment_123'],
        [50, 50, 'stripe_payment_123'],
        [100, 5, 'other'],
      ] as const;
      for (const [before, amount, reference] of stored) {
        await sql(
          `insert into credit_transactions (user_id, type, amount, balance_before, balance_after, reference_id) values (?, 'recharge', ?, ?, ?, ?)`,
          [user!.id, amount, before, before + amount, reference],
        );
      }

      await orm.migrator.up();
      await applyRepeatable(sql);

      const rows = await sql<{ id: string; reference_id: string; recharge_reference: string | null }>(
        'select id, reference_id, recharge_reference from credit_transactions order by id',
      );
      expect(rows.map((r) => [r.reference_id, r.recharge_reference])).toEqual([
        ['stripe_payment_123', 'stripe_payment_123'],
        ['stripe_payment_123', null],
        ['other', 'other'],
      ]);
      const [again] = await sql<{ outcome: string; id: string }>(
        `select r.outcome, r.tx_id as id from credits_apply(?, null, 'recharge', 50, null, 'stripe_payment_123', null, null, null, now(), null) r`,
        [user!.id],
      );
      expect(again).toEqual({ outcome: 'replayed', id: rows[0]!.id });
      expect(await sql(`select balance from credits where user_id = ?`, [user!.id])).toEqual([{ balance: '105.0000' }]);
      // The index stands behind the function: a second claim of the reference is refused by the table.
      await expect(sql(`update credit_transactions set recharge_reference = 'stripe_payment_123' where id = ?`, [rows[1]!.id])).rejects.toThrow(/unique/);
    } finally {
      await orm.close();
    }
  });
});
