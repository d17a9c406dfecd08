import pg from 'pg';
import { afterEach, expect, it, vi } from 'vitest';
import { useTestService } from './support/service';

/** The hot path reaches the database once per operation: a user's row lock lasts one statement. */

const service = useTestService();
afterEach(() => {
  vi.restoreAllMocks();
});

/** The service's own background work, which runs beside the calls: the revocation poll (auth/revocations.ts). */
const isBackground = (sent: unknown) => /revoked_at > now\(\)/.test(String((sent as { text?: string }).text ?? sent));

it('recharge, consume, reset, set and balance each send exactly one statement', async () => {
  await service.app.expiry.catchUp; // the start-up sweep, done before anything is counted
  // The event pollers (live stream, webhook fan-out and delivery) read the ledger on their own schedule: stopped, so only calls are counted.
  await Promise.all([service.app.webhooks.stop(), service.app.deps.events.stop()]);
  const caller = service.caller();
  const { id: userId } = await service.newUser();
  const statements = vi.spyOn(pg.Client.prototype, 'query');
  const operations = [
    () => caller.credits.recharge({ userId, amount: 10, idempotencyKey: 'rt-1' }),
    () => caller.credits.recharge({ userId, amount: 10, idempotencyKey: 'rt-1' }), // a replay, too
    () => caller.credits.consume({ userId, amount: 1 }),
    // And a refusal, for want of credits (not any other failure).
    () => expect(caller.credits.consume({ userId, amount: 1000 })).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED', cause: { details: { reason: 'INSUFFICIENT_CREDITS', balance: 9, required: 1000 } } }),
    () => caller.credits.set({ userId, balance: 5 }),
    () => caller.credits.reset({ userId }),
    () => caller.credits.balance({ userId }),
  ];
  for (const operation of operations) {
    statements.mockClear();
    await operation();
    expect(statements.mock.calls.filter(([sent]) => !isBackground(sent))).toHaveLength(1);
  }
});

it('a hold and its capture each send exactly one statement', async () => {
  await service.app.expiry.catchUp;
  await Promise.all([service.app.webhooks.stop(), service.app.deps.events.stop()]);
  const caller = service.caller();
  const { id: userId } = await service.newUser({ balance: 10 });
  const statements = vi.spyOn(pg.Client.prototype, 'query');
  const counted = () => statements.mock.calls.filter(([sent]) => !isBackground(sent)).length;
  const { holdId } = await caller.credits.hold({ userId, amount: 2 });
  expect(counted()).toBe(1);
  statements.mockClear();
  await caller.credits.capture({ holdId, amount: 1 });
  expect(counted()).toBe(1);
});
