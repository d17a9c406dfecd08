import { defineEntity, p } from '@mikro-orm/core';

export const GRANT_RUN_STATUSES = ['running', 'completed', 'failed', 'interrupted', 'abandoned'] as const;

/**
 * One run of the daily grant for a date. A run holds the date's lease while `running` (at most one
 * per date: the partial unique index), proves it is alive through `heartbeatAt`, and moves
 * `lastUserId` forward in the same transaction as each chunk's payments, so a run that stops for
 * any reason is resumed from there. `usersGranted` counts its payments; their sum over a date's
 * runs is the number of users paid for that date.
 */
export const GrantRun = defineEntity({
  name: 'GrantRun',
  tableName: 'grant_runs',
  properties: {
    id: p.integer().primary(),
    date: p.string().columnType('date'),
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
  indexes: [{ properties: ['date'] }],
  uniques: [{ name: 'grant_runs_one_running_per_date', properties: ['date'], where: { status: 'running' } }],
});
