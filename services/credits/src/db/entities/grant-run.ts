import { defineEntity, p } from '@mikro-orm/core';

const GRANT_RUN_STATUSES = ['running', 'completed', 'failed', 'interrupted', 'abandoned'] as const;

/**
 * One run of a grant program for a period (one firing of its schedule; the daily grant's is a day
 * at 00:00 UTC). A run holds the period's lease while `running` (at most one per program and
 * period: the partial unique index), proves it is alive through `heartbeatAt`, and moves
 * `lastUserId` forward in the same transaction as each chunk's payments, so a run that stops for
 * any reason is resumed from there. `usersGranted` counts its payments; their sum over a period's
 * runs is the number of users paid for that period.
 */
export const GrantRun = defineEntity({
  name: 'GrantRun',
  tableName: 'grant_runs',
  properties: {
    id: p.integer().primary(),
    program: p.string().length(63).default('daily'),
    period: p.datetime(),
    status: p.enum(GRANT_RUN_STATUSES),
    amount: p.decimal().precision(20).scale(4),
    /** schedule, startup, admin (ADMIN_API_KEY) or api-key:<id>. */
    trigger: p.string().length(40),
    usersGranted: p.integer().default(0),
    lastUserId: p.integer().default(0),
    startedAt: p.datetime().defaultRaw('now()'),
    heartbeatAt: p.datetime().defaultRaw('now()'),
    finishedAt: p.datetime().nullable(),
    error: p.string().length(500).nullable(),
  },
  indexes: [{ properties: ['program', 'period'] }],
  uniques: [{ name: 'grant_runs_one_running_per_period', properties: ['program', 'period'], where: { status: 'running' } }],
});
