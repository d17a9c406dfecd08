import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayPeriod, runGrant } from '../src/domain/grants';
import { dailyProgram } from '../src/domain/programs';
import { startServiceProcess } from './support/process';
import { seedUsers } from './support/seed';
import { startTestService, type TestService } from './support/service';

/** The daily grant, on a clock the tests move: no real midnight is waited for. */

const GRANT = { enabled: true, amount: '5', chunkSize: 7, leaseMs: 60_000 } as const;
let now = new Date('2030-03-09T23:00:00Z');
const clock = () => now;
const services: TestService[] = [];
const start = async (databaseUrl?: string) => {
  const service = await startTestService({ dailyGrant: { ...GRANT, amount: GRANT.amount as never }, ...(databaseUrl ? { databaseUrl } : {}) }, { clock });
  services.push(service);
  await service.app.programs.catchUp;
  return service;
};
afterAll(async () => {
  for (const service of services) await service.close();
});

/** Each user's grant rows for `date`, and balances. */
async function ledger(service: TestService, date: string) {
  const rows = await service.app.deps.orm.em
    .fork()
    .getConnection()
    .execute(
      `select u.id, c.balance, (select count(*) from credit_transactions t where t.user_id = u.id and t.idempotency_key = ?)::int as grants
         from users u join credits c on c.user_id = u.id order by u.id`,
      [`daily:${date}`],
    );
  return rows as { id: number; balance: string; grants: number }[];
}

describe('the daily grant, day by day', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await start(); // 2030-03-09 23:00: the start-up catch-up pays that day (nobody yet)
    for (let i = 0; i < 30; i++) await service.newUser();
  });

  it('a run at 00:00 pays every user once', async () => {
    now = new Date('2030-03-10T00:00:00Z');
    await service.app.programs.tick();
    const rows = await ledger(service, '2030-03-10');
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.grants === 1 && Number(r.balance) === 5)).toBe(true);
    const [run] = await service.caller().grants.status({});
    expect(run).toMatchObject({ date: '2030-03-10', status: 'completed', trigger: 'schedule', usersGranted: 30, amount: 5 });
  });

  it('a second run the same day pays nobody', async () => {
    now = new Date('2030-03-10T13:45:00Z');
    expect(await service.caller().grants.runDaily({})).toMatchObject({ date: '2030-03-10', granted: 0, alreadyGranted: 30 });
    await service.app.programs.tick();
    expect((await ledger(service, '2030-03-10')).every((r) => r.grants === 1 && Number(r.balance) === 5)).toBe(true);
  });

  it('a user created after the day’s run starts at 0 and is paid from the next day', async () => {
    const late = await service.newUser();
    await service.app.programs.tick();
    expect((await service.caller().credits.balance({ userId: late.id })).balance).toBe(0);
    now = new Date('2030-03-11T00:00:00Z');
    await service.app.programs.tick();
    expect((await service.caller().credits.balance({ userId: late.id })).balance).toBe(5);
  });

  it('the next day pays again', async () => {
    const rows = await ledger(service, '2030-03-11');
    expect(rows).toHaveLength(31);
    expect(rows.every((r) => r.grants === 1)).toBe(true);
    expect(rows.filter((r) => Number(r.balance) === 10)).toHaveLength(30);
  });

  it('a restart mid-day pays nobody', async () => {
    now = new Date('2030-03-11T12:00:00Z');
    const before = await ledger(service, '2030-03-11');
    const restarted = await start(service.databaseUrl); // its start-up catch-up finds the day done
    expect(await ledger(restarted, '2030-03-11')).toEqual(before);
  });

  it('start-up after a missed midnight catches up today (and only today)', async () => {
    now = new Date('2030-03-13T08:30:00Z');
    const late = await start(service.databaseUrl);
    expect((await ledger(late, '2030-03-13')).every((r) => r.grants === 1)).toBe(true);
    expect((await ledger(late, '2030-03-12')).every((r) => r.grants === 0)).toBe(true);
    // A missed day can be granted late by an admin; a future one cannot.
    expect(await late.caller().grants.runDaily({ date: '2030-03-12' })).toMatchObject({ granted: 31, alreadyGranted: 0 });
    await expect(late.caller().grants.runDaily({ date: '2030-03-14' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'date: 2030-03-14 is in the future (today is 2030-03-13 UTC)',
    });
    expect((await late.caller().credits.reconcile()).ok).toBe(true);
  });

  it('is scheduled for the next 00:00 UTC by the service clock', () => {
    now = new Date('2030-03-13T08:30:00Z');
    expect(service.app.programs.nextRun()!.toISOString()).toBe('2030-03-14T00:00:00.000Z');
    now = new Date('2030-03-13T23:59:59.999Z');
    expect(service.app.programs.nextRun()!.toISOString()).toBe('2030-03-14T00:00:00.000Z');
    now = new Date('2030-03-14T00:00:00Z');
    expect(service.app.programs.nextRun()!.toISOString()).toBe('2030-03-15T00:00:00.000Z');
  });
});

describe('exactly once, whoever triggers it', () => {
  it('two instances starting at the same moment, and the admin trigger at once: every user gets 5 for the day', async () => {
    now = new Date('2030-04-01T00:00:00Z');
    const first = await startTestService({}, { clock });
    services.push(first);
    await seedUsers(first.databaseUrl, 3000);
    const [a, b] = await Promise.all([start(first.databaseUrl), start(first.databaseUrl), first.client().grants.runDaily.mutate({})]);
    await Promise.all([a!.app.programs.tick(), b!.app.programs.tick(), first.client().grants.runDaily.mutate({ date: '2030-04-01' })]);

    const rows = await ledger(first, '2030-04-01');
    expect(rows).toHaveLength(3000);
    expect(rows.filter((r) => r.grants !== 1 || Number(r.balance) !== 5)).toEqual([]);
    const runs = (await first.caller().grants.status({ limit: 100 })).filter((r) => r.date === '2030-04-01');
    expect(runs.filter((r) => r.status === 'completed')).toHaveLength(1);
    expect(runs.reduce((sum, r) => sum + r.usersGranted, 0)).toBe(3000);
    expect((await first.caller().credits.reconcile()).ok).toBe(true);
  });

  it('a run that fails after some chunks is resumed by the next: everyone paid once', async () => {
    const service = await startTestService({}, { clock });
    services.push(service);
    await seedUsers(service.databaseUrl, 100);
    const settings = { enabled: true, amount: '5' as never, chunkSize: 10, leaseMs: 60_000 };
    let chunks = 0;
    const failing = runGrant(service.app.deps.orm.em.fork(), dailyProgram(settings), settings, {
      period: dayPeriod('2030-05-05'),
      trigger: 'test',
      now: new Date(),
      onChunk: () => {
        if (++chunks === 3) throw new Error('the process died here');
      },
    });
    await expect(failing).rejects.toThrow('the process died here');
    const [failed] = await service.caller().grants.status({});
    expect(failed).toMatchObject({ status: 'failed', usersGranted: 30, error: 'the process died here' });

    const resumed = await runGrant(service.app.deps.orm.em.fork(), dailyProgram(settings), settings, { period: dayPeriod('2030-05-05'), trigger: 'test', now: new Date() });
    expect(resumed).toMatchObject({ granted: 70, alreadyGranted: 30 });
    expect((await ledger(service, '2030-05-05')).filter((r) => r.grants !== 1)).toEqual([]);
    expect((await service.caller().credits.reconcile()).ok).toBe(true);
  });

  it('stopping the service interrupts a run between chunks; the next start resumes it', async () => {
    const service = await startTestService({}, { clock });
    await seedUsers(service.databaseUrl, 400);
    now = new Date('2030-06-01T00:00:00Z');
    const slow = await startTestService({ databaseUrl: service.databaseUrl, dailyGrant: { ...GRANT, amount: GRANT.amount as never, chunkSize: 1 } }, { clock });
    // Some chunks commit (however loaded the machine), then shutdown: the run stops after its current chunk.
    while (((await service.caller().grants.status({}))[0]?.usersGranted ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await slow.close();
    const [interrupted] = await service.caller().grants.status({});
    expect(interrupted).toMatchObject({ status: 'interrupted' });
    expect(interrupted!.usersGranted).toBeGreaterThan(0);
    expect(interrupted!.usersGranted).toBeLessThan(400);

    const resumed = await start(service.databaseUrl);
    expect((await ledger(resumed, '2030-06-01')).filter((r) => r.grants !== 1)).toEqual([]);
    expect((await resumed.caller().credits.reconcile()).ok).toBe(true);
    await service.close();
  });
});

describe('a run killed half way', () => {
  it('is resumed by the next run once its lease lapses: everyone paid exactly once, reconcile clean', async () => {
    const service = await startTestService({}, { clock });
    services.push(service);
    await seedUsers(service.databaseUrl, 20_000);
    const runs = () => service.caller().grants.status({ limit: 5 });

    const today = new Date().toISOString().slice(0, 10); // the child's clock is the real one
    const child = await startServiceProcess({
      DATABASE_URL: service.databaseUrl,
      ADMIN_API_KEY: 'kill-test-admin-key-123',
      DAILY_GRANT_CHUNK_SIZE: '100',
      DAILY_GRANT_LEASE_MS: '1000',
    });
    for (let i = 0; i < 3_000 && ((await runs())[0]?.usersGranted ?? 0) < 1_000; i++) await new Promise((r) => setTimeout(r, 10));
    await child.stop('SIGKILL');
    const [killed] = await runs();
    expect(killed).toMatchObject({ date: today, status: 'running' }); // nobody closed it: the process died
    expect(killed!.usersGranted).toBeGreaterThanOrEqual(1_000);
    expect(killed!.usersGranted).toBeLessThan(20_000);

    const settings = { enabled: true, amount: '5' as never, chunkSize: 2_000, leaseMs: 1_000 };
    const resumed = await runGrant(service.app.deps.orm.em.fork(), dailyProgram(settings), settings, { period: dayPeriod(today), trigger: 'test', now: new Date() });
    expect(resumed.granted + resumed.alreadyGranted).toBe(20_000);
    expect(resumed.alreadyGranted).toBe(killed!.usersGranted); // its chunks committed with their progress mark
    expect((await runs()).find((r) => r.id === killed!.id)).toMatchObject({ status: 'abandoned' });
    const rows = await ledger(service, today);
    expect(rows.filter((r) => r.grants !== 1 || Number(r.balance) !== 5)).toEqual([]);
    expect((await service.caller().credits.reconcile()).ok).toBe(true);
  });
});
