import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '../../..');

/** A process as /proc shows it: enough to tell it from a later one that reuses its pid. */
export interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
  started: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited; only its parent's wait is missing.
    if (fields[0] === 'Z') return undefined;
    return { pid, ppid: Number(fields[1]), started: fields[19]!, cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() };
  } catch {
    return undefined;
  }
}

function allProcs(): Proc[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProc(Number(name)))
    .filter((p): p is Proc => p !== undefined);
}

/** Every live process under `pid` (its children, theirs, ...), whatever process group or session they moved to. */
function descendantsOf(pid: number): Proc[] {
  const procs = allProcs();
  const found: Proc[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

/** The ones of `procs` still running (the same process: same pid, same start time). */
export function stillRunning(procs: Iterable<Proc>): Proc[] {
  return [...procs].filter((p) => readProc(p.pid)?.started === p.started);
}

/** Processes with a file, or their working directory, under `dir`. */
export function holdersOf(dir: string): string[] {
  const holders: string[] = [];
  for (const p of allProcs()) {
    const links = [`/proc/${p.pid}/cwd`];
    try {
      for (const fd of fs.readdirSync(`/proc/${p.pid}/fd`)) links.push(`/proc/${p.pid}/fd/${fd}`);
    } catch {
      continue;
    }
    for (const link of links) {
      let target: string;
      try {
        target = fs.readlinkSync(link);
      } catch {
        continue;
      }
      if (target === dir || target.startsWith(`${dir}/`)) holders.push(`${p.pid} ${p.cmdline}: ${target}`);
    }
  }
  return holders;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PnpmStart {
  child: ChildProcess;
  /** stdout and stderr, as they came. */
  output(): string;
  /** Resolves with both URLs once the supervisor says both services are up; rejects if it exits first. */
  up: Promise<{ credits: string; records: string }>;
  /** The exit code, and when it came (performance.now()). */
  exited: Promise<{ code: number | null; at: number }>;
  /** Every process seen under it so far. */
  seen: Map<number, Proc>;
  /**
   * A moment (performance.now()) before the supervisor started, after the build: how long
   * `pnpm start` takes to fail or stop, not to build, is what its tests time.
   */
  supervisorStartedAfter(): number;
}

/** The supervisor once `pnpm start`'s shell has exec'ed it (before that, the shell's command line names it too). */
const isSupervisor = (p: Proc) => p.cmdline.includes('scripts/start.ts') && !p.cmdline.includes(' build ');

/**
 * `pnpm start`, exactly as a person runs it, in a process group of its own (as a shell gives a
 * command), so that a test can send Ctrl-C's SIGINT to that group. The processes under it are
 * recorded while it runs, to check afterwards that none is left.
 */
export function pnpmStart(env: Record<string, string>): PnpmStart {
  const child = spawn('pnpm', ['start'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const seen = new Map<number, Proc>();
  let beforeSupervisor = performance.now();
  let supervisorSeen = false;
  const watch = setInterval(() => {
    const polled = performance.now();
    const procs = descendantsOf(child.pid!);
    for (const p of procs) seen.set(p.pid, p);
    supervisorSeen ||= procs.some(isSupervisor);
    if (!supervisorSeen) beforeSupervisor = polled;
  }, 100);
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => {
      clearInterval(watch);
      resolve({ code, at: performance.now() });
    }),
  );
  const up = new Promise<{ credits: string; records: string }>((resolve, reject) => {
    const check = setInterval(() => {
      const match = /both services are up: credits (\S+) .* records (\S+)\. /.exec(output);
      if (match) {
        clearInterval(check);
        resolve({ credits: match[1]!, records: match[2]! });
      }
    }, 50);
    void exited.then(({ code }) => {
      clearInterval(check);
      reject(new Error(`pnpm start exited with ${code} before both services were up:\n${output}`));
    });
  });
  // Awaited by the tests that expect it; a run that is meant to fail leaves it alone.
  up.catch(() => undefined);
  return { child, output: () => output, up, exited, seen, supervisorStartedAfter: () => beforeSupervisor };
}
