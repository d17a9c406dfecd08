import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCreditsClient } from '@credits/client';
import { afterAll, expect, it } from 'vitest';
import { createTestDatabase } from './support/db';
import { startServiceProcess } from './support/process';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

it('a bad setting stops start-up with a message naming the variable', async () => {
  const error = await startServiceProcess({ PORT: 'eighty', DATA_DIR: '/tmp/unused' }).catch((e: Error) => e);
  // One line, no stack trace.
  expect(String(error)).toMatch(/exited with 1 during start-up\nInvalid configuration: PORT: [^\n]+\n$/);
});

it('on a database of its own without ADMIN_API_KEY, it starts and says admin operations are disabled', async () => {
  const service = await startServiceProcess({ DATABASE_URL: await createTestDatabase(), ADMIN_API_KEY: '' });
  try {
    expect(service.logs.find((l) => String(l.msg).startsWith('Credits service listening on'))).toMatchObject({
      admin: 'disabled: ADMIN_API_KEY is not set',
    });
    expect(service.logs.map((l) => l.msg)).toContain(
      'ADMIN_API_KEY is not set: admin operations are disabled (admin-scope API keys made earlier still work)',
    );
  } finally {
    await service.stop();
  }
});

it('balances written before a restart on the same data directory are there after it', async () => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-restart-'));
  dirs.push(dataDir);

  const first = await startServiceProcess({ DATA_DIR: dataDir });
  // First run on the embedded database without ADMIN_API_KEY: a key is made, kept, and shown once.
  const adminKey = (await fs.readFile(path.join(dataDir, 'admin-api-key'), 'utf8')).trim();
  expect((await fs.stat(path.join(dataDir, 'admin-api-key'))).mode & 0o777).toBe(0o600);
  const banner = first.logs.find((l) => String(l.msg).startsWith('Credits service listening on'))!;
  expect(banner).toMatchObject({
    docs: `${first.url}/docs`,
    tRPC: `${first.url}/trpc`,
    database: `embedded PostgreSQL, data in ${dataDir}`,
    admin: `${adminKey} (generated now, kept in ${dataDir}/admin-api-key)`,
  });
  // Read by a person (pretty-printed on a terminal: the message, then each field in order): where
  // the docs are and the admin key come right after the URL.
  expect(Object.keys(banner).filter((k) => !['level', 'time', 'msg'].includes(k)).slice(0, 2)).toEqual(['docs', 'admin']);
  // Today's start-up grant ends before the user exists (it would pay the user 5 otherwise, in either run:
  // the catch-up runs beside the first calls, and a slow start let it pay the user).
  for (const started = Date.now(); !first.logs.some((l) => String(l.msg).startsWith('grant program daily')); ) {
    if (Date.now() - started > 30_000) throw new Error('the start-up grant did not finish in 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const client = createCreditsClient({ url: first.url, apiKey: adminKey });
  const user = await client.users.create.mutate({ email: 'restart@example.com', name: 'Restart', externalId: 'auth0|restart' });
  await client.credits.recharge.mutate({ userId: user.id, amount: 12.3456 });
  await client.credits.consume.mutate({ userId: 'auth0|restart', amount: 2 });
  expect(await first.stop('SIGTERM')).toBe(0);
  expect(first.logs.map((l) => l.msg)).toContain('stopped');

  const second = await startServiceProcess({ DATA_DIR: dataDir });
  try {
    const again = createCreditsClient({ url: second.url, apiKey: adminKey });
    expect(await again.users.get.query({ userId: 'auth0|restart' })).toEqual(user);
    expect((await again.credits.balance.query({ userId: user.id })).balance).toBe(10.3456);
    expect((await again.credits.transactions.query({ userId: user.id })).items).toHaveLength(2);
    expect((await again.credits.reconcile.query()).ok).toBe(true);
    // The second start found the cluster, created nothing, and found no PostgreSQL left running.
    const messages = second.logs.map((l) => String(l.msg));
    expect(JSON.stringify(second.logs)).not.toContain(adminKey);
    expect(second.logs.find((l) => String(l.msg).startsWith('Credits service listening on'))).toMatchObject({
      admin: `the key in ${dataDir}/admin-api-key`,
    });
    expect(messages).not.toContain('creating the embedded PostgreSQL cluster (first run)');
    expect(messages.filter((m) => m.startsWith('stopping a PostgreSQL left running'))).toEqual([]);
  } finally {
    expect(await second.stop('SIGINT')).toBe(0);
  }
});
