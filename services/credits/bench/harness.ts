/**
 * What every benchmark needs: a real PostgreSQL (the embedded one), users in it, the service as
 * its own process (built as `pnpm start` runs it), SDK callers over HTTP, and plain `pg` for the
 * raw-SQL baselines against the same database.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { CreditsClient } from '@credits/client';
import pg from 'pg';
import { createLogger, startEmbeddedPostgres } from '@credits/runtime';
import { openDatabase } from '../src/db/orm';

export const ADMIN_KEY = 'bench-admin-key-0123456789';

export async function startDatabase() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-bench-'));
  const log = createLogger('warn');
  const database = await startEmbeddedPostgres(dataDir, 'credits', log);
  await (await openDatabase(database.url, 2, log)).close(); // migrations
  const pool = new pg.Pool({ connectionString: database.url, max: 64 });
  pool.on('error', () => undefined); // idle connections dropped when the database stops at the end
  return {
    url: database.url,
    pool,
    async stop() {
      await pool.end();
      await database.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `count` users holding `balance` each, in one paid bucket, with the ledger row that explains it
 * (an `adjust`), so that balance = sum of the buckets = sum of the ledger from the start. User `n` has the external id `bench|n`.
 * Set-based, in batches.
 */
export async function seedUsers(pool: pg.Pool, count: number, balance: number): Promise<void> {
  const batch = 100_000;
  for (let from = 1; from <= count; from += batch) {
    const to = Math.min(count, from + batch - 1);
    await pool.query(
      `with made as (
         insert into users (email, name, external_id)
         select 'bench-' || g || '@example.com', 'Bench ' || g, 'bench|' || g from generate_series($1::int, $2::int) g
         returning id
       ), funded as (
         insert into credits (user_id, balance) select id, $3 from made returning user_id
       ), filled as (
         insert into credit_buckets (user_id, category, priority, amount, remaining, effective_at, source)
         select user_id, 'paid', 50, $3, $3, now(), 'set' from funded returning id, user_id
       )
       insert into credit_transactions (user_id, type, amount, balance_before, balance_after, description, allocations)
       select user_id, 'adjust', $3, 0, $3, 'bench seed', jsonb_build_array(jsonb_build_object('bucketId', id, 'amount', $3::numeric)) from filled`,
      [from, to, balance],
    );
  }
  await pool.query('vacuum analyze');
}

export interface ServiceProcess {
  url: string;
  /** The process's peak resident memory so far, sampled every 250 ms. */
  rssMb(): number;
  stop(): Promise<void>;
}

/**
 * The built credits service (dist/main.js), on its own port, against `databaseUrl`, as `pnpm
 * start` runs it: its default log level (LOG_LEVEL in `env` to change it), its log lines written
 * as ever, to a stdout that is /dev/null.
 */
export const startService = (databaseUrl: string, env: Record<string, string> = {}, nodeArgs: string[] = []) =>
  spawnBuilt(path.resolve(import.meta.dirname, '..'), 'PORT', {
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEY: ADMIN_KEY,
    DAILY_GRANT_ENABLED: 'false',
    DB_POOL_SIZE: '20',
    // The events bench's webhook receiver is on loopback.
    WEBHOOKS_ALLOW_PRIVATE: 'true',
    ...env,
  }, nodeArgs);

/** A built service of this workspace (its dist/main.js) as its own process, on a free port given in `portVariable`. */
export async function spawnBuilt(serviceDir: string, portVariable: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ServiceProcess> {
  const port = await freePort();
  // As `pnpm start` runs it (the README's "Memory": the heap sized, for RSS).
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', '--max-semi-space-size=8', '--max-old-space-size=512', ...nodeArgs, 'dist/main.js'], {
    cwd: serviceDir,
    env: { ...process.env, ...env, [portVariable]: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${serviceDir} exited with ${child.exitCode}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (i > 600) throw new Error(`${serviceDir} did not answer /health in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let peakMb = 0;
  const sample = () => {
    if (child.exitCode !== null) return;
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
    peakMb = Math.max(peakMb, kb / 1024);
  };
  const sampler = setInterval(sample, 250);
  return {
    url,
    rssMb: () => {
      sample();
      return peakMb;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(sampler);
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What a group of SDK scenarios gets from the bench: the database, the service's clients, the load's size. */
export interface SdkBench {
  pool: pg.Pool;
  /** Batching on, as the SDK's users get it. */
  client: CreditsClient;
  /** Unbatched: set-up and control calls, one per request. */
  admin: CreditsClient;
  users: number;
  callers: number;
  seconds: number;
  rssMb: () => number;
}

export interface Latencies {
  ops: number;
  seconds: number;
  p50: number;
  p99: number;
}

/**
 * `concurrency` callers, each calling `op` back to back until `stop()` resolves (or `seconds`
 * pass); latencies in ms. Failed calls count as calls (a refusal is an answer), thrown ones abort.
 */
export async function drive(concurrency: number, op: (i: number) => Promise<unknown>, until: Promise<unknown> | number): Promise<Latencies> {
  const samples: number[] = [];
  let done = false;
  const stop = typeof until === 'number' ? new Promise((resolve) => setTimeout(resolve, until * 1000)) : until;
  void stop.then(() => (done = true));
  const started = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!done) {
        const t = performance.now();
        await op(n++);
        samples.push(performance.now() - t);
      }
    }),
  );
  await stop;
  const seconds = (performance.now() - started) / 1000;
  return { ops: samples.length, seconds, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

/** The `q` quantile of latencies in ms (NaN for none). */
export function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export const ms = (started: number) => performance.now() - started;

/** Calls a grant run until it has completed: a run longer than a call answers `running` and goes on (calling again joins it). */
export async function untilCompleted<R extends { status: 'completed' | 'running' }>(call: () => Promise<R>): Promise<R> {
  for (;;) {
    const result = await call();
    if (result.status === 'completed') return result;
  }
}
