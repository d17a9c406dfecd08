import type { Logger } from '@credits/runtime';
import schedule from 'node-schedule';
import { sweepExpired } from '../domain/buckets';
import type { MikroORM } from '../db/orm';
import type { Metrics } from '../observability/metrics';

/** Users per transaction of a sweep. */
const CHUNK_SIZE = 1_000;

export interface ExpiryJob {
  /** The sweep at start-up. */
  catchUp: Promise<void>;
  /** What the schedule calls every minute; public so tests can sweep with a clock of their own. */
  tick(): Promise<void>;
  /** No new sweeps; one in flight stops after its current chunk. */
  stop(): Promise<void>;
}

/**
 * The expiry sweeper: every minute, and at start-up, the buckets that expired are written off
 * (domain/buckets.ts), for users nobody changed since (a change writes its user's expiries off
 * first). Every replica runs it; they take turns chunk by chunk and never write one off twice.
 */
export function startExpiryJob(orm: MikroORM, log: Logger, clock: () => Date, metrics: Metrics, pace: (chunkMs: number) => Promise<void>): ExpiryJob {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;

  const tick = () =>
    (running ??= (async () => {
      const now = clock();
      try {
        const expired = await sweepExpired(orm.em.fork(), { now, chunkSize: CHUNK_SIZE, pace, signal: stopping.signal });
        if (expired > 0) {
          metrics.bucketsExpired.inc(expired);
          log.info({ expired, at: now.toISOString() }, `expiry sweep: ${expired} buckets written off`);
        }
      } catch (error) {
        log.error({ err: error }, 'expiry sweep failed; the next one takes it up');
      } finally {
        running = undefined;
      }
    })());

  const job = schedule.scheduleJob({ rule: '* * * * *', tz: 'Etc/UTC' }, () => void tick());
  return {
    catchUp: tick(),
    tick,
    async stop() {
      job?.cancel();
      stopping.abort();
      await running;
    },
  };
}
