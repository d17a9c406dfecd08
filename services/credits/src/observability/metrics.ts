import type { ProgramRunCounts } from '@credits/contract';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics. Each app owns its Registry rather than prom-client's global
 * one: tests start several apps in one process, and a global registry would merge (or refuse)
 * their series. Nothing here knows tRPC or the domain; `observe.ts` decides what a call meant.
 */
export interface Metrics {
  registry: Registry;
  calls: Counter<'procedure' | 'outcome' | 'principal'>;
  callSeconds: Histogram<'procedure' | 'outcome'>;
  /** Ledger rows written, grants included (replays excluded: they write nothing). */
  ledgerOperations: Counter<'type'>;
  /** The absolute amount each applied row moved: a reset of 7 moved 7. */
  creditsMoved: Counter<'type'>;
  insufficientCredits: Counter<'procedure'>;
  replays: Counter<'procedure'>;
  /** Buckets written off at their expiry, by the sweeper (a change writes its own user's off too, counted as `expire` rows). */
  bucketsExpired: Counter;
  grantRuns: Counter<'outcome'>;
  grantUsers: Counter;
  grantSeconds: Histogram;
  /** A grant run's end, whoever started it (the schedule or an admin). */
  grantFinished(result: ProgramRunCounts): void;
  grantFailed(): void;
}

/** Seconds; from a 1 ms consume to a slow page, with the tail a stalled pool produces. */
const CALL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds; a grant over a million users takes about a minute. */
const GRANT_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600];

/** `pool`: the database pool whose use is reported on each scrape (read then, never polled). */
export function createMetrics(pool: () => Promise<Pool>, poolMax: number): Metrics {
  const registry = new Registry();
  // Process CPU, memory, handles and event-loop lag (nodejs_eventloop_lag_*), from monitorEventLoopDelay.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

  const registers = [registry];
  const ledgerOperations = new Counter({ name: 'credits_ledger_operations_total', help: 'Ledger rows written, by type', labelNames: ['type'], registers });
  const creditsMoved = new Counter({ name: 'credits_ledger_credits_total', help: 'Credits moved (absolute amounts), by type', labelNames: ['type'], registers });
  const grantRuns = new Counter({ name: 'credits_grant_runs_total', help: 'Daily grant runs that ended, by outcome', labelNames: ['outcome'], registers });
  const grantUsers = new Counter({ name: 'credits_grant_users_granted_total', help: 'Users paid by daily grant runs', registers });
  const grantSeconds = new Histogram({ name: 'credits_grant_run_duration_seconds', help: 'Daily grant run duration', buckets: GRANT_BUCKETS, registers });

  new Gauge({
    name: 'credits_db_pool_connections',
    help: 'Database pool connections: total open, idle, and callers waiting for one',
    labelNames: ['state'],
    registers,
    async collect() {
      const p = await pool();
      this.set({ state: 'total' }, p.totalCount);
      this.set({ state: 'idle' }, p.idleCount);
      this.set({ state: 'waiting' }, p.waitingCount);
    },
  });
  new Gauge({ name: 'credits_db_pool_max', help: 'DB_POOL_SIZE: the most connections the pool opens', registers }).set(poolMax);

  return {
    registry,
    calls: new Counter({
      name: 'credits_calls_total',
      help: 'Procedure calls (tRPC and REST), by procedure, outcome (ok or the error code) and principal kind',
      labelNames: ['procedure', 'outcome', 'principal'],
      registers,
    }),
    callSeconds: new Histogram({
      name: 'credits_call_duration_seconds',
      help: 'Procedure call duration, by procedure and outcome',
      labelNames: ['procedure', 'outcome'],
      buckets: CALL_BUCKETS,
      registers,
    }),
    ledgerOperations,
    creditsMoved,
    insufficientCredits: new Counter({
      name: 'credits_insufficient_credits_total',
      help: 'Charges refused for insufficient credits, by procedure',
      labelNames: ['procedure'],
      registers,
    }),
    replays: new Counter({ name: 'credits_idempotent_replays_total', help: 'Calls answered from an earlier call with the same idempotency key', labelNames: ['procedure'], registers }),
    bucketsExpired: new Counter({ name: 'credits_buckets_expired_total', help: 'Buckets the expiry sweeper wrote off', registers }),
    grantRuns,
    grantUsers,
    grantSeconds,
    grantFinished(result) {
      grantRuns.inc({ outcome: 'completed' });
      grantUsers.inc(result.granted);
      ledgerOperations.inc({ type: 'grant' }, result.granted);
      creditsMoved.inc({ type: 'grant' }, result.credits);
      grantSeconds.observe(result.ms / 1000);
    },
    grantFailed() {
      grantRuns.inc({ outcome: 'failed' });
    },
  };
}
