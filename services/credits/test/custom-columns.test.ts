import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

/**
 * Operators may add columns to the service's own tables (schema management, and seed 002's
 * add_column on `credits`). Named like something the service computes (`outcome`,
 * `current_balance`, `ord`, `tx`, `balance`...), such a column once shadowed the ledger's own
 * values: every call answered 500 while still committing. With columns of every such name on every
 * table that may gain them, every operation still answers exactly.
 */

const service = useTestService();
const NAMES = ['outcome', 'current_balance', 'ord', 'tx', 'amount_2', 'balance', 'tx_id', 'r_id', 'user_id_2', 'v_after', 'p_amount'];

async function rest(method: string, path: string, body?: unknown) {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read whatever JSON the service answered, field by field
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

let added = 0;
beforeAll(async () => {
  const admin = service.caller();
  // Every table there is: all of them belong to the service here, and schema management lets an
  // admin add a nullable or defaulted column to any.
  for (const table of await admin.schema.tables()) {
    const described = await admin.schema.describe({ table: table.name });
    const taken = new Set(described.columns.map((c) => c.name));
    for (const name of NAMES.filter((n) => !taken.has(n))) {
      await admin.schema.addColumn({ table: table.name, column: { name, type: 'integer', nullable: true, default: 7 } });
      added++;
    }
  }
});

describe('custom columns named like the ledger’s own values', () => {
  it('were added to every table that may gain them', async () => {
    expect(added).toBeGreaterThan(50);
    const credits = await service.caller().schema.describe({ table: 'credit_transactions' });
    expect(credits.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['outcome', 'current_balance', 'ord', 'tx', 'amount_2', 'balance']));
  });

  it('the ledger through the SDK: recharge, consume, replay, refusal, reset, set, history, reconcile', async () => {
    const client = service.client({ retry: false });
    const user = await client.users.create.mutate({ email: 'custom@example.com', name: 'Custom', externalId: 'auth0|custom' });
    expect(await client.credits.recharge.mutate({ userId: user.id, amount: 10, referenceId: 'ref-1', idempotencyKey: 'r1' })).toMatchObject({
      type: 'recharge',
      amount: 10,
      balanceBefore: 0,
      balanceAfter: 10,
      referenceId: 'ref-1',
      replayed: false,
    });
    expect(await client.credits.recharge.mutate({ userId: user.id, amount: 10, referenceId: 'ref-1', idempotencyKey: 'r1' })).toMatchObject({ balanceAfter: 10, replayed: true });
    expect(await client.credits.consume.mutate({ userId: 'auth0|custom', amount: 2.5 })).toMatchObject({ amount: -2.5, balanceBefore: 10, balanceAfter: 7.5 });
    const refused = await client.credits.consume.mutate({ userId: user.id, amount: 100 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'PAYMENT_REQUIRED', data: { reason: 'INSUFFICIENT_CREDITS', balance: 7.5, required: 100 } });
    expect(await client.credits.set.mutate({ userId: user.id, balance: 3 })).toMatchObject({ type: 'adjust', amount: -4.5, balanceAfter: 3 });
    expect(await client.credits.reset.mutate({ userId: user.id })).toMatchObject({ type: 'reset', amount: -3, balanceAfter: 0 });
    const history = await client.credits.transactions.query({ userId: user.id });
    expect(history.items.map((t) => [t.type, t.amount, t.balanceAfter])).toEqual([
      ['reset', -3, 0],
      ['adjust', -4.5, 3],
      ['consume', -2.5, 7.5],
      ['recharge', 10, 10],
    ]);
    expect(await client.credits.balance.query({ userId: user.id })).toMatchObject({ balance: 0 });
    expect((await client.credits.reconcile.query()).ok).toBe(true);
  });

  it('usage records, charged and not, replayed and refused; sessions and messages', async () => {
    const client = service.client({ retry: false });
    const user = await client.users.create.mutate({ email: 'custom-usage@example.com', name: 'Usage' });
    await client.credits.recharge.mutate({ userId: user.id, amount: 5 });
    const session = await client.sessions.create.mutate({ userId: user.id, title: 'custom', metadata: { a: 1 } });
    expect(session).toMatchObject({ title: 'custom', status: 'active', metadata: { a: 1 } });
    const input = { userId: user.id, sessionId: session.sessionId, endpoint: '/chat', eventType: 'chat', creditsCharged: 2, charge: true, modelName: 'm', idempotencyKey: 'u1' };
    const charged = await client.usage.record.mutate(input);
    expect(charged).toMatchObject({ sessionId: session.sessionId, creditsCharged: 2, balanceAfter: 3, replayed: false, transactionId: expect.any(Number) });
    expect(await client.usage.record.mutate(input)).toMatchObject({ id: charged.id, balanceAfter: 3, replayed: true });
    const refused = await client.usage.record.mutate({ ...input, creditsCharged: 50, idempotencyKey: 'u2' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'PAYMENT_REQUIRED', data: { balance: 3, required: 50 } });
    expect(await client.usage.record.mutate({ userId: user.id, endpoint: '/free', eventType: 'free' })).toMatchObject({ balanceAfter: null, transactionId: null });
    expect((await client.usage.list.query({ userId: user.id })).items.map((r) => r.endpoint)).toEqual(['/free', '/chat']);
    expect(await client.usage.stats.query({ userId: user.id })).toMatchObject({ totalRecords: 2, totalCreditsCharged: 2 });
    expect(await client.credits.consume.mutate({ userId: user.id, amount: 1, usageRecordId: charged.id })).toMatchObject({ usageRecordId: charged.id, balanceAfter: 2 });

    expect(await client.sessions.addMessage.mutate({ sessionId: session.sessionId, role: 'user', content: 'hi', tokensUsed: 3 })).toMatchObject({ content: 'hi', tokensUsed: 3 });
    expect(await client.sessions.setStatus.mutate({ sessionId: session.sessionId, status: 'paused' })).toMatchObject({ status: 'paused', messageCount: 1, totalTokens: 3 });
    expect((await client.sessions.messages.query({ sessionId: session.sessionId })).items).toHaveLength(1);
    expect((await client.sessions.list.query({ userId: user.id })).items).toHaveLength(1);
    expect((await client.credits.reconcile.query()).ok).toBe(true);
  });

  it('the REST surfaces of both seeds', async () => {
    const created = await rest('POST', '/users/', { email: 'custom-rest@example.com', name: 'Rest', external_id: 'auth0|custom-rest' });
    expect(created.status).toBe(200);
    const id = created.body.user_id as number;
    expect(await rest('POST', `/api/credits/${id}/add`, { amount: 10 })).toMatchObject({ status: 200, body: { new_balance: 10 } });
    expect(await rest('POST', `/api/credits/${id}/deduct`, { amount: 4 })).toMatchObject({ status: 200, body: { new_balance: 6 } });
    expect(await rest('POST', `/api/credits/${id}/deduct`, { amount: 40 })).toMatchObject({ status: 400, body: { detail: 'Insufficient credits' } });
    expect(await rest('GET', `/api/credits/${id}`)).toMatchObject({ status: 200, body: { credits: 6 } });
    const external = encodeURIComponent('auth0|custom-rest');
    expect(await rest('POST', `/api/v1/users/${external}/credits/consume`, { amount: 1 })).toMatchObject({ status: 200, body: { data: { balance_after: 5 } } });
    expect(await rest('POST', `/api/v1/users/${external}/usage`, { endpoint: '/x', event_type: 'x', credits_charged: 1, charge: true })).toMatchObject({
      status: 200,
      body: { data: { credits_charged: 1 } },
    });
    expect(await rest('GET', `/api/v1/users/${external}/credits/balance`)).toMatchObject({ status: 200, body: { data: 4 } });
    expect(await rest('PATCH', `/api/credits/${id}/reset`)).toMatchObject({ status: 200, body: { credits: 0 } });
  });

  it('the daily grant', async () => {
    const users = await Promise.all([0, 1, 2].map((i) => service.client().users.create.mutate({ email: `custom-grant-${i}@example.com`, name: 'Grant' })));
    const result = await service.client().grants.runDaily.mutate({ date: '2025-01-01' });
    expect(result.granted).toBeGreaterThanOrEqual(3);
    for (const user of users) expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(5);
    expect((await service.caller().credits.reconcile()).ok).toBe(true);
  });
});
