import { CreditsError } from '@credits/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkLedger, type LedgerOp, runLedgerClient, settleUnknown } from '../support/ledger-workload';
import { type Postgres15, startPostgres15 } from '../support/pg15';
import { startTestService, TEST_ADMIN_KEY, type TestService } from '../support/service';

/** The bar the issue sets: while the database is down, every call fails within this. */
const FAIL_WITHIN_MS = 2_000;

let postgres: Postgres15;
let service: TestService;
beforeAll(async () => {
  postgres = await startPostgres15();
  service = await startTestService({ databaseUrl: postgres.url });
});
afterAll(async () => {
  await service?.close();
  await postgres?.destroy();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

it('PostgreSQL stopped under load (immediate): 503s within 2 s and /ready says no; started again: it serves again by itself', async () => {
  const users = await Promise.all(Array.from({ length: 4 }, () => service.newUser({ balance: 100 })));
  const startCents = new Map(users.map((u) => [u.id, 100_00]));
  const ops: LedgerOp[] = [];
  const attempts: { ok: boolean; code?: string; httpStatus?: number; ms: number; startedAt: number }[] = [];
  let stopped = false;
  const load = Array.from({ length: 6 }, () =>
    runLedgerClient(service.client({ retry: false, batch: false }), ops, {
      users: users.map((u) => u.id),
      stopped: () => stopped,
      onAttempt: (a) => attempts.push(a),
    }),
  );

  await sleep(1_500);
  const beforeStop = attempts.filter((a) => a.ok).length;
  expect(beforeStop).toBeGreaterThan(20);
  await postgres.stop('immediate');
  const downAt = performance.now();

  // While it is down: /ready, an SDK mutation and query, and a REST call, each answered in time.
  await sleep(300);
  const ready = await timed(() => fetch(`${service.url}/ready`));
  expect(ready.value.status).toBe(503);
  expect(await ready.value.json()).toMatchObject({ status: 'unavailable' });
  expect(ready.ms).toBeLessThan(FAIL_WITHIN_MS + 500);

  const client = service.client({ retry: false });
  for (const call of [
    () => client.credits.consume.mutate({ userId: users[0]!.id, amount: 1 }),
    () => client.credits.balance.query({ userId: users[0]!.id }),
    () => client.users.create.mutate({ email: 'down@example.com', name: 'Down' }),
  ]) {
    const { ms, value: error } = await timed(() => call().then(() => new Error('succeeded while the database was down'), (e: unknown) => e));
    expect(error).toBeInstanceOf(CreditsError);
    expect((error as CreditsError).code).toBe('SERVICE_UNAVAILABLE');
    expect((error as CreditsError).data).toMatchObject({ httpStatus: 503, reason: 'DATABASE_UNAVAILABLE' });
    expect((error as CreditsError).message).toBe('The database is unavailable; retry later with the same idempotency key');
    expect(ms).toBeLessThan(FAIL_WITHIN_MS);
  }
  const rest = await timed(() => fetch(`${service.url}/api/credits/${users[0]!.id}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } }));
  expect(rest.value.status).toBe(503);
  const restBody = await rest.value.text();
  expect(JSON.parse(restBody)).toEqual({ detail: 'The database is unavailable; retry later with the same idempotency key' });
  expect(restBody).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|terminat|postgres/i);
  expect(rest.ms).toBeLessThan(FAIL_WITHIN_MS);

  await sleep(2_000);
  const duringOutage = attempts.filter((a) => a.startedAt >= downAt);
  await postgres.start();
  const upAt = performance.now();

  // Back by itself: /ready turns 200 and calls succeed, with no restart of the service.
  let readyAgainMs: number | undefined;
  for (let waited = 0; waited < 30_000; waited += 200) {
    if ((await fetch(`${service.url}/ready`)).status === 200) {
      readyAgainMs = performance.now() - upAt;
      break;
    }
    await sleep(200);
  }
  expect(readyAgainMs, '/ready never turned 200 again').toBeDefined();
  await sleep(1_500);
  stopped = true;
  await Promise.all(load);
  const afterRestart = attempts.filter((a) => a.ok && a.startedAt > upAt + (readyAgainMs ?? 0)).length;

  // Every call started while it was down failed fast and said why: 503 (504 only for one cancelled mid-statement).
  expect(duringOutage.length).toBeGreaterThan(10);
  for (const a of duringOutage) {
    expect(a.ok).toBe(false);
    expect(a.code).toBe('SERVICE_UNAVAILABLE');
    expect(a.ms).toBeLessThan(FAIL_WITHIN_MS);
  }
  const codes = new Set(attempts.filter((a) => !a.ok && a.code !== 'PAYMENT_REQUIRED').map((a) => a.code));
  expect([...codes].filter((c) => c !== 'SERVICE_UNAVAILABLE' && c !== 'GATEWAY_TIMEOUT')).toEqual([]);
  expect(afterRestart).toBeGreaterThan(20);

  // Nothing acknowledged was lost; the unanswered ones, sent again with their keys, are applied once.
  const settled = await settleUnknown(service.client(), ops);
  const check = await checkLedger(service.databaseUrl, ops, startCents);
  expect(check).toMatchObject({ lost: [], duplicated: [], unexpected: [], balanceMismatches: [] });
  expect((await service.caller().credits.reconcile()).ok).toBe(true);
  console.info(
    `database faults: ${attempts.length} calls, ${duringOutage.length} during the outage (slowest ${Math.round(Math.max(...duringOutage.map((a) => a.ms)))} ms), ` +
      `/ready again ${Math.round(readyAgainMs!)} ms after start, ${check.checked} operations checked (${settled} settled after), lost 0, duplicated 0`,
  );
}, 120_000);
