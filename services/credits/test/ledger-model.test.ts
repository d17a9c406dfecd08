import fc from 'fast-check';
import { expect, it } from 'vitest';
import { useTestService } from './support/service';

/**
 * Random sequences of ledger operations, from every writer (the API's recharge, consume, reset and
 * set; a usage record's charge; the daily grant), with replays and key reuses, against an in-memory
 * model kept in exact integers (ten-thousandths of a credit). After every step the service's
 * balance equals the model's, and a step that would take the model below zero is refused; at the
 * end the ledger sums to the balance.
 */

const service = useTestService();

type Op =
  | { kind: 'recharge'; units: number }
  | { kind: 'consume'; units: number }
  | { kind: 'reset' }
  | { kind: 'set'; units: number }
  | { kind: 'charge'; units: number }
  | { kind: 'grant' }
  | { kind: 'replay'; pick: number }
  | { kind: 'reuse'; pick: number };

const units = fc.integer({ min: 1, max: 5_000_000 }); // 0.0001 .. 500 credits
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: units.map((u) => ({ kind: 'recharge' as const, units: u })) },
  { weight: 5, arbitrary: units.map((u) => ({ kind: 'consume' as const, units: u })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5_000_000 }).map((u) => ({ kind: 'set' as const, units: u })) },
  { weight: 3, arbitrary: units.map((u) => ({ kind: 'charge' as const, units: u })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'grant' as const }) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: 'replay' as const, pick })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'reuse' as const, pick })) },
);

const credits = (u: number) => u / 10_000;
const GRANT_UNITS = 5 * 10_000;

/** A day no grant has paid yet: each grant operation pays a day of its own. */
let day = 0;
const nextGrantDate = () => new Date(Date.UTC(2001, 0, 1) + day++ * 86_400_000).toISOString().slice(0, 10);

it('the ledger behaves like its model under random operations', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
      const caller = service.caller();
      const { id: userId } = await service.newUser();
      let model = 0; // units
      const sent: { key: string; input: Record<string, unknown>; kind: 'recharge' | 'consume' | 'reset' | 'set' | 'charge'; txId: number }[] = [];
      let rows = 0; // ledger rows the model expects

      /** Every writer answers with its ledger row's id and the balance after it. */
      const send = async (kind: 'recharge' | 'consume' | 'reset' | 'set' | 'charge', input: Record<string, unknown>) => {
        if (kind !== 'charge') return (caller.credits[kind] as (i: unknown) => Promise<{ id: number; replayed: boolean; balanceAfter: number }>)(input);
        const usage = await caller.usage.record({ endpoint: '/model', eventType: 'model', charge: true, ...input } as never);
        return { id: usage.transactionId!, replayed: usage.replayed, balanceAfter: usage.balanceAfter! };
      };

      for (const [i, o] of ops.entries()) {
        if (o.kind === 'grant') {
          const result = await caller.grants.runDaily({ date: nextGrantDate() });
          expect(result.granted).toBeGreaterThanOrEqual(1);
          model += GRANT_UNITS;
          rows++;
        } else if (o.kind === 'replay' || o.kind === 'reuse') {
          if (!sent.length) continue;
          const earlier = sent[o.pick % sent.length]!;
          if (o.kind === 'replay') {
            const again = await send(earlier.kind, earlier.input);
            expect(again).toMatchObject({ id: earlier.txId, replayed: true });
          } else {
            // The same key with one parameter changed (a reset has none: send a consume instead).
            const bump = (v: unknown) => (typeof v === 'number' ? Math.round(v * 10_000 + 1) / 10_000 : 0.5);
            const field = earlier.kind === 'set' ? 'balance' : earlier.kind === 'charge' ? 'creditsCharged' : 'amount';
            const changed = { ...earlier.input, [field]: bump(earlier.input[field]) };
            await expect(send(earlier.kind === 'reset' ? 'consume' : earlier.kind, changed)).rejects.toMatchObject({ code: 'CONFLICT' });
          }
        } else {
          const key = `op-${i}`;
          const input: Record<string, unknown> = { userId, idempotencyKey: key };
          let next = model;
          if (o.kind === 'recharge') next = model + o.units;
          if (o.kind === 'consume' || o.kind === 'charge') next = model - o.units;
          if (o.kind === 'reset') next = 0;
          if (o.kind === 'set') next = o.units;
          if (o.kind === 'set') input.balance = credits(o.units);
          else if (o.kind === 'charge') input.creditsCharged = credits(o.units);
          else if (o.kind !== 'reset') input.amount = credits(o.units);

          if (next < 0) {
            await expect(send(o.kind, input)).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
          } else {
            const tx = await send(o.kind, input);
            expect(tx.replayed).toBe(false);
            expect(tx.balanceAfter).toBe(credits(next));
            sent.push({ key, input, kind: o.kind, txId: tx.id });
            model = next;
            rows++;
          }
        }
        // Exact, so never below zero: the model refuses what would take it there (asserted above).
        expect((await caller.credits.balance({ userId })).balance).toBe(credits(model));
      }

      const ledger = (await caller.credits.transactions({ userId, limit: 200 })).items;
      expect(ledger).toHaveLength(rows);
      expect(ledger.reduce((sum, t) => sum + Math.round(t.amount * 10_000), 0)).toBe(model);
    }),
    { numRuns: 40 },
  );
  expect((await service.caller().credits.reconcile()).ok).toBe(true);
});
