import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface Postgres15 {
  /** The `credits` database on it. */
  url: string;
  /** pg_ctl stop in the given mode (`immediate`: a crash, as far as clients can tell). */
  stop(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL 15 server of the machine's packages (not the embedded one), in a temporary
 * directory, that a test may stop and start under the service. PostgreSQL refuses to run as
 * root, so as root it runs as the `postgres` user.
 */
export async function startPostgres15(): Promise<Postgres15> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-pg15-'));
  const dataDir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await run('chown', ['postgres:postgres', dir]);
  const pgRun = (command: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args));

  await pgRun(`${BIN}/initdb`, ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // Loopback only; fsync off keeps it quick (an immediate stop is a crash of PostgreSQL, not of the machine).
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = () => pgRun(`${BIN}/pg_ctl`, ['-D', dataDir, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', options, 'start']).then(() => undefined);
  const stop = (mode = 'fast') => pgRun(`${BIN}/pg_ctl`, ['-D', dataDir, '-w', '-m', mode, 'stop']).then(() => undefined);
  await start();

  const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('create database credits');
  await admin.end();

  return {
    url: `postgresql://postgres@127.0.0.1:${port}/credits`,
    stop,
    start,
    async destroy() {
      await stop('immediate').catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
