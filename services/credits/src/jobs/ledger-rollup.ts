import type { Logger } from '@credits/runtime';
import type { MikroORM } from '../db/orm';
import { foldLedger } from '../domain/ledger-rollup';

export interface LedgerRollupJob {
  /** One fold now (what the timer calls); public so tests can fold at a moment of their choosing. */
  tick(): Promise<void>;
  /** No new folds; waits for the one in flight (a fold stopped half way loses nothing: see the fold). */
  stop(): Promise<void>;
}

/**
 * Folds the ledger into the overview's rollups every `intervalMs`, a fold at a time. Every replica
 * may run it: the fold's row lock lets one work and the others skip that round.
 */
export function startLedgerRollupJob(orm: MikroORM, log: Logger, intervalMs: number): LedgerRollupJob {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = () =>
    (running = running.then(async () => {
      if (stopped) return;
      try {
        const { folded } = await foldLedger(orm.em.fork());
        if (folded > 0) log.debug({ folded }, 'ledger rollups folded');
      } catch (error) {
        log.warn({ err: error }, 'ledger rollup fold failed; the next one retries');
      }
    }));

  const schedule = () => {
    timer = setTimeout(() => void tick().then(() => !stopped && schedule()), intervalMs);
    timer.unref();
  };
  schedule();
  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
