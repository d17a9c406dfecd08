import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports';

/** Debian's pgbouncer (`apt-get install pgbouncer`; .ci/run installs it), or undefined. */
export const pgbouncerBinary = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((file) => existsSync(file));

export interface PgBouncer {
  /** `upstreamUrl` with its host and port replaced by PgBouncer's. */
  url: string;
  /** A query on PgBouncer's admin console (SHOW POOLS, SHOW CONFIG...), as rows. */
  show(command: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/**
 * PgBouncer on loopback in transaction pool mode in front of `upstreamUrl`'s server, with at most
 * `serverConnections` connections to it, so clients really share server connections and anything
 * relying on session state breaks. PgBouncer refuses to run as root: as root it runs as `postgres`
 * (the user the embedded PostgreSQL runs as).
 */
export async function startPgBouncer(upstreamUrl: string, serverConnections: number): Promise<PgBouncer> {
  if (!pgbouncerBinary) throw new Error('pgbouncer is not installed (apt-get install pgbouncer)');
  const upstream = new URL(upstreamUrl);
  const user = decodeURIComponent(upstream.username);
  const password = decodeURIComponent(upstream.password);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pgbouncer-'));
  await fs.chmod(dir, 0o777); // written by the unprivileged user PgBouncer runs as
  const port = await freePort();
  await fs.writeFile(path.join(dir, 'userlist.txt'), `"${user}" ""\n`);
  await fs.writeFile(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${upstream.hostname} port=${upstream.port} user=${user} password=${password}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      // Loopback only, in a test: the server side still authenticates with the password above.
      'auth_type = trust',
      `auth_file = ${dir}/userlist.txt`,
      `admin_users = ${user}`,
      'pool_mode = transaction',
      `default_pool_size = ${serverConnections}`,
      'max_client_conn = 500',
      // Session settings a client may send at start-up; in transaction mode they cannot hold, so
      // PgBouncer must drop them rather than refuse the connection (see docs/scaling.md).
      'ignore_startup_parameters = extra_float_digits,options,statement_timeout,idle_in_transaction_session_timeout,lock_timeout',
      `logfile = ${dir}/pgbouncer.log`,
      `pidfile = ${dir}/pgbouncer.pid`,
      '',
    ].join('\n'),
  );
  const ini = path.join(dir, 'pgbouncer.ini');
  await fs.chmod(ini, 0o644);

  const asRoot = process.getuid?.() === 0;
  const runAs = asRoot ? ['postgres', 'nobody'].find((name) => userExists(name)) : undefined;
  if (asRoot && !runAs) throw new Error('running as root and no postgres or nobody user to run pgbouncer as');
  const child: ChildProcess = runAs
    ? spawn('runuser', ['-u', runAs, '--', pgbouncerBinary, ini], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(pgbouncerBinary, [ini], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = Object.assign(new URL(upstreamUrl), { hostname: '127.0.0.1', port: String(port) }).toString();
  const admin = Object.assign(new URL(url), { pathname: '/pgbouncer', password: '' }).toString();
  const log = () => fs.readFile(path.join(dir, 'pgbouncer.log'), 'utf8').catch(() => '');

  for (let waited = 0; ; waited += 100) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (child.exitCode !== null || waited > 15_000) {
        child.kill();
        throw new Error(`pgbouncer did not start: ${(error as Error).message}\n${stderr}\n${await log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  return {
    url,
    async show(command) {
      // The admin console speaks only the simple query protocol: no parameters.
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        return (await client.query(command)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    async stop() {
      // The pidfile names pgbouncer itself; runuser may not pass a signal on.
      const pid = Number(await fs.readFile(path.join(dir, 'pgbouncer.pid'), 'utf8').catch(() => '0'));
      if (pid > 0) process.kill(pid, 'SIGTERM');
      else child.kill('SIGTERM');
      await exited;
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
