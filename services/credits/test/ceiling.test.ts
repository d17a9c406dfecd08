import { MAX_BALANCE } from '@credits/contract';
import { describe, expect, it } from 'vitest';
import { useTestService } from './support/service';

/** One ceiling, MAX_BALANCE from the contract, kept by the ledger function for every writer. */

const service = useTestService();

/** A user holding exactly MAX_BALANCE, put there through the ledger function itself (no API amount is that large). */
async function userAtCeiling() {
  const user = await service.newUser();
  await service.sql(`select outcome from credits_apply(?, null, 'adjust', ?, 'to the ceiling', null, null, null, null, now(), null)`, [user.id, MAX_BALANCE]);
  expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(MAX_BALANCE);
  return user;
}

describe('MAX_BALANCE', () => {
  it('is the function’s ceiling, written from the contract', async () => {
    const [row] = await service.sql<{ max: string }>('select credits_max_balance()::text as max');
    expect(Number(row!.max)).toBe(MAX_BALANCE);
  });

  it('a recharge past it is refused with BALANCE_LIMIT, nothing written', async () => {
    const user = await userAtCeiling();
    const error = await service.client({ retry: false }).credits.recharge.mutate({ userId: user.id, amount: 0.0001 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', data: { reason: 'BALANCE_LIMIT', limit: MAX_BALANCE } });
    expect((await service.caller().credits.transactions({ userId: user.id })).items).toHaveLength(1);
  });

  it('the daily grant pays everyone else and not a user at the ceiling, and says so', async () => {
    const full = await userAtCeiling();
    const others = await Promise.all([0, 1].map(() => service.newUser()));
    const [atCeiling] = await service.sql<{ n: number }>('select count(*)::int as n from credits where balance + 5 > ?', [MAX_BALANCE]);
    expect(atCeiling!.n).toBeGreaterThanOrEqual(1);
    const result = await service.client().grants.runDaily.mutate({ date: '2025-02-01' });
    expect(result.refused).toBe(atCeiling!.n);
    expect(result.granted).toBeGreaterThanOrEqual(2);
    expect((await service.caller().credits.balance({ userId: full.id })).balance).toBe(MAX_BALANCE);
    for (const user of others) expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(5);
    expect((await service.caller().credits.reconcile()).ok).toBe(true);
  });
});
