import type { ProgramRunCounts, ProgramRunResult } from '@credits/contract';
import type { Logger } from '@credits/runtime';
import { outsideAnyCall } from '../db/cancellable';
import type { MikroORM } from '../db/orm';
import { type GrantSettings, runGrant } from '../domain/grants';
import type { ProgramDefinition } from '../domain/programs';
import { observeGrant } from '../observability/grants';
import type { Metrics } from '../observability/metrics';

export interface GrantRunHandle {
  done: Promise<ProgramRunCounts>;
  /** The run so far: what its committed chunks paid. */
  progress(): ProgramRunCounts;
}

export interface GrantRuns {
  /**
   * Starts a program's run for a period, or joins the one this replica has in flight for it. The
   * run belongs to the service, not to whoever started it: a call that must answer within its
   * deadline can leave it going, and shutdown stops it between chunks, to be resumed.
   */
  start(program: ProgramDefinition, request: { period: Date; trigger: string; now: Date }): GrantRunHandle;
  /** Starts no more; runs in flight stop after their current chunk. */
  stop(): Promise<void>;
}

export function createGrantRuns(
  orm: MikroORM,
  log: Logger,
  settings: Pick<GrantSettings, 'chunkSize' | 'leaseMs'>,
  metrics: Metrics,
  pace: (chunkMs: number) => Promise<void>,
): GrantRuns {
  const stopping = new AbortController();
  const inFlight = new Map<string, GrantRunHandle>();

  return {
    start(program, { period, trigger, now }) {
      const key = `${program.name} ${period.toISOString()}`;
      const joined = inFlight.get(key);
      if (joined) return joined;
      const started = performance.now();
      let progress: ProgramRunCounts = { program: program.name, period, granted: 0, credits: 0, alreadyGranted: 0, refused: 0, ms: 0 };
      const onChunk = (chunk: ProgramRunCounts) => {
        progress = chunk;
      };
      const run = outsideAnyCall(() => runGrant(orm.em.fork(), program, settings, { period, trigger, now, signal: stopping.signal, pace, onChunk }));
      const done = observeGrant(run, log, metrics, trigger);
      const handle: GrantRunHandle = { done, progress: () => ({ ...progress, ms: Math.round(performance.now() - started) }) };
      inFlight.set(key, handle);
      done
        .catch((error: unknown) =>
          log.error({ err: error, program: program.name, period: period.toISOString(), trigger }, `grant program ${program.name} failed; the next run resumes it`),
        )
        .finally(() => inFlight.delete(key));
      return handle;
    },
    async stop() {
      stopping.abort();
      await Promise.allSettled([...inFlight.values()].map((run) => run.done));
    },
  };
}

/**
 * The run's result if it ends within `ms`, else what it has done so far, marked `running`: a call
 * answers within its deadline however many users there are, and the run goes on.
 */
export async function resultOrProgress(handle: GrantRunHandle, ms: number): Promise<ProgramRunResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    const result = await Promise.race([handle.done, waited]);
    return result ? { ...result, status: 'completed' } : { ...handle.progress(), status: 'running' };
  } finally {
    clearTimeout(timer);
  }
}
