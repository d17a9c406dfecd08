import { afterAll, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service';

/**
 * 200 consumes racing a bucket's expiry, and the sweeper, on two replicas, on the real clock: no
 * credit of the bucket is spent at or after its expiry, it is written off once, and the balance,
 * the buckets and the ledger agree.
 */

const services: TestService[] = [];
afterAll(() => Promise.all(services.map((s) => s.close())));

it('no credit is spent after its bucket expired, none expires twice, balance = sum of buckets = sum of ledger', async () => {
  const first = await startTestService();
  const second = await startTestService({ databaseUrl: first.databaseUrl });
  services.push(first, second);
  const user = await first.newUser();
  const expiresAt = new Date(Date.now() + 1_500);
  const expiring = await first.caller().credits.recharge({ userId: user.id, amount: 60, category: 'promotional', expiresAt });
  await first.caller().credits.recharge({ userId: user.id, amount: 40 });
  const bucket = expiring.allocations[0]!.bucketId;

  const clients = [first, second].map((s) => s.client({ retry: false, batch: false }));
  const sweeps: Promise<void>[] = [];
  const sweeper = setInterval(() => sweeps.push(first.app.expiry.tick(), second.app.expiry.tick()), 100);
  const results = await Promise.allSettled(
    Array.from({ length: 200 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, (i % 50) * 60)); // spread over 3 s, around the expiry
      return clients[i % 2]!.credits.consume.mutate({ userId: user.id, amount: 0.5 });
    }),
  );
  clearInterval(sweeper);
  await Promise.all(sweeps);
  await first.app.expiry.tick();

  for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'PAYMENT_REQUIRED' });
  const rows = await first.sql<{ type: string; amount: string; created_at: Date; allocations: { bucketId: number; amount: number }[] | null }>(
    'select type, amount, created_at, allocations from credit_transactions where user_id = ? order by id',
    [user.id],
  );
  const fromBucket = rows.filter((r) => r.type === 'consume' && r.allocations!.some((a) => a.bucketId === bucket));
  expect(fromBucket.length).toBeGreaterThan(0);
  for (const row of fromBucket) expect(new Date(row.created_at).getTime()).toBeLessThan(expiresAt.getTime());
  const expiries = rows.filter((r) => r.type === 'expire');
  const spentFromBucket = fromBucket.reduce((sum, r) => sum + r.allocations!.filter((a) => a.bucketId === bucket).reduce((s, a) => s - a.amount, 0), 0);
  if (spentFromBucket < 60) {
    expect(expiries).toHaveLength(1);
    expect(Number(expiries[0]!.amount)).toBe(-(60 - spentFromBucket));
  } else {
    expect(expiries).toHaveLength(0);
  }

  const [{ balance, buckets, ledger }] = (await first.sql<{ balance: string; buckets: string; ledger: string }>(
    `select (select balance from credits where user_id = ?) as balance,
            (select sum(remaining) from credit_buckets where user_id = ?) as buckets,
            (select sum(amount) from credit_transactions where user_id = ?) as ledger`,
    [user.id, user.id, user.id],
  )) as [{ balance: string; buckets: string; ledger: string }];
  expect(Number(buckets)).toBe(Number(balance));
  expect(Number(ledger)).toBe(Number(balance));
  expect((await first.caller().credits.balance({ userId: user.id })).balance).toBe(Number(balance));
  expect((await first.caller().credits.reconcile()).ok).toBe(true);
});
