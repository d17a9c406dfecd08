import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createCreditsClient } from '@credits/client';
import { runningEmbeddedUrl } from '@credits/runtime';
import { expect, it } from 'vitest';
import { createTestDatabase } from './support/db';
import { checkLedger, type LedgerOp, runLedgerClient, settleUnknown } from './support/ledger-workload';
import { startServiceProcess } from './support/process';
import { holdBalanceLock, waitForLockWaiters } from './support/row-lock';
import { TEST_ADMIN_KEY } from './support/service';

const GRACE_MS = 8_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request on a connection of its own (fetch would reuse a kept-alive one): its status, or the socket error's code. */
function freshConnection(url: string): Promise<string> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        resolve(String(res.statusCode));
      })
      .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

it('SIGTERM under load: calls in flight complete, new connections are refused, exit 0 within the grace period, nothing acknowledged lost', async () => {
  const env = {
    DATABASE_URL: await createTestDatabase(),
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    DAILY_GRANT_ENABLED: 'false',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
  };
  const service = await startServiceProcess(env);
  const admin = createCreditsClient({ url: service.url, apiKey: TEST_ADMIN_KEY });
  const startCents = new Map<number, number>();
  for (let i = 0; i < 5; i++) {
    const user = await admin.users.create.mutate({ email: `shutdown-${i}@example.com`, name: `Shutdown ${i}` });
    await admin.credits.recharge.mutate({ userId: user.id, amount: 100 });
    startCents.set(user.id, 100_00);
  }
  const [held, ...others] = [...startCents.keys()];

  // Calls certainly in flight at SIGTERM: queued on a balance row held from outside.
  const lock = await holdBalanceLock(env.DATABASE_URL, held!);
  const noRetry = createCreditsClient({ url: service.url, apiKey: TEST_ADMIN_KEY, retry: false, batch: false });
  const heldOps: LedgerOp[] = Array.from({ length: 5 }, (_, i) => ({
    key: `wl-held-${i}`,
    userId: held!,
    type: 'consume',
    cents: 100,
    outcome: 'unknown',
  }));
  const heldCalls = heldOps.map((op) =>
    noRetry.credits.consume.mutate({ userId: op.userId, amount: op.cents / 100, idempotencyKey: op.key }).then((tx) => {
      op.outcome = 'applied';
      op.transactionId = tx.id;
    }),
  );
  await waitForLockWaiters(env.DATABASE_URL, 1);

  const ops: LedgerOp[] = [];
  let stopped = false;
  const load = Array.from({ length: 8 }, () =>
    runLedgerClient(createCreditsClient({ url: service.url, apiKey: TEST_ADMIN_KEY, retry: false, batch: false }), ops, {
      users: others,
      stopped: () => stopped,
    }),
  );
  await sleep(700);

  const termAt = performance.now();
  const exited = service.stop('SIGTERM');
  await sleep(300);
  // A new connection is refused; a request on a kept-alive one is turned away, never started.
  expect(await freshConnection(`${service.url}/health`)).toBe('ECONNREFUSED');
  const kept = await fetch(`${service.url}/trpc/health`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } }).then(
    async (res) => `${res.status} ${res.headers.get('connection')} ${await res.text()}`,
    (error: Error) => (error.cause as { code?: string } | undefined)?.code,
  );
  expect(kept).toMatch(/^503 close \{"detail":"The service is shutting down; retry"\}$|^ECONNREFUSED$/);
  await sleep(500);
  await lock.release();
  await Promise.all(heldCalls);
  const code = await exited;
  const exitMs = performance.now() - termAt;
  stopped = true;
  await Promise.all(load);

  expect(code).toBe(0);
  expect(exitMs).toBeLessThan(GRACE_MS);
  expect(heldOps.every((op) => op.outcome === 'applied')).toBe(true);
  expect(service.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down: finishing requests in flight', 'stopped']));
  expect(ops.filter((op) => op.outcome === 'applied').length).toBeGreaterThan(10);

  // On the same database after a restart: every acknowledged call is there once; the unanswered
  // ones (refused connections) resolve with their keys.
  const again = await startServiceProcess(env);
  try {
    const client = createCreditsClient({ url: again.url, apiKey: TEST_ADMIN_KEY });
    const all = [...heldOps, ...ops];
    await settleUnknown(client, all);
    expect(await checkLedger(env.DATABASE_URL, all, startCents)).toMatchObject({ lost: [], duplicated: [], unexpected: [], balanceMismatches: [] });
    expect((await client.credits.reconcile.query()).ok).toBe(true);
  } finally {
    await again.stop();
  }
}, 60_000);

it('Ctrl-C (SIGINT to its process group) on the embedded database: calls in flight complete, then the database stops, last', async () => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-ctrl-c-'));
  try {
    const env = { DATA_DIR: dataDir, ADMIN_API_KEY: TEST_ADMIN_KEY, DAILY_GRANT_ENABLED: 'false' };
    const service = await startServiceProcess(env, { ownProcessGroup: true });
    const admin = createCreditsClient({ url: service.url, apiKey: TEST_ADMIN_KEY, retry: false, batch: false });
    const user = await admin.users.create.mutate({ email: 'ctrl-c@example.com', name: 'Ctrl C' });
    await admin.credits.recharge.mutate({ userId: user.id, amount: 10 });

    // In flight at Ctrl-C: queued on the balance row, held from outside.
    const databaseUrl = await runningEmbeddedUrl(dataDir, 'credits');
    const lock = await holdBalanceLock(databaseUrl, user.id);
    const inFlight = Array.from({ length: 5 }, (_, i) => admin.credits.consume.mutate({ userId: user.id, amount: 1, idempotencyKey: `ctrl-c-${i}` }));
    await waitForLockWaiters(databaseUrl, 1);
    // A terminal's Ctrl-C reaches every process of the foreground group; PostgreSQL, in a group
    // of its own, is not among them: it keeps serving until the service has drained.
    process.kill(-service.child.pid!, 'SIGINT');
    await sleep(500);
    await lock.release();
    expect((await Promise.all(inFlight)).map((tx) => tx.balanceAfter).sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9]);
    expect(await service.stop('SIGINT')).toBe(0);
    // Stopped by its service: its lock file is gone, and no process is left in the data directory.
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);
