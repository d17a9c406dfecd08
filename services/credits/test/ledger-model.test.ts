import fc from 'fast-check';
import { expect, it } from 'vitest';
import { useTestService } from './support/service';

/**
 * Random sequences of ledger operations, replays and key reuses against an in-memory model kept in
 * exact integers (ten-thousandths of a credit). After every step the service's balance equals the
 * model's, and a step that would take the model below zero is refused; at the end the ledger sums
 * to the balance.
 */

const service = useTestService();

type Op =
  | { kind: 'recharge'; units: number }
  | { kind: 'consume'; units: number }
  | { kind: 'reset' }
  | { kind: 'set'; units: number }
  | { kind: 'replay'; pick: number }
  | { kind: 'reuse'; pick: number };

const units = fc.integer({ min: 1, max: 5_000_000 }); // 0.0001 .. 500 credits
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: units.map((u) => ({ kind: 'recharge' as const, units: u })) },
  { weight: 5, arbitrary: units.map((u) => ({ kind: 'consume' as const, units: u })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5_000_000 }).map((u) => ({ kind: 'set' as const, units: u })) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: 'replay' as const, pick })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'reuse' as const, pick })) },
);

const credits = (u: number) => u / 10_000;

it('the ledger behaves like its model under random operations', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
      const caller = service.caller();
      const { id: userId } = await service.newUser();
      let model = 0; // units
      const sent: { key: string; input: Record<string, unknown>; kind: 'recharge' | 'consume' | 'reset' | 'set'; txId: number }[] = [];

      const send = (kind: 'recharge' | 'consume' | 'reset' | 'set', input: Record<string, unknown>) =>
        (caller.credits[kind] as (i: unknown) => Promise<{ id: number; replayed: boolean; balanceAfter: number }>)(input);

      for (const [i, o] of ops.entries()) {
        if (o.kind === 'replay' || o.kind === 'reuse') {
          if (!sent.length) continue;
          const earlier = sent[o.pick % sent.length]!;
          if (o.kind === 'replay') {
            const again = await send(earlier.kind, earlier.input);
            expect(again).toMatchObject({ id: earlier.txId, replayed: true });
          } else {
            // The same key with one parameter changed (a reset has none: send a consume instead).
            const bump = (v: unknown) => (typeof v === 'number' ? Math.round(v * 10_000 + 1) / 10_000 : 0.5);
            const changed = earlier.kind === 'set' ? { ...earlier.input, balance: bump(earlier.input.balance) } : { ...earlier.input, amount: bump(earlier.input.amount) };
            await expect(send(earlier.kind === 'reset' ? 'consume' : earlier.kind, changed)).rejects.toMatchObject({ code: 'CONFLICT' });
          }
        } else {
          const key = `op-${i}`;
          const input: Record<string, unknown> = { userId, idempotencyKey: key };
          let next = model;
          if (o.kind === 'recharge') next = model + o.units;
          if (o.kind === 'consume') next = model - o.units;
          if (o.kind === 'reset') next = 0;
          if (o.kind === 'set') next = o.units;
          if (o.kind === 'set') input.balance = credits(o.units);
          else if (o.kind !== 'reset') input.amount = credits(o.units);

          if (next < 0) {
            await expect(send(o.kind, input)).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
          } else {
            const tx = await send(o.kind, input);
            expect(tx.replayed).toBe(false);
            expect(tx.balanceAfter).toBe(credits(next));
            sent.push({ key, input, kind: o.kind, txId: tx.id });
            model = next;
          }
        }
        // Exact, so never below zero: the model refuses what would take it there (asserted above).
        expect((await caller.credits.balance({ userId })).balance).toBe(credits(model));
      }

      const rows = (await caller.credits.transactions({ userId, limit: 200 })).items;
      expect(rows).toHaveLength(sent.length);
      expect(rows.reduce((sum, t) => sum + Math.round(t.amount * 10_000), 0)).toBe(model);
    }),
    { numRuns: 40 },
  );
  expect((await service.caller().credits.reconcile()).ok).toBe(true);
});
