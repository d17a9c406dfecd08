import schedule from 'node-schedule';
import type { MikroORM } from '../db/orm';
import { type GrantSettings, runDailyGrant, utcDate } from '../domain/grants';
import type { Logger } from '@credits/runtime';
import { observeGrant } from '../observability/grants';
import type { Metrics } from '../observability/metrics';

export interface DailyGrantJob {
  /** The start-up catch-up: today's grant, if it has not completed. */
  catchUp: Promise<void>;
  /** What the 00:00 UTC schedule calls; public so tests can fire it with a clock of their own. */
  tick(trigger?: string): Promise<void>;
  /** When the schedule fires next. */
  nextRun(): Date | null;
  /** No new runs; a run in flight stops after its current chunk, left to be resumed. */
  stop(): Promise<void>;
}

/**
 * The daily grant inside the service: at 00:00 UTC, and once at start-up for today. Every replica
 * runs this job; the grant's lease and its ledger keys make the extra runs find the day done.
 */
export function startDailyGrantJob(
  orm: MikroORM,
  log: Logger,
  settings: GrantSettings,
  clock: () => Date,
  metrics: Metrics,
  pace: (chunkMs: number) => Promise<void>,
): DailyGrantJob {
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();

  const tick = (trigger = 'schedule') => {
    if (stopping.signal.aborted) return Promise.resolve();
    const now = clock();
    const date = utcDate(now);
    const run = observeGrant(runDailyGrant(orm.em.fork(), settings, { date, trigger, now, signal: stopping.signal, pace }), log, metrics, Number(settings.amount), trigger)
      .then(
        () => undefined,
        (error: unknown) => log.error({ err: error, date, trigger }, `daily grant ${date} failed; the next run resumes it`),
      )
      .finally(() => running.delete(run));
    running.add(run);
    return run;
  };

  const job = schedule.scheduleJob({ rule: '0 0 * * *', tz: 'Etc/UTC' }, () => void tick());
  return {
    catchUp: tick('startup'),
    tick,
    nextRun: () => job?.nextInvocation() ?? null,
    async stop() {
      job?.cancel();
      stopping.abort();
      await Promise.all(running);
    },
  };
}
