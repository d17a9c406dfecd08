import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service';

/**
 * Random sequences of ledger operations, from every writer (the API's recharge, with any bucket
 * terms, consume, reset and set; a usage record's charge; the daily grant; a program topping up
 * to its amount; holds, their captures, releases and expiry; the expiry sweeper), with replays, key reuses and a clock that moves (to the
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
  | { kind: 'reuse'; pick: number }
  | { kind: 'hold'; units: number; ttlMinutes: number }
  | { kind: 'capture'; pick: number; units: number }
  | { kind: 'release'; pick: number };

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
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('hold' as const), units: debit, ttlMinutes: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('capture' as const), pick: fc.nat(), units: debit }) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'release' as const, pick })) },
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

/** A hold as the model keeps it: what it drew from which bucket, in the order drawn. */
interface ModelHold {
  id: number;
  amount: number;
  expiresAt: number;
  status: 'active' | 'captured' | 'released' | 'expired';
  drawn: { b: ModelBucket; take: number }[];
}

class Model {
  buckets: ModelBucket[] = [];
  holds: ModelHold[] = [];
  rows = 0;
  private readonly live = (b: ModelBucket) => b.remaining > 0 && b.effectiveAt <= now && (b.expiresAt === null || b.expiresAt > now);
  private readonly due = (b: ModelBucket) => b.remaining > 0 && b.expiresAt !== null && b.expiresAt <= now;

  spendable = () => this.buckets.filter(this.live).reduce((sum, b) => sum + b.remaining, 0);
  private readonly reserving = (h: ModelHold) => h.status === 'active' && h.expiresAt > now;
  /** Rule 9, as a read sees it: lapsed holds not ended yet count for the live buckets they will give back to. */
  available = () =>
    this.spendable() +
    this.holds
      .filter((h) => h.status === 'active' && h.expiresAt <= now)
      .flatMap((h) => h.drawn)
      .filter(({ b }) => b.effectiveAt <= now && (b.expiresAt === null || b.expiresAt > now))
      .reduce((sum, d) => sum + d.take, 0);
  reserved = () => this.holds.filter(this.reserving).reduce((sum, h) => sum + h.amount, 0);
  /** Everything the buckets and active holds hold, spendable or not: what the ledger's rows sum to. */
  held = () => this.buckets.reduce((sum, b) => sum + b.remaining, 0) + this.holds.filter((h) => h.status === 'active').reduce((sum, h) => sum + h.amount, 0);
  /** Rule 9: before any change, lapsed holds give back what they drew. */
  endLapsed() {
    for (const h of this.holds.filter((h) => h.status === 'active' && h.expiresAt <= now)) this.end(h, 'expired');
  }
  end(h: ModelHold, status: ModelHold['status']) {
    for (const { b, take } of h.drawn) b.remaining += take;
    h.status = status;
  }
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
  /** Rule 7's spending order: priority, earliest expiry (none last), promotional before paid, oldest. Returns what came from where. */
  draw(amount: number) {
    const drawn: { b: ModelBucket; take: number }[] = [];
    const order = this.buckets
      .filter(this.live)
      .map((b, i) => ({ b, i }))
      .sort((x, y) => x.b.priority - y.b.priority || (x.b.expiresAt ?? Infinity) - (y.b.expiresAt ?? Infinity) || Number(x.b.category === 'paid') - Number(y.b.category === 'paid') || x.i - y.i);
    for (const { b } of order) {
      const take = Math.min(b.remaining, amount);
      if (take > 0) drawn.push({ b, take });
      b.remaining -= take;
      amount -= take;
    }
    return drawn;
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
          model.endLapsed();
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
        } else if (o.kind === 'hold') {
          model.endLapsed();
          model.expire();
          if (o.units > model.spendable()) {
            await expect(caller.credits.hold({ userId, amount: credits(o.units), ttlSeconds: o.ttlMinutes * 60 })).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
          } else {
            const { holdId } = await caller.credits.hold({ userId, amount: credits(o.units), ttlSeconds: o.ttlMinutes * 60 });
            model.holds.push({ id: holdId, amount: o.units, expiresAt: now + o.ttlMinutes * MINUTE, status: 'active', drawn: model.draw(o.units) });
          }
        } else if (o.kind === 'capture' || o.kind === 'release') {
          if (!model.holds.length) continue;
          const h = model.holds[o.pick % model.holds.length]!;
          model.endLapsed();
          if (o.kind === 'release') {
            if (h.status === 'captured') await expect(caller.credits.release({ holdId: h.id })).rejects.toMatchObject({ code: 'CONFLICT' });
            else {
              expect(await caller.credits.release({ holdId: h.id })).toMatchObject({ status: h.status === 'active' ? 'released' : h.status });
              if (h.status === 'active') model.end(h, 'released');
            }
            model.expire();
          } else {
            model.expire();
            const excess = o.units - h.amount;
            if (h.status !== 'active') {
              await expect(caller.credits.capture({ holdId: h.id, amount: credits(o.units) })).rejects.toMatchObject({ code: 'CONFLICT' });
            } else if (excess > model.spendable()) {
              await expect(caller.credits.capture({ holdId: h.id, amount: credits(o.units) })).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
            } else {
              // The first `units` of what it drew are spent, the rest given back; an excess is drawn.
              let left = o.units;
              for (const d of h.drawn) {
                const spent = Math.min(d.take, left);
                d.b.remaining += d.take - spent;
                left -= spent;
              }
              if (excess > 0) model.draw(excess);
              h.status = 'captured';
              const tx = await caller.credits.capture({ holdId: h.id, amount: credits(o.units) });
              expect(tx).toMatchObject({ holdId: h.id, amount: -credits(o.units), balanceAfter: credits(model.held()) });
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
            model.endLapsed();
            model.expire();
            model.fill(o.units, { category: category ?? 'paid', priority: priority ?? 50, effectiveAt, expiresAt, source: 'recharge' });
          } else {
            model.endLapsed();
            model.expire(); // even when the change is then refused: what expired is gone either way
            const live = model.spendable();
            const reserved = model.reserved();
            if (((o.kind === 'consume' || o.kind === 'charge') && o.units > live) || (o.kind === 'set' && o.units < reserved)) {
              await expect(send(o.kind, input)).rejects.toMatchObject({ code: 'PAYMENT_REQUIRED' });
              await expectModel(caller, userId, model);
              continue;
            }
            if (o.kind === 'consume' || o.kind === 'charge') model.draw(o.units);
            if (o.kind === 'reset') for (const b of model.buckets) b.remaining = 0;
            if (o.kind === 'set' && o.units > live + reserved) model.fill(o.units - live - reserved, { category: 'paid', priority: 50, effectiveAt: now, expiresAt: null, source: 'set' });
            if (o.kind === 'set' && o.units <= live + reserved) model.draw(live + reserved - o.units);
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
      model.endLapsed();
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
  expect(await caller.credits.balance({ userId })).toMatchObject({
    balance: credits(model.available() + model.reserved()),
    available: credits(model.available()),
    held: credits(model.reserved()),
    nextExpiry: model.nextExpiry(),
  });
  const { items } = await caller.credits.buckets({ userId, includeSpent: true, limit: 200 });
  const spendableOrNot = (b: { remaining: number; expiresAt: number | null }) => (b.expiresAt !== null && b.expiresAt <= now ? 0 : b.remaining);
  expect(
    items
      .toSorted((a, b) => a.id - b.id)
      .map((b) => ({ category: b.category, priority: b.priority, source: b.source, remaining: spendableOrNot({ remaining: Math.round(b.remaining * 10_000), expiresAt: b.expiresAt?.getTime() ?? null }) })),
  ).toEqual(model.buckets.map((b) => ({ category: b.category, priority: b.priority, source: b.source, remaining: spendableOrNot(b) })));
}
