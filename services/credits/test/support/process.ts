import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from './ports';

const serviceDir = path.resolve(import.meta.dirname, '../..');

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The service as it runs in production: `main.ts` in its own process, JSON logs on stdout. Up
 * once its banner says where it listens; at a LOG_LEVEL that hides the banner (warn, say: a load
 * test must not be slowed by a test process reading its every log line), once /health answers on
 * the port chosen here.
 */
export async function startServiceProcess(env: Record<string, string>, options: { ownProcessGroup?: boolean } = {}): Promise<ServiceProcess> {
  const quiet = env.LOG_LEVEL !== undefined && !['info', 'debug', 'trace'].includes(env.LOG_LEVEL);
  const port = env.PORT ?? (quiet ? String(await freePort()) : '0');
  // The heap sized as `pnpm start` does (the README's "Memory"), so memory is measured as run.
  const child = spawn(process.execPath, ['--max-semi-space-size=8', '--max-old-space-size=512', '--import', 'tsx', 'src/main.ts'], {
    cwd: serviceDir,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
    // As a shell starts a command: the test can then send the group Ctrl-C's SIGINT.
    detached: options.ownProcessGroup ?? false,
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in 60 s\n${stderr}`)), 60_000);
    exited.then((code) => reject(new Error(`service exited with ${code} during start-up\n${stderr}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      const listening = /^Credits service listening on (\S+)/.exec(String(entry.msg));
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]!);
      }
    });
    if (quiet) {
      void (async () => {
        const url = `http://127.0.0.1:${port}`;
        while (child.exitCode === null && !(await fetch(`${url}/health`).then((r) => r.ok, () => false))) {
          await new Promise((r) => setTimeout(r, 100));
        }
        clearTimeout(timer);
        resolve(url);
      })();
    }
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
