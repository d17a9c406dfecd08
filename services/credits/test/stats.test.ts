import type { Overview } from '@credits/contract';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldLedger } from '../src/domain/ledger-rollup';
import { startTestService, type TestService } from './support/service';

/**
 * stats.overview from the daily rollups: always what a scan of the ledger says, whether the rows
 * are folded, still in the tail, or half and half; folded exactly once by concurrent folds; and a
 * row that commits after a larger id was written is folded all the same.
 */

let service: TestService;
let pool: pg.Pool;
beforeAll(async () => {
  service = await startTestService();
  pool = new pg.Pool({ connectionString: service.databaseUrl, max: 4 });
});
afterAll(async () => {
  await pool?.end();
  await service?.close();
});

/** A statement with $n parameters on the service's database. */
const sql = async <Row extends object = Record<string, unknown>>(text: string, params: unknown[] = []) => (await pool.query<Row>(text, params)).rows;
const one = async <Row extends object>(text: string, params: unknown[] = []) => (await sql<Row>(text, params))[0]!;

const fold = () => foldLedger(service.app.deps.orm.em.fork());
/** Folds until the cursor has passed every row written so far (each fold waits for the previous mark to settle). */
async function foldAll() {
  const { last } = await one<{ last: string }>(`select coalesce(max(id), 0)::text as last from credit_transactions`);
  for (let i = 0; i < 50; i++) {
    await fold();
    const { through } = await one<{ through: string }>(`select folded_through::text as through from ledger_rollup_state`);
    if (BigInt(through) >= BigInt(last)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the fold did not catch up');
}

/** The overview computed by scanning the ledger: what the rollups must always agree with. */
async function scanned(from: string, to: string, limit = 10): Promise<Pick<Overview, 'days' | 'topConsumers'>> {
  const rows = await sql<{ day: string; type: string; amount: string; entries: string; users: string }>(
    `select to_char((created_at at time zone 'UTC')::date, 'YYYY-MM-DD') as day, type, sum(amount)::text as amount, count(*)::text as entries,
            count(distinct user_id)::text as users
       from credit_transactions where (created_at at time zone 'UTC')::date between $1 and $2 group by 1, 2`,
    [from, to],
  );
  const days = new Map<string, Overview['days'][number]>();
  for (let d = from; d <= to; d = new Date(Date.parse(d) + 86_400_000).toISOString().slice(0, 10)) {
    days.set(d, { day: d, granted: 0, recharged: 0, consumed: 0, expired: 0, adjusted: 0, entries: 0, activeUsers: 0 });
  }
  for (const r of rows) {
    const day = days.get(r.day)!;
    day.entries += Number(r.entries);
    const amount = Number(r.amount);
    if (r.type === 'grant') day.granted = amount;
    if (r.type === 'recharge') day.recharged = amount;
    if (r.type === 'expire') day.expired = -amount;
    if (r.type === 'consume') Object.assign(day, { consumed: -amount, activeUsers: Number(r.users) });
    if (r.type === 'reset' || r.type === 'adjust') day.adjusted = Math.round((day.adjusted + amount) * 1e4) / 1e4;
  }
  const ranked = await sql<{ user_id: number; consumed: string }>(
    `select user_id, (-sum(amount))::text as consumed from credit_transactions
      where type = 'consume' and (created_at at time zone 'UTC')::date between $1 and $2
      group by user_id order by -sum(amount) desc, user_id limit $3`,
    [from, to, limit],
  );
  return { days: [...days.values()], topConsumers: ranked.map((t) => ({ userId: t.user_id, consumed: Number(t.consumed) })) as never };
}

async function expectOverviewMatchesScan(from: string, to: string) {
  const answer = await service.caller().stats.overview({ from, to });
  const scan = await scanned(from, to);
  expect(answer.days).toEqual(scan.days);
  expect(answer.topConsumers.map(({ userId, consumed }) => ({ userId, consumed }))).toEqual(scan.topConsumers);
  return answer;
}

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** Moves a user's ledger rows to another day: history, as the overview would find it after days of use. */
const backdate = (userId: number, day: string) =>
  sql(`update credit_transactions set created_at = ($2::date + time '12:00') at time zone 'UTC' where user_id = $1`, [userId, day]);

describe('stats.overview', () => {
  it('matches a scan of the ledger with rows in the tail, folded, and both', async () => {
    const caller = service.caller();
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await service.newUser({ balance: 100 }));
    await caller.credits.consume({ userId: users[0]!.id, amount: 12.5 });
    await caller.credits.consume({ userId: users[0]!.id, amount: 0.1 });
    await caller.credits.consume({ userId: users[1]!.id, amount: 40 });
    await caller.credits.consume({ userId: users[2]!.id, amount: 0.2 });
    await caller.credits.set({ userId: users[3]!.id, balance: 7 });
    await caller.credits.reset({ userId: users[4]!.id });
    await backdate(users[5]!.id, daysAgo(3));
    // Credits that lapse: written off by the sweeper, an `expire` row.
    const lapsing = await service.newUser();
    await caller.credits.recharge({ userId: lapsing.id, amount: 3, category: 'promotional', expiresAt: new Date(Date.now() + 300) });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await service.app.expiry.tick();

    const tailOnly = await expectOverviewMatchesScan(daysAgo(6), today());
    expect(tailOnly.totals).toMatchObject({ recharged: 603, consumed: 52.8, expired: 3, adjusted: -193 });
    expect(tailOnly.topConsumers[0]).toMatchObject({ userId: users[1]!.id, consumed: 40, email: users[1]!.email });

    await foldAll();
    await expectOverviewMatchesScan(daysAgo(6), today());

    // Half folded: more of the same users today, in the tail, on top of their folded rows.
    await caller.credits.consume({ userId: users[2]!.id, amount: 45 });
    await caller.credits.consume({ userId: users[5]!.id, amount: 1 });
    const mixed = await expectOverviewMatchesScan(daysAgo(6), today());
    expect(mixed.topConsumers[0]).toMatchObject({ userId: users[2]!.id, consumed: 45.2 });
    expect(mixed.days.at(-1)!.activeUsers).toBe(4);
    await foldAll();
    await expectOverviewMatchesScan(daysAgo(6), today());
    await expectOverviewMatchesScan(daysAgo(3), daysAgo(3));
  });

  it('finds the top consumers exactly when one of them is on no day\'s list', async () => {
    const caller = service.caller();
    const [dayA, dayB] = [daysAgo(10), daysAgo(9)];
    // Each day, 100 users consume 2: the day's list (100 deep) is full of them.
    for (const day of [dayA, dayB]) {
      const group = [];
      for (let i = 0; i < 100; i++) group.push(await service.newUser({ balance: 5 }));
      await Promise.all(group.map((u) => caller.credits.consume({ userId: u.id, amount: 2 })));
      await sql(`update credit_transactions set created_at = ($2::date + time '12:00') at time zone 'UTC' where user_id = any($1::int[])`, [group.map((u) => u.id), day]);
    }
    // One user below every list, both days: 3 in the range, more than anyone.
    const steady = await service.newUser({ balance: 5 });
    for (const day of [dayA, dayB]) {
      await caller.credits.consume({ userId: steady.id, amount: 1.5 });
      await sql(`update credit_transactions set created_at = ($2::date + time '13:00') at time zone 'UTC' where id = (select max(id) from credit_transactions where user_id = $1)`, [
        steady.id,
        day,
      ]);
    }
    await foldAll();
    const answer = await expectOverviewMatchesScan(dayA, dayB);
    expect(answer.topConsumers[0]).toMatchObject({ userId: steady.id, consumed: 3 });
    expect(answer.days.map((d) => d.activeUsers)).toEqual([101, 101]);
  });

  it('folds each row once, however many replicas fold at the same time', async () => {
    const caller = service.caller();
    const user = await service.newUser({ balance: 1000 });
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 20 }, () => caller.credits.consume({ userId: user.id, amount: 0.5 })));
      await Promise.all([fold(), fold(), fold()]);
    }
    await foldAll();
    const { n } = await one<{ n: string }>(`select count(*)::text as n from credit_transactions`);
    const { folded } = await one<{ folded: string }>(`select sum(entries)::text as folded from ledger_daily`);
    expect(folded).toBe(n);
    await expectOverviewMatchesScan(daysAgo(12), today());
  });

  it('does not skip a row whose transaction commits after a larger id was written', async () => {
    const user = await service.newUser({ balance: 10 });
    const other = await service.newUser({ balance: 10 });
    await foldAll();
    // A writer takes a ledger id and stays open; a later id commits first.
    const slow = new pg.Client({ connectionString: service.databaseUrl });
    await slow.connect();
    try {
      await slow.query('begin');
      await slow.query(`select * from credits_apply($1, null, 'consume', 2, 'slow', null, null, null, null, now(), '{}')`, [user.id]);
      await service.caller().credits.consume({ userId: other.id, amount: 3 });
      // Folds while the slow writer is open: they may fold nothing past its id.
      for (let i = 0; i < 3; i++) await fold();
      await slow.query('commit');
    } finally {
      await slow.end();
    }
    await foldAll();
    const { n } = await one<{ n: string }>(`select count(*)::text as n from credit_transactions`);
    const { folded } = await one<{ folded: string }>(`select sum(entries)::text as folded from ledger_daily`);
    expect(folded).toBe(n);
    const { consumed } = await one<{ consumed: string }>(`select consumed::text from ledger_user_daily where user_id = $1`, [user.id]);
    expect(Number(consumed)).toBe(2);
  });

  it('does not skip the first row of a new ledger, written after a fold found the sequence unused', async () => {
    const fresh = await startTestService();
    const freshPool = new pg.Pool({ connectionString: fresh.databaseUrl, max: 2 });
    try {
      const freshFold = () => foldLedger(fresh.app.deps.orm.em.fork());
      const user = await fresh.newUser();
      await freshFold(); // marks the sequence while no ledger id has been handed out
      const writer = await freshPool.connect();
      try {
        await writer.query('begin');
        await writer.query(`select * from credits_apply($1, null, 'recharge', 5, 'first', null, null, null, null, now(), '{}')`, [user.id]);
        await freshFold();
        await writer.query('commit');
      } finally {
        writer.release();
      }
      for (let i = 0; i < 5; i++) await freshFold();
      const { rows } = (await freshPool.query<{ rows: string }>(`select coalesce(sum(entries), 0)::text as rows from ledger_daily`)).rows[0]!;
      expect(rows).toBe('1');
    } finally {
      await freshPool.end();
      await fresh.close();
    }
  });

  it('folds in smaller chunks when a chunk outlasts the statement timeout', async () => {
    const slow = await startTestService({ timeouts: { statementTimeoutMs: 500, connectTimeoutMs: 2_000, requestTimeoutMs: 10_000, headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000 } });
    const slowPool = new pg.Pool({ connectionString: slow.databaseUrl, max: 2 });
    try {
      // 2,000 consumers in one day, each a ledger row; every rollup row written costs 1 ms: 2,000 at once outlast the 500 ms timeout, 100 do not.
      await slowPool.query(`insert into users (email, name) select 'chunk' || g || '@example.com', 'Chunk ' || g from generate_series(1, 2000) g`);
      await slowPool.query(
        `insert into credit_transactions (user_id, type, amount, balance_before, balance_after) select id, 'consume', -0.5, 10, 9.5 from users order by id`,
      );
      await slowPool.query(`create function slow_row() returns trigger language plpgsql as $$ begin perform pg_sleep(0.001); return new; end $$`);
      await slowPool.query(`create trigger slow_row before insert on ledger_user_daily for each row execute function slow_row()`);
      const slowFold = () => foldLedger(slow.app.deps.orm.em.fork(), 2_000);
      for (let i = 0; i < 4; i++) await slowFold();
      const { rows } = (await slowPool.query<{ rows: string }>(`select coalesce(sum(entries), 0)::text as rows from ledger_daily`)).rows[0]!;
      expect(rows).toBe('2000');
    } finally {
      await slowPool.end();
      await slow.close();
    }
  });

  it('refuses a range that is backwards or longer than a year and a day', async () => {
    const caller = service.caller();
    await expect(caller.stats.overview({ from: '2026-02-01', to: '2026-01-31' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(caller.stats.overview({ from: '2025-01-01', to: '2026-01-03' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(caller.stats.overview({ from: '2026-02-30', to: '2026-03-01' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
