import type { Logger } from '@credits/runtime';
import schedule from 'node-schedule';
import type { MikroORM } from '../db/orm';
import { latestPeriod, nextPeriod, type ProgramDefinition, storedPrograms } from '../domain/programs';
import type { GrantRuns } from './grant-runs';

export interface ProgramsJob {
  /** The start-up catch-up: each program's latest period, if its run has not completed. */
  catchUp: Promise<void>;
  /** What the schedule calls every minute; public so tests can fire it with a clock of their own. */
  tick(trigger?: string): Promise<void>;
  /** When a program (by default the daily grant) fires next. */
  nextRun(program?: string): Date | null;
  /** No new runs; a run in flight stops after its current chunk, left to be resumed. */
  stop(): Promise<void>;
}

/**
 * Grant programs inside the service. Every minute, and once at start-up, each enabled program's
 * latest period (the last firing of its schedule at or before now) is run if its run has not
 * completed: that is the schedule, and the catch-up of a missed one (earlier missed periods are
 * not caught up; `programs.run` pays them). Programs live in the database, so a program made on
 * one replica runs on all; every replica runs this job, and the runs' leases and ledger keys make
 * the extra runs find the period done.
 */
export function startProgramsJob(orm: MikroORM, log: Logger, runs: GrantRuns, daily: ProgramDefinition, clock: () => Date): ProgramsJob {
  const stopping = new AbortController();
  let programs: ProgramDefinition[] = [daily];
  let running: Promise<void> | undefined;

  const runDue = async (trigger: string) => {
    const now = clock();
    try {
      programs = [daily, ...(await storedPrograms(orm.em.fork()))];
    } catch (error) {
      log.error({ err: error, trigger }, 'grant programs could not be read; the next tick tries again');
      return;
    }
    for (const program of programs.filter((p) => p.enabled)) {
      if (stopping.signal.aborted) return;
      // A failure is logged by the run; the next tick resumes it.
      await runs.start(program, { period: latestPeriod(program.schedule, now), trigger, now }).done.catch(() => {});
    }
  };
  // One pass at a time: a tick while one runs waits for it, then finds what is left to do.
  const tick = (trigger = 'schedule') => {
    if (stopping.signal.aborted) return Promise.resolve();
    const after = (running ?? Promise.resolve()).then(() => runDue(trigger));
    running = after.finally(() => {
      if (running === after) running = undefined;
    });
    return after;
  };

  const job = schedule.scheduleJob({ rule: '* * * * *', tz: 'Etc/UTC' }, () => void tick());
  return {
    catchUp: tick('startup'),
    tick,
    nextRun: (name = daily.name) => {
      const program = programs.find((p) => p.name === name);
      return program?.enabled ? nextPeriod(program.schedule, clock()) : null;
    },
    async stop() {
      job?.cancel();
      stopping.abort();
      await runs.stop();
      await running;
    },
  };
}
