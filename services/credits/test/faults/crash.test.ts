import { createCreditsClient } from '@credits/client';
import { afterAll, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import { checkLedger, type LedgerOp, runLedgerClient, settleUnknown } from '../support/ledger-workload';
import { freePort } from '../support/ports';
import { type ServiceProcess, startServiceProcess } from '../support/process';
import { TEST_ADMIN_KEY } from '../support/service';

const KILLS = 20;
const CLIENTS = 16;
const USERS = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let service: ServiceProcess | undefined;
afterAll(async () => {
  await service?.stop('SIGKILL');
});

it(`${CLIENTS} clients through ${KILLS} SIGKILLs of the service: every acknowledged change exactly once, balances as the model says`, async () => {
  // The database is the test's, so a kill takes down the service alone, as a crashed pod would.
  const env = {
    DATABASE_URL: await createTestDatabase(),
    PORT: String(await freePort()),
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    DAILY_GRANT_ENABLED: 'false',
  };
  service = await startServiceProcess(env);
  const url = service.url;
  const admin = createCreditsClient({ url, apiKey: TEST_ADMIN_KEY });
  const startCents = new Map<number, number>();
  for (let i = 0; i < USERS; i++) {
    const user = await admin.users.create.mutate({ email: `crash-${i}@example.com`, name: `Crash ${i}` });
    await admin.credits.recharge.mutate({ userId: user.id, amount: 50 });
    startCents.set(user.id, 50_00);
  }

  const ops: LedgerOp[] = [];
  let inFlight = 0;
  let stopped = false;
  // Clients keep their address across restarts and retry through the outage with their keys.
  const clients = Array.from({ length: CLIENTS }, () =>
    runLedgerClient(
      createCreditsClient({ url, apiKey: TEST_ADMIN_KEY, batch: false, retry: { retries: 12, minDelayMs: 50, maxDelayMs: 800 } }),
      ops,
      { users: [...startCents.keys()], stopped: () => stopped, onStart: () => inFlight++, onAttempt: () => inFlight-- },
    ),
  );

  const inFlightAtKill: number[] = [];
  const restartMs: number[] = [];
  for (let kill = 0; kill < KILLS; kill++) {
    await sleep(300 + Math.random() * 1_200);
    inFlightAtKill.push(inFlight);
    await service.stop('SIGKILL');
    const restarting = performance.now();
    service = await startServiceProcess(env);
    restartMs.push(performance.now() - restarting);
  }
  await sleep(1_000);
  stopped = true;
  await Promise.all(clients);

  const acknowledged = ops.filter((op) => op.outcome !== 'unknown').length;
  const settled = await settleUnknown(admin, ops);
  const check = await checkLedger(env.DATABASE_URL, ops, startCents);
  const reconcile = await admin.credits.reconcile.query();
  const replayed = ops.filter((op) => op.replayed).length;
  console.info(
    `crash test: ${KILLS} kills survived (in flight at each kill: ${inFlightAtKill.join(',')}; restarts took ${Math.round(Math.min(...restartMs))}-${Math.round(Math.max(...restartMs))} ms); ` +
      `${check.checked} operations checked (${acknowledged} acknowledged during the run, ${settled} settled after with their keys, ` +
      `${replayed} answered as replays of an attempt whose answer a kill lost); lost ${check.lost.length}, duplicated ${check.duplicated.length}, ` +
      `unexpected ${check.unexpected.length}, balance mismatches ${check.balanceMismatches.length}`,
  );

  expect(check).toMatchObject({ lost: [], duplicated: [], unexpected: [], balanceMismatches: [] });
  expect(reconcile).toMatchObject({ ok: true, balanceMismatches: [], brokenChains: [] });
  // The kills landed on work in progress, and some answers were lost to them: otherwise this proved little.
  expect(inFlightAtKill.filter((n) => n > 0).length).toBeGreaterThanOrEqual(KILLS / 2);
  expect(acknowledged).toBeGreaterThan(KILLS * 20);
  expect(replayed + settled).toBeGreaterThan(0);
}, 300_000);
