import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createCreditsClient } from '@credits/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Running, startCredits, startRecordsProcess } from './support/processes';

/**
 * The records service and the credits service it depends on: its own `service` key (made once
 * with the credits admin key, kept in its data directory), never the admin key; `/health` and
 * `/ready` when the credits service does not answer or refuses the key; HEAD wherever GET works;
 * start-up errors that a setting fixes, each one line.
 */

const ADMIN = 'records-link-credits-admin-key';
const RECORDS_ADMIN = 'records-link-admin-key-0123';

let creditsDb: string;
let credits: Running;
const dirs: string[] = [];
const running: Running[] = [];
const admin = () => createCreditsClient({ url: credits.url, apiKey: ADMIN, retry: false });
const tempDir = async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'records-link-'));
  dirs.push(dir);
  return dir;
};
/** The records service as its own process, stopped after the file. */
const records = async (env: Record<string, string>) => {
  const started = await startRecordsProcess({ CREDITS_URL: credits.url, RECORDS_DATABASE_URL: await createDatabase('records'), RECORDS_ADMIN_KEY: RECORDS_ADMIN, ...env });
  running.push(started);
  return started;
};
/** What the process printed when it stopped during start-up. */
const failure = (env: Record<string, string>) =>
  startRecordsProcess({ CREDITS_URL: credits.url, RECORDS_ADMIN_KEY: RECORDS_ADMIN, ...env }).then(
    async (started) => {
      await started.stop();
      throw new Error('it started');
    },
    (error: Error) => error.message.replace('services/records/src/main.ts exited during start-up\n', ''),
  );
const banner = (service: Running) => service.logs.find((l) => String(l.msg).startsWith('Records service listening on'))!;
const recordsKeys = async () => (await admin().apiKeys.list.query({ limit: 200 })).items.filter((k) => k.name === 'records service');
const signup = async (service: Running, email: string) =>
  (await fetch(`${service.url}/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Link', email }) })).status;

/** A loopback port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  creditsDb = await createDatabase('credits');
  credits = await startCredits({ DATABASE_URL: creditsDb, ADMIN_API_KEY: ADMIN });
}, 120_000);

afterAll(async () => {
  for (const service of running) await service.stop();
  await credits?.stop();
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

describe('its key for the credits service', () => {
  it('is a service key made on the first start with ADMIN_API_KEY, kept under DATA_DIR, and used from then on', async () => {
    const dataDir = await tempDir();
    const before = (await recordsKeys()).length;
    const first = await records({ DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN });
    const file = path.join(dataDir, 'records', 'credits-api-key');
    const key = (await fs.readFile(file, 'utf8')).trim();
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(banner(first)).toMatchObject({ creditsKey: `a service key made now, kept in ${file}` });
    expect(await createCreditsClient({ url: credits.url, apiKey: key }).auth.whoami.query()).toMatchObject({ kind: 'service' });
    expect(await recordsKeys()).toHaveLength(before + 1);
    expect(await signup(first, 'link-first@example.com')).toBe(200);
    await first.stop();

    // Later starts need no admin key: the kept key is used, and no other is made.
    const second = await records({ DATA_DIR: dataDir });
    expect(banner(second)).toMatchObject({ creditsKey: `the service key in ${file}` });
    expect(await recordsKeys()).toHaveLength(before + 1);
    expect(await signup(second, 'link-second@example.com')).toBe(200);
  });

  it('is made with the admin key the credits service generated into DATA_DIR, as a first `pnpm start` leaves it', async () => {
    const dataDir = await tempDir();
    await fs.writeFile(path.join(dataDir, 'admin-api-key'), `${ADMIN}\n`, { mode: 0o600 });
    const service = await records({ DATA_DIR: dataDir });
    expect(banner(service)).toMatchObject({ creditsKey: `a service key made now, kept in ${path.join(dataDir, 'records', 'credits-api-key')}` });
    expect(await signup(service, 'link-file@example.com')).toBe(200);
  });

  it('is never the admin key: given one, the service does not start', async () => {
    expect(await failure({ CREDITS_API_KEY: ADMIN, RECORDS_DATA_DIR: await tempDir() })).toBe(
      'the key in CREDITS_API_KEY is not a service key of the credits service: the records service never runs on an admin key; give it a key of scope service (apiKeys.create)\n',
    );
  });

  it('without one, and without an admin key to make one, the service says what to set', async () => {
    const dataDir = await tempDir();
    expect(await failure({ DATA_DIR: dataDir })).toBe(
      `no key for the credits service: set CREDITS_API_KEY to a service key, or ADMIN_API_KEY so that one is made (there is no ${path.join(dataDir, 'admin-api-key')})\n`,
    );
    expect(await failure({ DATA_DIR: dataDir, ADMIN_API_KEY: 'not-the-admin-key-at-all' })).toBe(
      `the credits service at ${credits.url} refused the admin key in ADMIN_API_KEY: set ADMIN_API_KEY to its admin key, or CREDITS_API_KEY to a service key\n`,
    );
  });
});

describe('/health and /ready', () => {
  it('say degraded and 503 while the credits service does not answer or refuses the key, and recover with it', async () => {
    // A credits service of its own, to stop and start again on its port.
    const ownDb = await createDatabase('credits');
    const own = await startCredits({ DATABASE_URL: ownDb, ADMIN_API_KEY: ADMIN });
    running.push(own);
    const port = new URL(own.url).port;
    const key = await createCreditsClient({ url: own.url, apiKey: ADMIN }).apiKeys.create.mutate({ name: 'records service', scope: 'service' });
    const service = await records({ CREDITS_URL: own.url, CREDITS_API_KEY: key.key });
    const state = async () => {
      const [health, ready] = await Promise.all([fetch(`${service.url}/health`), fetch(`${service.url}/ready`)]);
      return { health: [health.status, await health.json()], ready: [ready.status, await ready.json()] };
    };
    expect(await state()).toEqual({ health: [200, { status: 'healthy' }], ready: [200, { status: 'ready' }] });

    await own.stop();
    expect(await state()).toEqual({
      health: [200, { status: 'degraded', credits: 'unreachable' }],
      ready: [503, { detail: 'Not ready: credits service unreachable' }],
    });

    const again = await startCredits({ DATABASE_URL: ownDb, ADMIN_API_KEY: ADMIN, PORT: port });
    running.push(again);
    expect(await state()).toEqual({ health: [200, { status: 'healthy' }], ready: [200, { status: 'ready' }] });

    await createCreditsClient({ url: again.url, apiKey: ADMIN }).apiKeys.revoke.mutate({ id: key.id });
    expect(await state()).toEqual({
      health: [200, { status: 'degraded', credits: 'key refused' }],
      ready: [503, { detail: 'Not ready: credits service key refused' }],
    });
  });

  it('a credits service that does not answer yet does not stop the start-up: it starts degraded and says so', async () => {
    const key = await admin().apiKeys.create.mutate({ name: 'records service', scope: 'service' });
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    const service = await records({ CREDITS_URL: nowhere, CREDITS_API_KEY: key.key });
    expect(service.logs.map((l) => l.msg)).toContain('the credits service is unreachable: /health says degraded until it answers');
    expect(await (await fetch(`${service.url}/health`)).json()).toEqual({ status: 'degraded', credits: 'unreachable' });
    expect((await fetch(`${service.url}/ready`)).status).toBe(503);
  });
});

describe('HEAD', () => {
  it('is answered wherever GET is, as GET is (status, headers, charge) but without a body', async () => {
    const dataDir = await tempDir();
    const service = await records({ DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN });
    const up = await fetch(`${service.url}/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Head', email: 'head@example.com' }) });
    const user = (await up.json()) as { user_id: number; api_key: string };
    const head = async (route: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${service.url}${route}`, { method: 'HEAD', headers });
      return [res.status, res.headers.get('content-type'), await res.text()];
    };
    expect(await head('/health')).toEqual([200, 'application/json', '']);
    expect(await head('/ready')).toEqual([200, 'application/json', '']);
    expect(await head('/query?limit=10')).toEqual([401, 'application/json', '']);
    expect(await head('/query?limit=10', { 'x-api-key': user.api_key })).toEqual([200, 'application/json', '']);
    expect(await head('/record/nobody_here', { 'x-api-key': user.api_key })).toEqual([404, 'application/json', '']);
    expect(await head('/nowhere')).toEqual([404, 'application/json', '']);
    // The HEAD of a query ran it, and was charged as its GET is.
    expect((await admin().credits.balance.query({ userId: user.user_id })).balance).toBe(99);
  });
});

describe('start-up errors', () => {
  it('a taken RECORDS_PORT is said in one line, before the database is set up', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    const dataDir = await tempDir();
    try {
      expect(await failure({ RECORDS_PORT: String(port), DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN })).toBe(`RECORDS_PORT ${port} is in use (set RECORDS_PORT to another port)\n`);
      expect(existsSync(path.join(dataDir, 'records'))).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('a RECORDS_DATABASE_URL that does not answer is named with its host, never its password', async () => {
    const closed = await closedPort();
    const key = await admin().apiKeys.create.mutate({ name: 'records service', scope: 'service' });
    expect(await failure({ CREDITS_API_KEY: key.key, RECORDS_DATABASE_URL: `postgres://records:s3cret-pass@127.0.0.1:${closed}/records` })).toBe(
      `RECORDS_DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:${closed}/records (connection refused: is PostgreSQL running there?)\n`,
    );
  });
});
