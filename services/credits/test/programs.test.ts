import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedUsers } from './support/seed';
import { startTestService, TEST_ADMIN_KEY, testConfig, type TestService } from './support/service';

/**
 * Grant programs: credits on a schedule, once per user per period, added or topped up to an
 * amount, expiring or not; on a clock the tests move (no real month is waited for).
 */

let now = new Date('2032-01-15T12:00:00Z');
const clock = () => now;
const at = (iso: string) => new Date(iso);
const services: TestService[] = [];
let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { clock });
  services.push(service);
});
afterAll(async () => {
  for (const s of services) await s.close();
});
// Each test's programs end with it, passed or not: a later tick must not run them.
afterEach(() => service.sql('delete from grant_programs'));
const admin = () => service.caller();

/** Each of `users`' rows of a program's period: how many, and what they gave. */
async function paid(users: { id: number }[], key: string) {
  return service.sql<{ user_id: number; rows: number; amount: number | null }>(
    `select u.id as user_id, count(t.id)::int as rows, sum(t.amount)::float8 as amount
       from unnest(?::int[]) u(id) left join credit_transactions t on t.user_id = u.id and t.idempotency_key = ?
      group by u.id order by u.id`,
    [`{${users.map((u) => u.id).join(',')}}`, key],
  );
}

describe('defining programs', () => {
  it('lists the built-in daily first, then the stored ones with their next period', async () => {
    await admin().programs.upsert({ name: 'weekly-bonus', amount: 3, schedule: '0 9 * * 1', mode: 'add' });
    const list = await admin().programs.list();
    expect(list[0]).toMatchObject({ name: 'daily', builtIn: true, enabled: false, nextPeriod: null });
    expect(list.find((p) => p.name === 'weekly-bonus')).toMatchObject({
      amount: 3,
      mode: 'add',
      expiresAfter: null,
      priority: 50,
      category: 'promotional',
      enabled: true,
      builtIn: false,
      nextPeriod: at('2032-01-19T09:00:00Z'), // the Monday after Thursday 2032-01-15
    });
  });

  it('refuses what it cannot run, with the field at fault', async () => {
    const base = { name: 'bad', amount: 1, mode: 'add' as const };
    await expect(admin().programs.upsert({ ...base, schedule: '0 0 * * * *' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^schedule: must be a cron expression of five fields/) });
    await expect(admin().programs.upsert({ ...base, schedule: '0 25 * * *' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^schedule: not a cron expression/) });
    await expect(admin().programs.upsert({ ...base, name: 'daily', schedule: '0 0 * * *' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^name: the daily program is built in/) });
    await expect(admin().programs.upsert({ ...base, schedule: '0 0 * * *', expiresAfter: '1 month' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin().programs.upsert({ ...base, name: 'Capitals', schedule: '0 0 * * *' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin().programs.remove({ name: 'never-made' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(admin().programs.run({ name: 'never-made' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await admin().programs.list()).map((p) => p.name)).toEqual(['daily']);
  });

  it('runs a past period only if it is a firing of the schedule, never a future one', async () => {
    await admin().programs.upsert({ name: 'hourly', amount: 1, schedule: '0 * * * *', mode: 'add', expiresAfter: 'PT2H' });
    await expect(admin().programs.run({ name: 'hourly', period: at('2032-01-15T11:30:00Z') })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'period: 2032-01-15T11:30:00.000Z is not a firing of 0 * * * * (UTC)',
    });
    await expect(admin().programs.run({ name: 'hourly', period: at('2032-01-15T13:00:00Z') })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'period: 2032-01-15T13:00:00.000Z is in the future' });
    // Its credits would be gone on arrival: no run writes a dead bucket.
    await expect(admin().programs.run({ name: 'hourly', period: at('2032-01-15T09:00:00Z') })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'period: the credits of 2032-01-15T09:00:00.000Z would have expired already (PT2H after it)',
    });
  });
});

describe('a monthly program, added, expiring after a month', () => {
  it('pays each user once per month into a bucket that lapses as the next arrives', async () => {
    now = at('2032-02-01T00:00:30Z');
    const users = [await service.newUser(), await service.newUser({ balance: 7 })];
    await admin().programs.upsert({ name: 'monthly', amount: 100, schedule: '0 0 1 * *', mode: 'add', expiresAfter: 'P1M', priority: 10 });
    await service.app.programs.tick();
    await service.app.programs.tick(); // a second tick in the same period pays nobody
    expect(await paid(users, 'program:monthly:2032-02-01T00:00Z')).toEqual(users.map((u) => ({ user_id: u.id, rows: 1, amount: 100 })));
    expect((await admin().credits.buckets({ userId: users[0]!.id })).items).toMatchObject([
      { amount: 100, remaining: 100, priority: 10, category: 'promotional', source: 'program:monthly', expiresAt: at('2032-03-01T00:00:00Z') },
    ]);
    // The program's bucket is spent first (priority 10): the paid 7 stay.
    await admin().credits.consume({ userId: users[1]!.id, amount: 30 });
    expect(await admin().credits.balance({ userId: users[1]!.id })).toMatchObject({ balance: 77, nextExpiry: { at: at('2032-03-01T00:00:00Z'), amount: 70 } });

    now = at('2032-03-01T00:00:00Z');
    await service.app.programs.tick();
    // February's 70 unspent lapsed at the instant March's 100 arrived: 7 paid + 100.
    expect(await admin().credits.balance({ userId: users[1]!.id })).toMatchObject({ balance: 107 });
    expect(await paid(users, 'program:monthly:2032-03-01T00:00Z')).toEqual(users.map((u) => ({ user_id: u.id, rows: 1, amount: 100 })));
    expect((await admin().credits.reconcile()).ok).toBe(true);
  });
});

describe('a program topped up to its amount', () => {
  it('brings the program’s own live credits up to the amount, whatever else the user holds', async () => {
    now = at('2032-04-01T00:00:10Z');
    const spender = await service.newUser();
    const idle = await service.newUser();
    const rich = await service.newUser({ balance: 500 });
    await admin().programs.upsert({ name: 'allowance', amount: 100, schedule: '0 0 1 * *', mode: 'top_up_to' });
    expect(await admin().programs.run({ name: 'allowance' })).toMatchObject({ period: at('2032-04-01T00:00:00Z') });
    expect(await paid([spender, idle, rich], 'program:allowance:2032-04-01T00:00Z')).toEqual([spender, idle, rich].map((u) => ({ user_id: u.id, rows: 1, amount: 100 })));
    await admin().credits.consume({ userId: spender.id, amount: 30 });
    // rich spends its program credits first (promotional before paid at equal priority and expiry).
    await admin().credits.consume({ userId: rich.id, amount: 40 });

    now = at('2032-05-01T00:00:10Z');
    // Everyone else (earlier tests' users) still holds April's 100 untouched: only these two are owed.
    expect(await admin().programs.run({ name: 'allowance' })).toMatchObject({ granted: 2, credits: 70, alreadyGranted: 0 });
    expect(await paid([spender, idle, rich], 'program:allowance:2032-05-01T00:00Z')).toEqual([
      { user_id: spender.id, rows: 1, amount: 30 },
      { user_id: idle.id, rows: 0, amount: null }, // already at 100: nothing to give
      { user_id: rich.id, rows: 1, amount: 40 },
    ]);
    expect((await admin().credits.balance({ userId: spender.id })).balance).toBe(100);
    expect((await admin().credits.balance({ userId: rich.id })).balance).toBe(600);
    // A second run of May finds it done.
    expect(await admin().programs.run({ name: 'allowance' })).toMatchObject({ granted: 0, credits: 0 });
    expect((await admin().credits.reconcile()).ok).toBe(true);
  });
});

describe('exactly once, whoever runs it', () => {
  it('two replicas ticking and an admin run at once: one payment per user for the period', async () => {
    now = at('2032-06-01T00:00:05Z');
    const other = await startTestService({ databaseUrl: service.databaseUrl, dailyGrant: { enabled: false, amount: '5' as never, chunkSize: 3, leaseMs: 60_000 } }, { clock });
    services.push(other);
    const users = await Promise.all(Array.from({ length: 20 }, () => service.newUser()));
    await admin().programs.upsert({ name: 'june', amount: 2, schedule: '0 0 1 6 *', mode: 'add' });
    await Promise.all([service.app.programs.tick(), other.app.programs.tick(), other.client().programs.run.mutate({ name: 'june' }), admin().programs.run({ name: 'june' })]);
    expect((await paid(users, 'program:june:2032-06-01T00:00Z')).every((r) => r.rows === 1 && r.amount === 2)).toBe(true);
    const runs = await service.sql<{ status: string; users: number }>(`select status, sum(users_granted)::int as users from grant_runs where program = 'june' group by status`);
    expect(runs.filter((r) => r.status === 'completed').reduce((n, r) => n + r.users, 0)).toBe(
      (await service.sql<{ n: number }>(`select count(*)::int as n from credit_transactions where idempotency_key = 'program:june:2032-06-01T00:00Z'`))[0]!.n,
    );
    expect((await admin().credits.reconcile()).ok).toBe(true);
  });

  it('a removed program runs no more; what it gave stays', async () => {
    now = at('2032-07-01T00:00:05Z');
    const user = await service.newUser();
    await admin().programs.upsert({ name: 'gone', amount: 4, schedule: '0 0 * * *', mode: 'add' });
    await service.app.programs.tick();
    await admin().programs.remove({ name: 'gone' });
    now = at('2032-07-02T00:00:05Z');
    await service.app.programs.tick();
    expect((await admin().credits.balance({ userId: user.id })).balance).toBe(4);
  });

  it('a disabled program does not run on its schedule', async () => {
    now = at('2032-08-01T00:00:05Z');
    const user = await service.newUser();
    await admin().programs.upsert({ name: 'paused', amount: 4, schedule: '0 0 * * *', mode: 'add', enabled: false });
    await service.app.programs.tick();
    expect((await admin().credits.balance({ userId: user.id })).balance).toBe(0);
    expect((await admin().programs.list()).find((p) => p.name === 'paused')).toMatchObject({ enabled: false, nextPeriod: null });
  });
});

describe('a run longer than a request may last', () => {
  it('is answered as running within the deadline, goes on in the background, and pays everyone once', async () => {
    const slow = await startTestService(
      { timeouts: { ...testConfig().timeouts, requestTimeoutMs: 300 }, dailyGrant: { enabled: false, amount: '5' as never, chunkSize: 1, leaseMs: 60_000 } },
      { clock: () => at('2032-09-01T00:00:05Z') },
    );
    services.push(slow);
    await seedUsers(slow.databaseUrl, 400);
    await slow.caller().programs.upsert({ name: 'september', amount: 1, schedule: '0 0 1 9 *', mode: 'add' });
    const started = performance.now();
    const answer = await slow.client().programs.run.mutate({ name: 'september' });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(answer).toMatchObject({ status: 'running', program: 'september' });
    expect(answer.granted).toBeLessThan(400);
    const paidSoFar = async () => (await slow.sql<{ n: number }>(`select count(*)::int as n from credit_transactions where idempotency_key = 'program:september:2032-09-01T00:00Z'`))[0]!.n;
    await expect.poll(paidSoFar, { timeout: 30_000, interval: 100 }).toBe(400);
    await expect.poll(async () => (await slow.caller().programs.run({ name: 'september' })).status, { timeout: 5_000 }).toBe('completed');
    expect((await slow.caller().grants.status({ limit: 10 })).filter((r) => r.program === 'september').map((r) => r.status)).toContain('completed');
    // The seeds' trigger says what it always said: triggered.
    const trigger = await fetch(`${slow.url}/admin/trigger-daily-credits`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect({ status: trigger.status, body: await trigger.json() }).toEqual({ status: 200, body: { message: 'Daily credits job triggered successfully' } });
    expect((await slow.caller().credits.reconcile()).ok).toBe(true);
  });
});
