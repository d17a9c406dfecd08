import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service';

/**
 * Random sequences of ledger operations, from every writer (the API's recharge, with any bucket
 * terms, consume, reset and set; a usage record's charge; the daily grant; a program topping up
 * to its amount; the expiry sweeper), with replays, key reuses and a clock that moves (to the
 * instant a bucket expires, at times), against an in-memory model of the buckets kept in exact
 * integers (ten-thousandths of a credit). After every step the service's spendable balance, its
 * next expiry and every bucket equal the model's, and a debit the live buckets cannot cover is
 * refused; at the end the ledger, row by row, sums to what the buckets hold.
 */

let now = Date.UTC(2040, 0, 1);
const clock = () => new Date(now);
let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { clock });
  // Disabled: it runs only when an operation runs it, never on the minute behind the model's back.
  await service.caller().programs.upsert({ name: 'model-topup', amount: TOP_UP_UNITS / 10_000, schedule: '* * * * *', mode: 'top_up_to', expiresAfter: 'PT90M', priority: 20, enabled: false });
});
afterAll(() => service?.close());

const MINUTE = 60_000;
const GRANT_UNITS = 5 * 10_000;
const TOP_UP_UNITS = 20 * 10_000;

type Terms = { category?: 'paid' | 'promotional'; priority?: number; expiresIn?: number; effectiveIn?: number };
type Op =
  | { kind: 'recharge'; units: number; terms: Terms }
  | { kind: 'consume'; units: number }
  | { kind: 'reset' }
  | { kind: 'set'; units: number }
  | { kind: 'charge'; units: number }
  | { kind: 'grant' }
  | { kind: 'topUp' }
  | { kind: 'sweep' }
  | { kind: 'advance'; minutes: number }
  | { kind: 'toNextExpiry' }
  | { kind: 'replay'; pick: number }
  | { kind: 'reuse'; pick: number };

const units = fc.integer({ min: 1, max: 5_000_000 }); // 0.0001 .. 500 credits
// Debits mostly smaller than additions, so most draw part of a bucket: where the spending order shows.
const debit = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) }, { weight: 1, arbitrary: units });
const terms: fc.Arbitrary<Terms> = fc.record(
  {
    category: fc.constantFrom('paid' as const, 'promotional' as const),
    priority: fc.constantFrom(0, 20, 50, 50, 90),
    expiresIn: fc.integer({ min: 1, max: 600 }), // minutes
    effectiveIn: fc.integer({ min: 1, max: 120 }),
  },
  { requiredKeys: [] },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('recharge' as const), units, terms }) },
  { weight: 5, arbitrary: debit.map((u) => ({ kind: 'consume' as const, units: u })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5_000_000 }).map((u) => ({ kind: 'set' as const, units: u })) },
  { weight: 3, arbitrary: debit.map((u) => ({ kind: 'charge' as const, units: u })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'grant' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'topUp' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 300 }).map((minutes) => ({ kind: 'advance' as const, minutes })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'toNextExpiry' as const }) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: 'replay' as const, pick })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'reuse' as const, pick })) },
);

const credits = (u: number) => u / 10_000;

/** A bucket as the model keeps it; creation order is the service's id order. */
interface ModelBucket {
  category: 'paid' | 'promotional';
  priority: number;
  effectiveAt: number;
  expiresAt: number | null;
  source: string;
  remaining: number;
}

class Model {
  buckets: ModelBucket[] = [];
  rows = 0;
  private readonly live = (b: ModelBucket) => b.remaining > 0 && b.effectiveAt <= now && (b.expiresAt === null || b.expiresAt > now);
  private readonly due = (b: ModelBucket) => b.remaining > 0 && b.expiresAt !== null && b.expiresAt <= now;

  spendable = () => this.buckets.filter(this.live).reduce((sum, b) => sum + b.remaining, 0);
  /** Everything the buckets hold, spendable or not: what the ledger's rows sum to. */
  held = () => this.buckets.reduce((sum, b) => sum + b.remaining, 0);
  /** Rule 8: before any change, each expired bucket is written off in a row of its own. */
  expire() {
    for (const b of this.buckets.filter(this.due)) {
      b.remaining = 0;
      this.rows++;
    }
  }
  fill(amount: number, bucket: Omit<ModelBucket, 'remaining'>) {
    this.buckets.push({ ...bucket, remaining: amount });
  }
  /** Rule 7's spending order: priority, earliest expiry (none last), promotional before paid, oldest. */
  draw(amount: number) {
    const order = this.buckets
      .filter(this.live)
      .map((b, i) => ({ b, i }))
      .sort((x, y) => x.b.priority - y.b.priority || (x.b.expiresAt ?? Infinity) - (y.b.expiresAt ?? Infinity) || Number(x.b.category === 'paid') - Number(y.b.category === 'paid') || x.i - y.i);
    for (const { b } of order) {
      const take = Math.min(b.remaining, amount);
      b.remaining -= take;
      amount -= take;
    }
  }
  nextExpiry() {
    const expiring = this.buckets.filter((b) => this.live(b) && b.expiresAt !== null);
    if (!expiring.length) return null;
    const at = Math.min(...expiring.map((b) => b.expiresAt!));
    return { at: new Date(at), amount: credits(expiring.filter((b) => b.expiresAt === at).reduce((sum, b) => sum + b.remaining, 0)) };
  }
}

/** A day no grant has paid yet: each grant operation pays a day of its own. */
let day = 0;
const nextGrantDate = () => new Date(Date.UTC(2001, 0, 1) + day++ * 86_400_000).toISOString().slice(0, 10);
/** Periods of model-topup already run: a second run of one pays nobody. */
const toppedUp = new Set<number>();

it('the ledger behaves like its model of buckets under random operations and a moving clock', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 50 }), async (ops) => {
      now = Math.ceil((now + 86_400_000) / MINUTE) * MINUTE; // each run on days of its own
      const caller = service.caller();
      const { id: userId } = await service.newUser();
      const model = new Model();
      type Kind = 'recharge' | 'consume' | 'reset' | 'set' | 'charge';
      const sent: { input: Record<string, unknown>; kind: Kind; txId: number }[] = [];

      /** Every writer answers with its ledger row's id and the balance after it. */
      const send = async (kind: Kind, input: Record<string, unknown>) => {
        if (kind !== 'charge') return (caller.credits[kind] as (i: unknown) => Promise<{ id: number; replayed: boolean; balanceAfter: number }>)(input);
        const usage = await caller.usage.record({ endpoint: '/model', eventType: 'model', charge: true, ...input } as never);
        return { id: usage.transactionId!, replayed: usage.replayed, balanceAfter: usage.balanceAfter! };
      };

      for (const [i, o] of ops.entries()) {
        if (o.kind === 'advance') now += o.minutes * MINUTE;
        else if (o.kind === 'toNextExpiry') now = model.nextExpiry()?.at.getTime() ?? now;
        else if (o.kind === 'sweep') {
          await service.app.expiry.tick();
          model.expire();
        } else if (o.kind === 'grant') {
          expect((await caller.grants.runDaily({ date: nextGrantDate() })).granted).toBeGreaterThanOrEqual(1);
          model.expire();
          model.fill(GRANT_UNITS, { category: 'promotional', priority: 50, effectiveAt: now, expiresAt: null, source: 'program:daily' });
          model.rows++;
        } else if (o.kind === 'topUp') {
          const period = Math.floor(now / MINUTE) * MINUTE;
          await caller.programs.run({ name: 'model-topup' });
          if (!toppedUp.has(period)) {
            toppedUp.add(period);
            model.expire();
            const own = model.buckets.filter((b) => b.source === 'program:model-topup' && b.remaining > 0 && (b.expiresAt === null || b.expiresAt > now));
            const owed = TOP_UP_UNITS - own.reduce((sum, b) => sum + b.remaining, 0);
            if (owed > 0) {
              model.fill(owed, { category: 'promotional', priority: 20, effectiveAt: now, expiresAt: period + 90 * MINUTE, source: 'program:model-topup' });
              model.rows++;
            }
          }
        } else if (o.kind === 'replay' || o.kind === 'reuse') {
          if (!sent.length) continue;
          const earlier = sent[o.pick % sent.length]!;
          if (o.kind === 'replay') {
            // A replay is answered from its row: nothing is written, not even what expired since.
            expect(await send(earlier.kind, earlier.input)).toMatchObject({ id: earlier.txId, replayed: true });
          } else {
            // The same key with one parameter changed (a reset has none: send a consume instead).
            const bump = (v: unknown) => (typeof v === 'number' ? Math.round(v * 10_000 + 1) / 10_000 : 0.5);
            const field = earlier.kind === 'set' ? 'balance' : earlier.kind === 'charge' ? 'creditsCharged' : 'amount';
            const changed = { ...earlier.input, [field]: bump(earlier.input[field]) };
            await expect(send(earlier.kind === 'reset' ? 'consume' : earlier.kind, changed)).rejects.toMatchObject({ code: 'CONFLICT' });
          }
        } else {
          const input: Record<string, unknown> = { userId, idempotencyKey: `op-${i}` };
          if (o.kind === 'set') input.balance = credits(o.units);
          else if (o.kind === 'charge') input.creditsCharged = credits(o.units);
          else if (o.kind !== 'reset') input.amount = credits(o.units);
          if (o.kind === 'recharge') {
            const { category, priority, expiresIn, effectiveIn } = o.terms;
            const effectiveAt = effectiveIn === undefined ? now : now + effectiveIn * MINUTE;
            // An expiry before the credits take effect is refused by the contract: count it from then.
            const expiresAt = expiresIn === undefined ? null : effectiveAt + expiresIn * MINUTE;
            Object.assign(input, {
              ...(category && { category }),
              ...(priority !== undefined && { priority }),
              ...(effectiveIn !== undefined && { effectiveAt: new Date(effectiveAt) }),
              ...(expiresAt !== null && { expiresAt: new Date(expiresAt) }),
            });
            model.expire();
            model.fill(o.units, { category: category ?? 'paid', priority: priority ?? 50, effectiveAt, expiresAt, source: 'recharge' });
          } else {
            model.expire(); // even when the change is then refused: what expired is gone either way
            const live = model.spendable();
            if ((o.kind === 'consume' || o.kind === 'charge') && o.units > live) {
              await expect(send(o.kind, input)).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
              await expectModel(caller, userId, model);
              continue;
            }
            if (o.kind === 'consume' || o.kind === 'charge') model.draw(o.units);
            if (o.kind === 'reset') for (const b of model.buckets) b.remaining = 0;
            if (o.kind === 'set' && o.units > live) model.fill(o.units - live, { category: 'paid', priority: 50, effectiveAt: now, expiresAt: null, source: 'set' });
            if (o.kind === 'set' && o.units <= live) model.draw(live - o.units);
          }
          const tx = await send(o.kind, input);
          expect(tx.replayed).toBe(false);
          expect(tx.balanceAfter).toBe(credits(model.held()));
          sent.push({ input, kind: o.kind, txId: tx.id });
          model.rows++;
        }
        await expectModel(caller, userId, model);
      }

      // Whatever expired is written off by now (the sweeper's minute may have done some already).
      await service.app.expiry.tick();
      model.expire();
      const ledger = (await caller.credits.transactions({ userId, limit: 200 })).items;
      expect(ledger).toHaveLength(model.rows);
      expect(ledger.reduce((sum, t) => sum + Math.round(t.amount * 10_000), 0)).toBe(model.held());
    }),
    { numRuns: 60 },
  );
  expect((await service.caller().credits.reconcile()).ok).toBe(true);
});

/** The service's spendable balance, next expiry and buckets are the model's (an expired bucket holds nothing, written off yet or not). */
async function expectModel(caller: ReturnType<TestService['caller']>, userId: number, model: Model) {
  expect(await caller.credits.balance({ userId })).toMatchObject({ balance: credits(model.spendable()), nextExpiry: model.nextExpiry() });
  const { items } = await caller.credits.buckets({ userId, includeSpent: true, limit: 200 });
  const spendableOrNot = (b: { remaining: number; expiresAt: number | null }) => (b.expiresAt !== null && b.expiresAt <= now ? 0 : b.remaining);
  expect(
    items
      .toSorted((a, b) => a.id - b.id)
      .map((b) => ({ category: b.category, priority: b.priority, source: b.source, remaining: spendableOrNot({ remaining: Math.round(b.remaining * 10_000), expiresAt: b.expiresAt?.getTime() ?? null }) })),
  ).toEqual(model.buckets.map((b) => ({ category: b.category, priority: b.priority, source: b.source, remaining: spendableOrNot(b) })));
}
