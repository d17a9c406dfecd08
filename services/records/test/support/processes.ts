import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import { inject } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../../..');

export interface Running {
  url: string;
  child: ChildProcess;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A service as its own process, from its source; resolves when it logs that it listens. */
async function startProcess(entry: string, env: Record<string, string>, ready: RegExp): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, entry)], {
    cwd: root,
    // The records service's tsconfig maps @credits/client to its source: no build needed first.
    env: { ...process.env, LOG_LEVEL: 'info', TSX_TSCONFIG_PATH: path.join(root, 'services/records/tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start in 60 s\n${stderr}`)), 60_000);
    // What it said on the way out: an expected error's one line on stderr, or an unexpected one's log entry.
    const errors = () => logs.filter((l) => Number(l.level) >= 50).map((l) => `${JSON.stringify(l)}\n`).join('');
    void exited.then(() => reject(new Error(`${entry} exited during start-up\n${stderr}${errors()}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      const match = ready.exec(String(entry.msg));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return {
    url,
    child,
    logs,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

/** An empty database of its own in the run's cluster. */
export async function createDatabase(prefix: string): Promise<string> {
  const cluster = new URL(inject('clusterUrl'));
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: cluster.toString() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return Object.assign(cluster, { pathname: `/${name}` }).toString();
}

export const startCredits = (env: Record<string, string>) =>
  startProcess('services/credits/src/main.ts', { DAILY_GRANT_ENABLED: 'false', PORT: '0', ...env }, /^Credits service listening on (\S+)/);

export const startRecordsProcess = (env: Record<string, string>) =>
  startProcess('services/records/src/main.ts', { RECORDS_PORT: '0', ...env }, /^Records service listening on (\S+)/);
