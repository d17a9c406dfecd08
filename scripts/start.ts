/**
 * `pnpm start`: the credits service, then the records service pointed at it, run as one program.
 *
 * - One environment for both: the records service reads the credits service's HOST, DATA_DIR and
 *   ADMIN_API_KEY itself, and is given CREDITS_URL, where the credits service started here
 *   listens (so PORT=0 works too).
 * - Ports are checked before anything starts; either service failing to start stops the other,
 *   and this exits 1 with that service's message as its last line.
 * - SIGINT (Ctrl-C) and SIGTERM stop both in dependency order: the records service first (its
 *   requests in flight still reach the credits service), then the credits service. Each drains
 *   its requests in flight, then stops its embedded PostgreSQL. Exit 0 once both stopped cleanly.
 * - The services run in process groups of their own, so a Ctrl-C at the terminal reaches only this
 *   process, which orders the stop. Should this process die, their IPC channel closes and each
 *   stops by itself (see runUntilStopped).
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { ensurePortFree, type ReadyMessage, StartupError } from '@credits/runtime';

const root = path.resolve(import.meta.dirname, '..');
/** As the README's "Memory" says to run the service (the records service too). */
const NODE_FLAGS = ['--enable-source-maps', '--max-semi-space-size=8', '--max-old-space-size=512'];

interface Service {
  name: 'credits' | 'records';
  child: ChildProcess;
  /** Its URL once it says it is up; rejects if it exits first. */
  ready: Promise<string>;
  exited: Promise<number>;
  /** Its last line on stderr: an expected start-up error is one line there. */
  lastError(): string | undefined;
}

const started: Service[] = [];
let stopping: Promise<never> | undefined;

/** Stops what runs, records first, then credits, and exits with `code` (1 if a service did not stop cleanly). */
function stopAll(code: number, why?: string): Promise<never> {
  stopping ??= (async () => {
    let worst = code;
    for (const service of [...started].reverse()) {
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGTERM');
      if ((await service.exited) !== 0 && code === 0) worst = 1;
    }
    if (why) console.error(`pnpm start: ${why}`);
    process.exit(worst);
  })();
  return stopping;
}

function start(name: Service['name'], env: NodeJS.ProcessEnv): Service {
  const child = fork(path.join(root, `services/${name}/dist/main.js`), [], {
    cwd: root,
    env,
    execArgv: NODE_FLAGS,
    detached: true,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let last: string | undefined;
  child.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    last = chunk.toString('utf8').trim().split('\n').at(-1) || last;
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const ready = new Promise<string>((resolve, reject) => {
    child.on('message', (message: ReadyMessage) => {
      if (typeof message?.ready === 'string') resolve(message.ready);
    });
    void exited.then((code) => reject(new Error(`exit code ${code}`)));
  });
  const service = { name, child, ready, exited, lastError: () => last };
  started.push(service);
  // Down after it was up, and not asked to: the pair is broken, so stop the other too.
  void ready.then(async () => {
    const code = await exited;
    if (!stopping) void stopAll(1, `the ${name} service stopped (exit code ${code}); the other is stopped too`);
  }, () => undefined);
  return service;
}

async function untilReady(service: Service): Promise<string> {
  try {
    return await service.ready;
  } catch {
    const reason = service.lastError();
    return stopAll(1, `the ${service.name} service did not start${reason ? `: ${reason}` : ''}`);
  }
}

/** A port setting as the services will read it; undefined when it is not one (the service says so). */
function portOf(variable: string, fallback: number): number | undefined {
  const value = process.env[variable];
  if (!value) return fallback;
  const port = Number(value);
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : undefined;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!stopping) console.error(`pnpm start: ${signal}: stopping the records service, then the credits service, once their requests in flight are answered`);
    void stopAll(0);
  });
}

try {
  const host = process.env.HOST || '127.0.0.1';
  const port = portOf('PORT', 8000);
  const recordsPort = portOf('RECORDS_PORT', 8001);
  if (port && port === recordsPort) throw new StartupError(`PORT and RECORDS_PORT are both ${port} (set one to another port)`);
  if (port !== undefined) await ensurePortFree('PORT', port, host);
  if (recordsPort !== undefined) await ensurePortFree('RECORDS_PORT', recordsPort, host);
} catch (error) {
  if (!(error instanceof StartupError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const credits = start('credits', process.env);
const creditsUrl = await untilReady(credits);
if (stopping) await stopping;
const records = start('records', { ...process.env, CREDITS_URL: creditsUrl });
const recordsUrl = await untilReady(records);
if (stopping) await stopping;
console.log(`pnpm start: both services are up: credits ${creditsUrl} (docs ${creditsUrl}/docs), records ${recordsUrl}. Ctrl-C stops both.`);
