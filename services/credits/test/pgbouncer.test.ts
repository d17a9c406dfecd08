import { randomBytes } from 'node:crypto';
import { createCreditsClient, isInsufficientCredits } from '@credits/client';
import { createLogger } from '@credits/runtime';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/orm';
import { migrations } from '../src/db/migrations';
import { createTestDatabase } from './support/db';
import { type PgBouncer, pgbouncerBinary, startPgBouncer } from './support/pgbouncer';
import { holdBalanceLock } from './support/row-lock';
import { startTestService, TEST_ADMIN_KEY, type TestService } from './support/service';

/**
 * The service behind Debian's PgBouncer in transaction pool mode: 16 pooled clients share 4 server
 * connections, so a statement's session (a session advisory lock, a SET, a named prepared
 * statement) is gone, or someone else's, by the next transaction. Everything must still be exact.
 */

const SERVER_CONNECTIONS = 4;
const GRANT_DATE = '2025-07-01';

// CI installs pgbouncer (.ci/run); a machine without it skips this file, saying why.
describe.skipIf(!pgbouncerBinary)(`behind PgBouncer, transaction mode${pgbouncerBinary ? '' : ' (skipped: pgbouncer is not installed; apt-get install pgbouncer)'}`, () => {
  let directUrl: string;
  let bouncer: PgBouncer;
  let service: TestService;
  let second: TestService;

  beforeAll(async () => {
    directUrl = await createTestDatabase();
    bouncer = await startPgBouncer(directUrl, SERVER_CONNECTIONS);
    const settings = { databaseUrl: bouncer.url, dbPoolSize: 16, dailyGrant: { enabled: false, amount: '5' as never, chunkSize: 7, leaseMs: 60_000 } };
    service = await startTestService(settings);
    second = await startTestService(settings);
  });
  afterAll(async () => {
    await second?.close();
    await service?.close();
    await bouncer?.stop();
  });

  it('runs in transaction mode', async () => {
    const [mode] = (await bouncer.show('SHOW CONFIG')).filter((row) => row.key === 'pool_mode');
    expect(mode).toMatchObject({ value: 'transaction' });
  });

  it('applies every migration to an empty database through it', async () => {
    const name = `bouncer_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: Object.assign(new URL(directUrl), { pathname: '/postgres' }).toString() });
    await admin.connect();
    await admin.query(`create database ${name}`);
    try {
      const orm = await openDatabase(Object.assign(new URL(bouncer.url), { pathname: `/${name}` }).toString(), 4, createLogger('silent'));
      const [row] = await orm.em.getConnection().execute<{ n: number }[]>('select count(*)::int as n from mikro_orm_migrations');
      expect(row!.n).toBe(migrations.length);
      await orm.close();
    } finally {
      await admin.query(`drop database ${name} with (force)`);
      await admin.end();
    }
  });

  it('keeps consumes, replays, charged usage and concurrent grants exact', async () => {
    const clients = [service, second].map((s) => createCreditsClient({ url: s.url, apiKey: TEST_ADMIN_KEY, batch: false }));
    const users = await Promise.all(Array.from({ length: 40 }, () => service.newUser({ balance: 20 })));
    const expected = new Map(users.map((u) => [u.id, 20 * 100])); // hundredths: exact

    // Watch PgBouncer while the load runs: clients queue for its few server connections.
    let peakClients = 0;
    let peakServers = 0;
    const watching = setInterval(() => {
      void bouncer
        .show('SHOW POOLS')
        .then((rows) => {
          const pool = rows.find((r) => r.database === new URL(directUrl).pathname.slice(1));
          if (!pool) return;
          peakClients = Math.max(peakClients, Number(pool.cl_active) + Number(pool.cl_waiting));
          peakServers = Math.max(peakServers, Number(pool.sv_active) + Number(pool.sv_idle) + Number(pool.sv_used));
        })
        .catch(() => undefined);
    }, 20);

    try {
      // Each consume sent twice at once, to both services, with one key.
      await Promise.all(
        users.flatMap((user, i) =>
          [0, 1, 2].map(async (round) => {
            const amount = ((i + round) % 4) + 0.25;
            const key = `b-${user.id}-${round}`;
            const [a, b] = await Promise.all(clients.map((c) => c.credits.consume.mutate({ userId: user.id, amount, idempotencyKey: key })));
            expect(a!.id).toBe(b!.id);
            expect([a!.replayed, b!.replayed].sort()).toEqual([false, true]);
            expected.set(user.id, expected.get(user.id)! - amount * 100);
          }),
        ),
      );

      // Thirty consumes of 1 race for one user's 10 credits: exactly ten win.
      const hot = await service.newUser({ balance: 10 });
      const race = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => clients[i % 2]!.credits.consume.mutate({ userId: hot.id, amount: 1 })));
      expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      expect(race.filter((r) => r.status === 'rejected' && isInsufficientCredits(r.reason))).toHaveLength(20);
      expect((await clients[1]!.credits.balance.query({ userId: hot.id })).balance).toBe(0);
      expected.set(hot.id, 0);

      // A charged usage record, and stats read back through the pooler.
      const user = users[0]!;
      await clients[1]!.usage.record.mutate({ userId: user.id, endpoint: '/chat', eventType: 'chat', creditsCharged: 0.5, charge: true, modelName: 'm' });
      expected.set(user.id, expected.get(user.id)! - 50);
      const stats = await clients[0]!.usage.stats.query({ userId: user.id });
      expect(stats).toMatchObject({ totalRecords: 1, totalCreditsCharged: 0.5 });

      // The grant, started four times at once on two services: chunks of 7 under the advisory lock.
      // (Two calls on one replica may join one run, and then both report it.)
      const runs = await Promise.all([...clients, ...clients].map((c) => c.grants.runDaily.mutate({ date: GRANT_DATE })));
      expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
      const paid = users.length + 1;
      const periodRuns = (await clients[0]!.grants.status.query({ limit: 20 })).filter((r) => r.date === GRANT_DATE);
      expect(periodRuns.reduce((sum, r) => sum + r.usersGranted, 0)).toBe(paid);
      for (const [id, cents] of expected) expected.set(id, cents + 500);
    } finally {
      clearInterval(watching);
    }

    expect(peakServers).toBeLessThanOrEqual(SERVER_CONNECTIONS);
    expect(peakClients).toBeGreaterThan(SERVER_CONNECTIONS);

    const db = new pg.Client({ connectionString: directUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ user_id: number; balance: string; grants: number }>(
        `select c.user_id, c.balance::text,
                (select count(*)::int from credit_transactions t where t.user_id = c.user_id and t.idempotency_key = $1) as grants
           from credits c`,
        [`daily:${GRANT_DATE}`],
      );
      expect(rows.filter((r) => r.grants !== 1)).toEqual([]);
      expect(rows.filter((r) => Math.round(Number(r.balance) * 100) !== expected.get(r.user_id))).toEqual([]);
    } finally {
      await db.end();
    }
    expect(await clients[0]!.credits.reconcile.query()).toMatchObject({ ok: true });

    // The load went through PgBouncer: it counted the transactions (at least each user's creation
    // and recharge; consumes queued on one user may share a statement).
    const stats = (await bouncer.show('SHOW STATS')).find((r) => r.database === new URL(directUrl).pathname.slice(1));
    expect(Number(stats!.total_xact_count)).toBeGreaterThan(users.length * 2);
  });

  it('cancels a call past its deadline through it: the statement is gone from the server, nothing written', async () => {
    const hasty = await startTestService({
      databaseUrl: bouncer.url,
      timeouts: { statementTimeoutMs: 60_000, connectTimeoutMs: 2_000, requestTimeoutMs: 600, headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000 },
    });
    const user = await service.newUser({ balance: 10 });
    const lock = await holdBalanceLock(directUrl, user.id);
    try {
      const error = await hasty.client({ retry: false, batch: false }).credits.consume.mutate({ userId: user.id, amount: 3 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'GATEWAY_TIMEOUT', data: { reason: 'TIMED_OUT', rolledBack: true } });
      // The cancel reached the real backend (PgBouncer forwarded it): nobody waits on the row now.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const db = new pg.Client({ connectionString: directUrl });
      await db.connect();
      const { rows } = await db.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
      await db.end();
      expect(rows[0].n).toBe(0);
    } finally {
      await lock.release();
      await hasty.close();
    }
    expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(10);
  });

  it('counts failed attempts in PostgreSQL through it (AUTH_FAILURE_STORE=postgres), one limit for both instances', async () => {
    const shared = { databaseUrl: bouncer.url, authFailuresPerMinute: 3, authFailureStore: 'postgres' as const };
    const [a, b] = await Promise.all([startTestService(shared), startTestService(shared)]);
    try {
      const bad = [a, b].map((s) => s.client({ apiKey: 'ck_live_wrong', retry: false }));
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push(await bad[i % 2]!.health.query().catch((e: { code: string }) => e.code));
      expect(codes).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED']);
      // The third failure landed on `a`; `b` refuses even the admin key from this address now.
      expect(await b.client({ retry: false }).health.query().catch((e: { code: string }) => e.code)).toBe('TOO_MANY_REQUESTS');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a revoked key is refused on the other instance within a second: LISTEN through it is found not to work, and polling takes over', async () => {
    const key = await service.client().apiKeys.create.mutate({ name: 'bouncer revocation', scope: 'service' });
    const onSecond = second.client({ apiKey: key.key, retry: false, batch: false });
    expect(await onSecond.users.list.query({}).then(() => 'ok')).toBe('ok');
    await service.client().apiKeys.revoke.mutate({ id: key.id });
    const revokedAt = performance.now();
    let code = 'ok';
    while (code === 'ok' && performance.now() - revokedAt < 3_000) {
      code = await onSecond.users.list.query({}).then(() => 'ok', (e: { code: string }) => e.code);
      if (code === 'ok') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(code).toBe('UNAUTHORIZED');
    expect(performance.now() - revokedAt).toBeLessThan(1_000);
  });
});
