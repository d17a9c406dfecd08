import { type CreditsClient, createCreditsClient, isCreditsError, isInsufficientCredits } from '@credits/client';
import type { User } from '@credits/contract';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/db';
import { metric, scrape } from './support/metrics';
import { type ServiceProcess, startServiceProcess } from './support/process';
import { startTestService, type TestService } from './support/service';

/**
 * Three copies of the service, each its own process, on one database: SDK calls spread across
 * them (the same idempotency key sent to two at once), the daily grant started on all three at
 * once. The ledger must come out as if one process had done it all.
 */

const ADMIN_KEY = 'replica-test-admin-key-0123';
const METRICS_TOKEN = 'replica-metrics-token-0123';
const USERS = 90;
const ROUNDS = 4;
const GRANT_DATE = '2025-06-01';

let databaseUrl: string;
let replicas: ServiceProcess[] = [];
let clients: CreditsClient[];

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  replicas = await Promise.all(
    [0, 1, 2].map(() =>
      startServiceProcess({
        DATABASE_URL: databaseUrl,
        ADMIN_API_KEY: ADMIN_KEY,
        METRICS_TOKEN,
        DB_POOL_SIZE: '8',
        DAILY_GRANT_ENABLED: 'false', // started by hand below, on all three at once
        DAILY_GRANT_CHUNK_SIZE: '20', // several chunks, so the runs can interleave
      }),
    ),
  );
  clients = replicas.map((r) => createCreditsClient({ url: r.url, apiKey: ADMIN_KEY, batch: false }));
}, 180_000);
afterAll(() => Promise.all(replicas.map((r) => r.stop())));

/** Runs `tasks` with at most `limit` in flight. */
async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

describe('three replicas on one database', () => {
  it('keep the ledger exact: every consume applied once, every user granted once', async () => {
    // Ten-thousandths of a credit: the model's arithmetic is exact.
    const model = new Map<number, number>();
    const users: User[] = await inParallel(
      Array.from({ length: USERS }, (_, i) => async () => {
        const user = await clients[i % 3]!.users.create.mutate({ email: `replica-${i}@example.com`, name: `R ${i}`, externalId: `auth0|replica-${i}` });
        await clients[(i + 1) % 3]!.credits.recharge.mutate({ userId: user.id, amount: 50, idempotencyKey: `seed-${i}` });
        model.set(user.id, 50 * 10_000);
        return user;
      }),
      12,
    );

    // Each consume goes to two replicas at once with one key: one applies it, the other replays it.
    const consumes = users.flatMap((user, i) =>
      Array.from({ length: ROUNDS }, (_, round) => async () => {
        const amount = (((round * 7 + i) % 9) + 1) * 0.25;
        const key = `c-${user.id}-${round}`;
        const ref = round % 2 === 0 ? user.id : `auth0|replica-${i}`;
        const sends = [0, 1].map((k) => clients[(i + round + k) % 3]!.credits.consume.mutate({ userId: ref, amount, idempotencyKey: key }));
        const [a, b] = await Promise.all(sends);
        expect(a!.id).toBe(b!.id);
        expect([a!.replayed, b!.replayed].sort()).toEqual([false, true]);
        model.set(user.id, model.get(user.id)! - amount * 10_000);
      }),
    );
    // And one each that no balance covers, on whichever replica: refused everywhere, nothing written.
    const refusals = users.map((user, i) => async () => {
      const error = await clients[i % 3]!.credits.consume.mutate({ userId: user.id, amount: 1_000 }).catch((e: unknown) => e);
      expect(isInsufficientCredits(error)).toBe(true);
    });
    await inParallel([...consumes, ...refusals], 24);

    // The grant, started on every replica at once (as their schedulers would at 00:00 UTC).
    const runs = await Promise.all(clients.map((client) => client.grants.runDaily.mutate({ date: GRANT_DATE })));
    expect(runs.reduce((sum, r) => sum + r.granted, 0)).toBe(USERS);
    for (const run of runs) expect(run.granted + run.alreadyGranted).toBe(USERS);

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows: grants } = await db.query<{ user_id: number; n: number }>(
        `select u.id as user_id, count(t.id)::int as n from users u
           left join credit_transactions t on t.user_id = u.id and t.idempotency_key = $1
          group by u.id`,
        [`daily:${GRANT_DATE}`],
      );
      expect(grants).toHaveLength(USERS);
      expect(grants.filter((g) => g.n !== 1)).toEqual([]);

      const { rows: balances } = await db.query<{ user_id: number; balance: string }>('select user_id, balance::text from credits');
      const wrong = balances.filter((b) => Math.round(Number(b.balance) * 10_000) !== model.get(b.user_id)! + 5 * 10_000);
      expect(wrong).toEqual([]);
      const { rows: count } = await db.query<{ n: number }>(`select count(*)::int as n from credit_transactions where type = 'consume'`);
      expect(count[0]!.n).toBe(USERS * ROUNDS);
    } finally {
      await db.end();
    }
    expect(await clients[2]!.credits.reconcile.query()).toMatchObject({ ok: true, checkedUsers: USERS });

    // Every replica did part of the work, and their metrics add up to the ledger.
    const texts = await Promise.all(replicas.map((r) => scrape(r.url, METRICS_TOKEN)));
    const sum = (name: string, labels?: Record<string, string>) => texts.reduce((s, t) => s + metric(t, name, labels), 0);
    for (const text of texts) expect(metric(text, 'credits_calls_total', { procedure: 'credits.consume', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sum('credits_ledger_operations_total', { type: 'consume' })).toBe(USERS * ROUNDS);
    expect(sum('credits_idempotent_replays_total', { procedure: 'credits.consume' })).toBe(USERS * ROUNDS);
    expect(sum('credits_insufficient_credits_total')).toBe(USERS);
    expect(sum('credits_grant_users_granted_total')).toBe(USERS);
    expect(sum('credits_grant_runs_total', { outcome: 'completed' })).toBe(3);
  });
});

describe('the failed-authentication limit across replicas', () => {
  let apps: TestService[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));

  /** Three failures from this address, one on each replica; then whether replica 0 still checks credentials. */
  async function afterThreeFailures(replicaApps: TestService[]) {
    for (const app of replicaApps) await app.client({ apiKey: 'ck_live_wrong', retry: false }).users.list.query({}).catch(() => undefined);
    const error = await replicaApps[0]!.client({ retry: false }).users.list.query({}).then(() => undefined, (e: unknown) => e);
    return isCreditsError(error) ? error.code : 'ok';
  }

  it('is per replica with the in-memory limiter: N replicas allow N times the burst', async () => {
    const first = await startTestService({ authFailuresPerMinute: 3 });
    apps = [first, ...(await Promise.all([0, 1].map(() => startTestService({ databaseUrl: first.databaseUrl, authFailuresPerMinute: 3 }))))];
    expect(await afterThreeFailures(apps)).toBe('ok'); // each replica saw one failure of its three
  });

  it('is one limit when the replicas count in PostgreSQL (AUTH_FAILURE_STORE=postgres)', async () => {
    const shared = { authFailuresPerMinute: 3, authFailureStore: 'postgres' } as const;
    const first = await startTestService(shared);
    const more = await Promise.all([0, 1].map(() => startTestService({ ...shared, databaseUrl: first.databaseUrl })));
    apps.push(first, ...more);
    expect(await afterThreeFailures([first, ...more])).toBe('TOO_MANY_REQUESTS');
  });
});
