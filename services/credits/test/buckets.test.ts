import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ormConfig } from '../src/db/orm';
import { createTestDatabase } from './support/db';
import { startTestService, TEST_ADMIN_KEY, type TestService } from './support/service';

/**
 * Credit buckets: where credits land, the order they are spent in, and their expiry to the
 * instant, on a clock the tests move (nothing waits for real time).
 */

let now = new Date('2031-01-10T12:00:00Z');
const clock = () => now;
const at = (iso: string) => new Date(iso);
let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { clock });
});
afterAll(() => service?.close());

const admin = () => service.caller();

describe('buckets', () => {
  it('a recharge lands in a bucket on its terms; the defaults are paid, priority 50, from now, never expiring', async () => {
    const user = await service.newUser();
    await admin().credits.recharge({ userId: user.id, amount: 10 });
    await admin().credits.recharge({ userId: user.id, amount: 5, category: 'promotional', priority: 10, expiresAt: at('2031-02-01T00:00:00Z'), referenceId: 'promo-1' });
    const { items } = await admin().credits.buckets({ userId: user.id });
    expect(items).toMatchObject([
      { category: 'promotional', priority: 10, amount: 5, remaining: 5, expiresAt: at('2031-02-01T00:00:00Z'), source: 'recharge', referenceId: 'promo-1' },
      { category: 'paid', priority: 50, amount: 10, remaining: 10, expiresAt: null, effectiveAt: now, source: 'recharge', referenceId: null },
    ]);
    expect(await admin().credits.balance({ userId: user.id })).toMatchObject({ balance: 15, nextExpiry: { at: at('2031-02-01T00:00:00Z'), amount: 5 } });
  });

  it('a debit draws by priority, then earliest expiry (none last), then promotional before paid, then oldest; its row says from where', async () => {
    const user = await service.newUser();
    const recharge = (amount: number, terms: Record<string, unknown>) => admin().credits.recharge({ userId: user.id, amount, ...terms });
    const paidForever = await recharge(10, {});
    const promoForever = await recharge(10, { category: 'promotional' });
    const paidExpiring = await recharge(10, { expiresAt: at('2031-03-01T00:00:00Z') });
    const paidExpiringSooner = await recharge(10, { expiresAt: at('2031-02-01T00:00:00Z') });
    const urgent = await recharge(10, { priority: 0 });
    const bucketOf = (tx: { allocations: { bucketId: number }[] }) => tx.allocations[0]!.bucketId;
    const order = [urgent, paidExpiringSooner, paidExpiring, promoForever, paidForever].map(bucketOf);

    const spent = await admin().credits.consume({ userId: user.id, amount: 45 });
    expect(spent.allocations).toEqual([
      { bucketId: order[0], amount: -10 },
      { bucketId: order[1], amount: -10 },
      { bucketId: order[2], amount: -10 },
      { bucketId: order[3], amount: -10 },
      { bucketId: order[4], amount: -5 },
    ]);
    expect(spent).toMatchObject({ amount: -45, balanceAfter: 5 });
    const { items } = await admin().credits.buckets({ userId: user.id, includeSpent: true });
    expect(items.find((b) => b.id === order[4])).toMatchObject({ remaining: 5 });
    expect(items.filter((b) => b.remaining === 0)).toHaveLength(4);
    expect((await admin().credits.buckets({ userId: user.id })).items.map((b) => b.id)).toEqual([order[4]]);
  });

  it('reset empties every bucket in one row; set above adds a bucket, below draws in spending order', async () => {
    const user = await service.newUser();
    await admin().credits.recharge({ userId: user.id, amount: 10 });
    await admin().credits.recharge({ userId: user.id, amount: 10, category: 'promotional' });
    const up = await admin().credits.set({ userId: user.id, balance: 50 });
    expect(up).toMatchObject({ type: 'adjust', amount: 30, balanceAfter: 50, allocations: [{ amount: 30 }] });
    const down = await admin().credits.set({ userId: user.id, balance: 35 });
    // The promotional bucket goes first.
    expect(down.allocations).toEqual([{ bucketId: expect.any(Number), amount: -10 }, { bucketId: expect.any(Number), amount: -5 }]);
    const reset = await admin().credits.reset({ userId: user.id });
    expect(reset).toMatchObject({ type: 'reset', amount: -35, balanceAfter: 0 });
    expect(reset.allocations).toHaveLength(2);
    expect((await admin().credits.buckets({ userId: user.id })).items).toEqual([]);
    expect((await admin().credits.reconcile()).ok).toBe(true);
  });
});

describe('expiry, to the instant', () => {
  it('a bucket counts until its expiresAt and not from then on, before any sweep; the next change writes it off first', async () => {
    const user = await service.newUser();
    const expiry = at('2031-01-10T13:00:00Z');
    await admin().credits.recharge({ userId: user.id, amount: 10, expiresAt: expiry, category: 'promotional' });
    await admin().credits.recharge({ userId: user.id, amount: 3 });

    now = new Date(expiry.getTime() - 1);
    expect((await admin().credits.balance({ userId: user.id })).balance).toBe(13);
    expect(await admin().credits.consume({ userId: user.id, amount: 2 })).toMatchObject({ balanceAfter: 11 }); // from the expiring bucket

    now = expiry;
    expect(await admin().credits.balance({ userId: user.id })).toMatchObject({ balance: 3, nextExpiry: null });
    const refused = await admin().credits.consume({ userId: user.id, amount: 4 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'PAYMENT_REQUIRED', cause: { details: { balance: 3, required: 4 } } });
    // That refused change wrote the expiry off first: one expire row, for what the bucket held.
    const rows = (await admin().credits.transactions({ userId: user.id })).items;
    expect(rows[0]).toMatchObject({ type: 'expire', amount: -8, balanceBefore: 11, balanceAfter: 3 });
    expect(await admin().credits.consume({ userId: user.id, amount: 3 })).toMatchObject({ balanceAfter: 0 });
    expect((await admin().credits.transactions({ userId: user.id })).items.filter((t) => t.type === 'expire')).toHaveLength(1);
    expect((await admin().credits.reconcile()).ok).toBe(true);
  });

  it('the sweeper writes off what nobody touched, once, however many sweep', async () => {
    now = at('2031-01-11T00:00:00Z');
    const users = await Promise.all([0, 1, 2].map(() => service.newUser()));
    for (const user of users) await admin().credits.recharge({ userId: user.id, amount: 7, expiresAt: at('2031-01-11T06:00:00Z') });
    const other = await startTestService({ databaseUrl: service.databaseUrl }, { clock });
    try {
      now = at('2031-01-11T06:00:00Z');
      await Promise.all([service.app.expiry.tick(), other.app.expiry.tick(), service.app.expiry.tick()]);
      await Promise.all([service.app.expiry.tick(), other.app.expiry.tick()]);
    } finally {
      await other.close();
    }
    for (const user of users) {
      const rows = (await admin().credits.transactions({ userId: user.id })).items;
      expect(rows.map((t) => [t.type, t.amount])).toEqual([
        ['expire', -7],
        ['recharge', 7],
      ]);
      expect((await admin().credits.balance({ userId: user.id })).balance).toBe(0);
    }
    expect((await admin().credits.reconcile()).ok).toBe(true);
  });

  it('credits effective later do not count until then', async () => {
    now = at('2031-01-12T00:00:00Z');
    const user = await service.newUser();
    await admin().credits.recharge({ userId: user.id, amount: 4, effectiveAt: at('2031-01-13T00:00:00Z') });
    expect((await admin().credits.balance({ userId: user.id })).balance).toBe(0);
    expect(await admin().credits.consume({ userId: user.id, amount: 1 }).catch((e: { code: string }) => e.code)).toBe('PAYMENT_REQUIRED');
    now = at('2031-01-13T00:00:00Z');
    expect((await admin().credits.balance({ userId: user.id })).balance).toBe(4);
    expect(await admin().credits.consume({ userId: user.id, amount: 1 })).toMatchObject({ balanceAfter: 3 });
  });
});

describe('buckets over REST (seed 004, beyond the seed)', () => {
  const rest = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { message: string; data: unknown } };
  };

  it('a recharge takes the bucket terms in snake_case; GET .../credits/buckets lists them in spending order', async () => {
    now = at('2031-02-01T00:00:00Z');
    const user = await service.newUser({ externalId: 'rest|buckets' });
    const base = `/api/v1/users/${encodeURIComponent('rest|buckets')}/credits`;
    expect((await rest('POST', `${base}/recharge`, { amount: 10 })).status).toBe(200);
    const promo = await rest('POST', `${base}/recharge`, { amount: 5, category: 'promotional', priority: 10, expires_at: '2031-03-01T00:00:00Z', reference_id: 'promo-7' });
    expect(promo).toMatchObject({ status: 200, body: { data: { transaction_type: 'recharge', amount: 5, balance_after: 15 } } });
    const listed = await rest('GET', `${base}/buckets`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      {
        id: expect.any(Number),
        user_id: 'rest|buckets',
        category: 'promotional',
        priority: 10,
        amount: 5,
        remaining: 5,
        effective_at: '2031-02-01T00:00:00.000Z',
        expires_at: '2031-03-01T00:00:00.000Z',
        source: 'recharge',
        reference_id: 'promo-7',
        created_at: '2031-02-01T00:00:00.000Z',
      },
      expect.objectContaining({ category: 'paid', priority: 50, remaining: 10, expires_at: null, reference_id: null }),
    ]);
    await admin().credits.consume({ userId: user.id, amount: 15 });
    expect((await rest('GET', `${base}/buckets`)).body.data).toEqual([]);
    expect((await rest('GET', `${base}/buckets?include_spent=true&limit=1`)).body.data).toHaveLength(1);
  });

  it('bad terms are a 400 naming the field as sent, and nothing is written', async () => {
    const user = await service.newUser({ externalId: 'rest|bad-terms' });
    const base = `/api/v1/users/${encodeURIComponent('rest|bad-terms')}/credits`;
    const bad = async (body: Record<string, unknown>) => {
      const answer = await rest('POST', `${base}/recharge`, { amount: 1, ...body });
      expect(answer.status).toBe(400);
      return answer.body.message;
    };
    expect(await bad({ category: 'gold' })).toMatch(/^Invalid input: category must be one of paid, promotional/);
    expect(await bad({ priority: 101 })).toMatch(/^Invalid input: priority /);
    expect(await bad({ expires_at: 'next week' })).toMatch(/^Invalid input: expires_at must be a date-time/);
    expect(await bad({ effective_at: '2031-03-02T00:00:00Z', expires_at: '2031-03-01T00:00:00Z' })).toBe('Invalid input: expires_at must be after the credits take effect');
    expect((await admin().credits.transactions({ userId: user.id })).items).toEqual([]);
  });
});

describe('the migration to buckets', () => {
  /** A database migrated to just before buckets, holding `balances`; then the buckets migration. */
  async function migrate(balances: string[], beforeBuckets: (sql: (text: string) => Promise<unknown>) => Promise<unknown> = async () => {}) {
    const orm = await MikroORM.init(ormConfig(await createTestDatabase({ empty: true }), 2));
    const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => orm.em.getConnection().execute<T[]>(text, params);
    try {
      await orm.migrator.up({ to: 'Migration20261204190000_api_keys_revoked_at_index' });
      for (const [i, balance] of balances.entries()) {
        const [user] = await sql<{ id: number }>(`insert into users (email, name) values (?, 'Old') returning id`, [`old${i}@example.com`]);
        await sql('insert into credits (user_id, balance) values (?, ?)', [user!.id, balance]);
      }
      await beforeBuckets(sql);
      const outcome = await orm.migrator.up({ to: 'Migration20261204200000_credit_buckets' }).then(
        () => 'migrated',
        (error: unknown) => String((error as Error).message),
      );
      const buckets = await sql<{ balance: string; category: string; priority: number; remaining: string; expires_at: Date | null; source: string }>(
        `select c.balance, b.category, b.priority, b.remaining, b.expires_at, b.source from credits c left join credit_buckets b on b.user_id = c.user_id order by c.user_id`,
      ).catch(() => []);
      return { outcome, buckets };
    } finally {
      await orm.close();
    }
  }

  it('makes each balance one paid, never-expiring bucket holding exactly it; an empty balance, none', async () => {
    const { outcome, buckets } = await migrate(['105.5', '0', '0.0001', '99999999.9999']);
    expect(outcome).toBe('migrated');
    expect(buckets).toEqual([
      { balance: '105.5000', category: 'paid', priority: 50, remaining: '105.5000', expires_at: null, source: 'migration' },
      { balance: '0.0000', category: null, priority: null, remaining: null, expires_at: null, source: null },
      { balance: '0.0001', category: 'paid', priority: 50, remaining: '0.0001', expires_at: null, source: 'migration' },
      { balance: '99999999.9999', category: 'paid', priority: 50, remaining: '99999999.9999', expires_at: null, source: 'migration' },
    ]);
  });

  it('checks itself: were a bucket to hold other than its balance, it fails and leaves no table behind', async () => {
    // A fault planted for the test: once the table exists, every new bucket loses a credit as it is written.
    const { outcome, buckets } = await migrate(['10', '20'], async (sql) => {
      await sql(`create function lose_a_credit() returns trigger language plpgsql as $$ begin new.remaining := new.remaining - 1; return new; end $$`);
      await sql(`create function plant_fault() returns event_trigger language plpgsql as $$
                 begin
                   if exists (select 1 from pg_tables where tablename = 'credit_buckets') and not exists (select 1 from pg_trigger where tgname = 'lose_a_credit') then
                     create trigger lose_a_credit before insert on credit_buckets for each row execute function lose_a_credit();
                   end if;
                 end $$`);
      await sql(`create event trigger plant_fault on ddl_command_end when tag in ('CREATE TABLE') execute function plant_fault()`);
    });
    expect(outcome).toContain('credit_buckets: 2 balances differ from the sum of their buckets');
    expect(buckets).toEqual([]); // rolled back: no credit_buckets table
  });
});
