import { CreditsError } from '@credits/client';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testConfig, TEST_ADMIN_KEY, type TestService, useTestService } from './support/service';
import { holdBalanceLock, waitForLockWaiters } from './support/row-lock';

const timeouts = testConfig().timeouts;

/** What the database holds for one idempotency key, and how many sessions wait on a lock: read directly. */
async function inDatabase(databaseUrl: string, key: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = await client.query('select count(*)::int as n from credit_transactions where idempotency_key = $1', [key]);
    const waiting = await client.query(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    );
    return { rows: rows.rows[0].n as number, lockWaiters: waiting.rows[0].n as number };
  } finally {
    await client.end();
  }
}

async function failure(promise: Promise<unknown>): Promise<CreditsError> {
  const outcome = await promise.then(
    () => new Error('the call succeeded'),
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(CreditsError);
  return outcome as CreditsError;
}

/** A consume stuck behind a lock held from outside until the service gives up on it. */
async function consumeBehindLock(service: TestService, key: string) {
  const user = await service.newUser({ balance: 10 });
  const lock = await holdBalanceLock(service.databaseUrl, user.id);
  const started = performance.now();
  try {
    const error = await failure(service.client({ retry: false }).credits.consume.mutate({ userId: user.id, amount: 3, idempotencyKey: key }));
    const elapsedMs = performance.now() - started;
    // The lock is still held: nothing may be waiting on it any more, or the work would still land.
    const whileLocked = await inDatabase(service.databaseUrl, key);
    return { user, error, elapsedMs, whileLocked, lock };
  } catch (e) {
    await lock.release();
    throw e;
  }
}

describe('statement timeout (DB_STATEMENT_TIMEOUT_MS)', () => {
  const service = useTestService({ timeouts: { ...timeouts, statementTimeoutMs: 400 } });

  it('a call stuck behind a lock fails with 504 TIMED_OUT, rolled back, and its key stays usable', async () => {
    const { user, error, elapsedMs, whileLocked, lock } = await consumeBehindLock(service, 'stuck-statement');
    await lock.release();
    expect(error.code).toBe('GATEWAY_TIMEOUT');
    expect(error.data).toMatchObject({ httpStatus: 504, reason: 'TIMED_OUT', rolledBack: true });
    expect(error.message).toBe('The database did not finish in time; nothing was changed, retry later');
    expect(elapsedMs).toBeGreaterThanOrEqual(350);
    expect(elapsedMs).toBeLessThan(3_000);
    expect(whileLocked.lockWaiters).toBe(0);
    await expectNothingLanded(service, user.id, 'stuck-statement');
  });

  it('through REST too: the surface\'s 504, with no database text', async () => {
    const user = await service.newUser({ balance: 10 });
    const lock = await holdBalanceLock(service.databaseUrl, user.id);
    try {
      const res = await fetch(`${service.url}/api/credits/${user.id}/deduct`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: JSON.stringify({ amount: 1 }),
      });
      expect(res.status).toBe(504);
      const body = await res.text();
      expect(JSON.parse(body)).toEqual({ detail: 'The database did not finish in time; nothing was changed, retry later' });
      expect(body).not.toMatch(/statement|cancel|credits_apply/i);
    } finally {
      await lock.release();
    }
    expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(10);
  });
});

describe('request deadline (REQUEST_TIMEOUT_MS)', () => {
  // The statement timeout is far away: only the deadline can end the wait.
  const service = useTestService({ timeouts: { ...timeouts, statementTimeoutMs: 60_000, requestTimeoutMs: 600 } });

  it('cancels the statement in PostgreSQL, answers 504 TIMED_OUT, and nothing lands when the lock is released', async () => {
    const { user, error, elapsedMs, whileLocked, lock } = await consumeBehindLock(service, 'stuck-deadline');
    expect(error.code).toBe('GATEWAY_TIMEOUT');
    expect(error.data).toMatchObject({ httpStatus: 504, reason: 'TIMED_OUT', rolledBack: true });
    expect(error.message).toBe('The call did not finish within 600 ms; nothing was changed, retry later');
    expect(elapsedMs).toBeGreaterThanOrEqual(550);
    expect(elapsedMs).toBeLessThan(4_000);
    expect(whileLocked).toEqual({ rows: 0, lockWaiters: 0 });
    await lock.release();
    await expectNothingLanded(service, user.id, 'stuck-deadline');
  });

  it('calls queued behind the stuck one are answered in time too, and the pool is not left short', async () => {
    const user = await service.newUser({ balance: 10 });
    const lock = await holdBalanceLock(service.databaseUrl, user.id);
    const client = service.client({ retry: false, batch: false });
    const started = performance.now();
    const calls = Array.from({ length: 8 }, (_, i) =>
      failure(client.credits.consume.mutate({ userId: user.id, amount: 1, idempotencyKey: `queued-${i}` })),
    );
    await waitForLockWaiters(service.databaseUrl, 1);
    const errors = await Promise.all(calls);
    const elapsedMs = performance.now() - started;
    await lock.release();
    for (const error of errors) expect(error.data).toMatchObject({ httpStatus: 504, reason: 'TIMED_OUT' });
    expect(elapsedMs).toBeLessThan(5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(10);
    // Every connection came back (or was replaced): a burst wider than the pool still goes through.
    const burst = await Promise.all(
      Array.from({ length: 40 }, () => service.client({ retry: false, batch: false }).credits.balance.query({ userId: user.id })),
    );
    expect(burst.every((b) => b.balance === 10)).toBe(true);
  });
});

/**
 * After the lock is gone: the timed-out consume (10 credits, 3 asked, under `key`) wrote nothing,
 * waits on nothing, and, nothing being stored under its key, goes through when sent again.
 */
async function expectNothingLanded(service: TestService, userId: number, key: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await inDatabase(service.databaseUrl, key)).toEqual({ rows: 0, lockWaiters: 0 });
  expect((await service.caller().credits.balance({ userId })).balance).toBe(10);
  const retried = await service.client().credits.consume.mutate({ userId, amount: 3, idempotencyKey: key });
  expect(retried).toMatchObject({ balanceAfter: 7, replayed: false });
}
