import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCreditsClient } from '@credits/client';
import { createLogger, runningEmbeddedUrl, startEmbeddedPostgres } from '@credits/runtime';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { freePort, holdersOf, type PnpmStart, pnpmStart, root, stillRunning } from './support/processes';

/**
 * `pnpm start`, run as a person runs it: one command for both services that starts them as a
 * pair, stops them as a pair (in-flight calls answered, nothing left running) and fails as a
 * pair, within seconds, saying which setting to change.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pnpm-start-'));
  dirs.push(dir);
  return dir;
};
const runs: PnpmStart[] = [];
const start = (env: Record<string, string>) => {
  const run = pnpmStart(env);
  runs.push(run);
  return run;
};
/** A signal to a process (or with a negative pid, a group) that may have gone meanwhile. */
function kill(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
afterEach(() => {
  // A failed test must not leave its services running for the next one (nor its clients calling them).
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) kill(-run.child.pid!, 'SIGKILL');
    for (const p of stillRunning(run.seen.values())) kill(p.pid, 'SIGKILL');
  }
});
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

/** After pnpm start has exited: nothing it started still runs, nothing holds its data directory. */
function expectNothingLeft(run: PnpmStart, dataDir: string) {
  expect(stillRunning(run.seen.values()).map((p) => `${p.pid} ${p.cmdline}`)).toEqual([]);
  expect(holdersOf(dataDir)).toEqual([]);
  expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  expect(existsSync(path.join(dataDir, 'records', 'pg', 'postmaster.pid'))).toBe(false);
}

type Outcome = 'answered' | 'turned away' | 'no connection' | `unexpected: ${string}`;
interface Call {
  key: string;
  outcome?: Outcome;
}

/** One call's outcome: an answer (the work was done or refused), a drain's 503 (never started), no connection, or anything else, which is a failure. */
async function outcomeOf(request: Promise<Response>): Promise<Outcome> {
  let res: Response;
  try {
    res = await request;
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    // Refused, or a kept-alive connection the server closed as idle before this request reached it.
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'no connection';
    return `unexpected: ${String(error)} ${code}`;
  }
  const body = await res.text();
  if (res.status === 200) return 'answered';
  if (res.status === 503 && body === '{"detail":"The service is shutting down; retry"}' && res.headers.get('connection') === 'close') return 'turned away';
  return `unexpected: ${res.status} ${body}`;
}

/** A data directory whose clusters exist (a second start, as most are): made by the first test that needs one. */
let pairDir: string | undefined;
const pairedDir = async (): Promise<string> => {
  pairDir ??= await tempDir();
  return pairDir;
};

describe('stopping', () => {
  // Settings as users change them: other ports and the generated admin key; any free ports
  // (PORT=0: the records service must learn where credits listens) and an admin key of one's own.
  it.each([
    ['SIGTERM to the pnpm process', 'other ports, the generated admin key', 'SIGTERM'],
    ['Ctrl-C (SIGINT to its process group, as a terminal sends it)', 'PORT=0, RECORDS_PORT=0, ADMIN_API_KEY', 'SIGINT'],
  ] as const)('%s under load from 16 clients (%s): every call in flight answered, then nothing left running', async (_, _settings, signal) => {
    const dataDir = signal === 'SIGTERM' ? await pairedDir() : await tempDir();
    const env: Record<string, string> =
      signal === 'SIGTERM'
        ? { PORT: String(await freePort()), RECORDS_PORT: String(await freePort()), DATA_DIR: dataDir }
        : { PORT: '0', RECORDS_PORT: '0', DATA_DIR: dataDir, ADMIN_API_KEY: 'pnpm-start-admin-key-0123' };
    const run = start(env);
    const urls = await run.up;
    const adminKey = env.ADMIN_API_KEY ?? (await fs.readFile(path.join(dataDir, 'admin-api-key'), 'utf8')).trim();
    const admin = createCreditsClient({ url: urls.credits, apiKey: adminKey, retry: false });

    if (signal === 'SIGTERM') {
      // The README's quickstart finds this service from the same settings.
      const quickstart = await promisify(execFile)('pnpm', ['quickstart'], { cwd: root, env: { ...process.env, ...env } });
      expect(quickstart.stdout).toMatch(/charged 0\.25, balance 10\.25\nrefused: needs 100, has 10\.25/);
    }

    // Users of each service: credits users, and records users signed up through the records service.
    const creditsUsers = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const user = await admin.users.create.mutate({ email: `load-${signal}-${i}@example.com`, name: 'Load' });
        await admin.credits.recharge.mutate({ userId: user.id, amount: 10_000 });
        return user.id;
      }),
    );
    const recordsUsers = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const res = await fetch(`${urls.records}/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Reader', email: `reader-${signal}-${i}@example.com` }) });
        expect(res.status).toBe(200);
        const user = (await res.json()) as { user_id: number; api_key: string };
        await admin.credits.recharge.mutate({ userId: user.user_id, amount: 10_000 });
        return user;
      }),
    );
    const consume = (userId: number, key: string) =>
      fetch(`${urls.credits}/trpc/credits.consume`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ json: { userId, amount: 0.01, idempotencyKey: key } }),
      });
    const query = (apiKey: string, key: string) => fetch(`${urls.records}/query?limit=5`, { headers: { 'x-api-key': apiKey, 'idempotency-key': key } });

    const [heldCredits, ...loadCredits] = creditsUsers;
    const [heldRecords, ...loadRecords] = recordsUsers;

    // 16 clients, 8 on each service, each calling again as soon as it has its answer.
    const calls: { service: 'credits' | 'records'; call: Call }[] = [];
    let stop = false;
    onTestFinished(() => {
      stop = true;
    });
    const clients = Array.from({ length: 16 }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        const call: Call = { key: `load-${signal}-${c}-${i}` };
        const service = c % 2 ? 'records' : 'credits';
        calls.push({ service, call });
        call.outcome = await outcomeOf(service === 'credits' ? consume(loadCredits[c % 4]!, call.key) : query(loadRecords[c % 4]!.api_key, call.key));
        if (call.outcome !== 'answered') await sleep(20);
      }
    });
    // Load under way on both services before the signal, however loaded the machine.
    const answeredBy = (service: 'credits' | 'records') => calls.filter((c) => c.service === service && c.call.outcome === 'answered').length;
    for (const until = Date.now() + 20_000; (answeredBy('credits') <= 10 || answeredBy('records') <= 10) && Date.now() < until; ) await sleep(50);

    // Calls certainly in flight when the signal comes: queued behind balance rows held from outside.
    // Held only from here, once the load is under way, so that they wait well within the statement timeout.
    const lock = new pg.Client({ connectionString: await runningEmbeddedUrl(dataDir, 'credits') });
    // Its connection is cut when a failed test's services are killed: an error to ignore, not to throw.
    lock.on('error', () => undefined);
    let locked = true;
    onTestFinished(() => (locked ? lock.end().catch(() => undefined) : undefined));
    await lock.connect();
    await lock.query('begin');
    await lock.query('select 1 from credits where user_id = any($1) for update', [[heldCredits, heldRecords!.user_id]]);
    const held: Call[] = [];
    const heldCalls = Array.from({ length: 6 }, (_, i) => {
      const call: Call = { key: `held-${signal}-${i}` };
      held.push(call);
      const request = i % 2 ? query(heldRecords!.api_key, call.key) : consume(heldCredits!, call.key);
      return outcomeOf(request).then((outcome) => (call.outcome = outcome));
    });
    // Behind this lock, directly or behind a session that waits for it (the held calls of both services
    // may be one combined statement), not behind each other: the load's calls contend for their own rows too.
    const blocked = async () =>
      (
        await lock.query<{ n: number }>(`
          with recursive behind(pid) as (
            select pid from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))
            union select a.pid from pg_stat_activity a join behind on behind.pid = any(pg_blocking_pids(a.pid)))
          select count(*)::int as n from behind`)
      ).rows[0]!.n;
    while ((await blocked()) < 1) await sleep(50);
    // The six were sent together; the rest of them reach their servers meanwhile.
    await sleep(300);

    if (signal === 'SIGTERM') run.child.kill('SIGTERM');
    else kill(-run.child.pid!, 'SIGINT');
    const signalled = performance.now();
    await sleep(1_000);
    // Still draining: both services wait for the held calls (records' through credits).
    expect(run.child.exitCode).toBeNull();
    await lock.query('commit');
    await lock.end();
    locked = false;
    const { code, at } = await run.exited;
    stop = true;
    await Promise.all([...heldCalls, ...clients]);

    expect(code, run.output()).toBe(0);
    expect(at - signalled).toBeLessThan(10_000);
    expect(held.map((c) => c.outcome)).toEqual(Array(6).fill('answered'));
    expect(calls.filter(({ call }) => call.outcome?.startsWith('unexpected'))).toEqual([]);
    const answered = calls.filter(({ call }) => call.outcome === 'answered');
    expect(answered.filter((c) => c.service === 'credits').length).toBeGreaterThan(10);
    expect(answered.filter((c) => c.service === 'records').length).toBeGreaterThan(10);
    // The load went on after the signal: some calls were turned away or found no listener.
    expect(calls.some(({ call }) => call.outcome === 'turned away' || call.outcome === 'no connection')).toBe(true);
    expectNothingLeft(run, dataDir);

    // Exactly the answered calls took effect: none that was cut off was applied, none answered was lost.
    const database = await startEmbeddedPostgres(dataDir, 'credits', createLogger('warn'));
    const ledger = new pg.Client({ connectionString: database.url });
    await ledger.connect();
    try {
      const consumes = (await ledger.query<{ key: string }>(`select idempotency_key as key from credit_transactions where idempotency_key like $1`, [`%-${signal}-%`])).rows.map((r) => r.key);
      const charged = (await ledger.query<{ key: string }>(`select substr(idempotency_key, 9) as key from usage_records where idempotency_key like $1 and transaction_id is not null`, [`records:%-${signal}-%`])).rows.map((r) => r.key);
      const everything = [...held.map((call) => ({ service: held.indexOf(call) % 2 ? 'records' : 'credits', call })), ...calls];
      const expected = (service: string) =>
        everything
          .filter((c) => c.service === service && c.call.outcome === 'answered')
          .map((c) => c.call.key)
          .sort();
      expect(consumes.sort()).toEqual(expected('credits'));
      expect(charged.sort()).toEqual(expected('records'));
    } finally {
      await ledger.end();
      await database.stop();
    }
  });

  it('a supervisor killed outright (SIGKILL) leaves nothing behind: the services see its channel close and stop', async () => {
    const dataDir = await pairedDir();
    const run = start({ PORT: String(await freePort()), RECORDS_PORT: String(await freePort()), DATA_DIR: dataDir });
    await run.up;
    const supervisor = [...run.seen.values()].find((p) => p.cmdline.includes('scripts/start.ts'))!;
    kill(supervisor.pid, 'SIGKILL');
    await run.exited;
    for (let waited = 0; stillRunning(run.seen.values()).length > 0 && waited < 20_000; waited += 100) await sleep(100);
    expectNothingLeft(run, dataDir);
  });
});

describe('failing to start', () => {
  /** Fails within 10 s (after the build), exit code not 0, its output naming what to change, nothing left behind. */
  async function expectFailure(env: Record<string, string>, says: string | RegExp, dataDir: string) {
    const run = start({ DATA_DIR: dataDir, ...env });
    const { code, at } = await run.exited;
    expect(at - run.supervisorStartedAfter()).toBeLessThan(10_000);
    expect(code, run.output()).not.toBe(0);
    expect(run.output()).toMatch(says);
    expectNothingLeft(run, dataDir);
    return run.output();
  }

  async function taken(): Promise<{ port: number; close(): void }> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
  }

  it('a taken PORT or RECORDS_PORT: exit 1 within 10 s, naming the variable, nothing started', async () => {
    const port = await taken();
    try {
      for (const variable of ['PORT', 'RECORDS_PORT']) {
        const dataDir = await tempDir();
        const other = variable === 'PORT' ? 'RECORDS_PORT' : 'PORT';
        await expectFailure({ [variable]: String(port.port), [other]: String(await freePort()) }, `${variable} ${port.port} is in use (set ${variable} to another port)`, dataDir);
        expect(await fs.readdir(dataDir)).toEqual([]);
      }
    } finally {
      port.close();
    }
  });

  it('a bad setting of the credits service: exit 1, its message last, the records service never started', async () => {
    const output = await expectFailure({ PORT: 'abc', RECORDS_PORT: String(await freePort()) }, /Invalid configuration: PORT: /, await tempDir());
    expect(output).toMatch(/\npnpm start: the credits service did not start: Invalid configuration: PORT: /);
    expect(output).not.toMatch(/Records service/);
  });

  it('an unreachable DATABASE_URL: exit 1 within 10 s, naming the variable and the host', async () => {
    const closed = await freePort();
    const output = await expectFailure(
      { PORT: String(await freePort()), RECORDS_PORT: String(await freePort()), DATABASE_URL: `postgres://credits:secret@127.0.0.1:${closed}/credits` },
      `DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:${closed}/credits (connection refused: is PostgreSQL running there?)`,
      await tempDir(),
    );
    expect(output).not.toContain('secret');
  });

  it('an unreachable RECORDS_DATABASE_URL: the credits service, already up, is stopped too; exit 1 within 10 s', async () => {
    // A data directory whose credits cluster exists already (a second start), as a user's would.
    if (!pairDir) {
      pairDir = await tempDir();
      const first = start({ PORT: String(await freePort()), RECORDS_PORT: String(await freePort()), DATA_DIR: pairDir });
      await first.up;
      first.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
    }
    const dataDir = pairDir;

    const closed = await freePort();
    const output = await expectFailure(
      { PORT: String(await freePort()), RECORDS_PORT: String(await freePort()), RECORDS_DATABASE_URL: `postgres://records:secret@127.0.0.1:${closed}/records` },
      `RECORDS_DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:${closed}/records (connection refused: is PostgreSQL running there?)`,
      dataDir,
    );
    expect(output).toMatch(/pnpm start: the records service did not start: RECORDS_DATABASE_URL: /);
  });
});
