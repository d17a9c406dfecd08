import { BUCKET_CATEGORIES, PROGRAM_MODES } from '@credits/contract';
import { defineEntity, p } from '@mikro-orm/core';

/**
 * A grant program (packages/contract/src/programs.ts): credits for every user on a cron schedule.
 * The built-in `daily` is not stored here: DAILY_GRANT_* configures it.
 */
export const GrantProgram = defineEntity({
  name: 'GrantProgram',
  tableName: 'grant_programs',
  properties: {
    name: p.string().length(63).primary(),
    amount: p.decimal().precision(20).scale(4).check('amount > 0'),
    /** Five cron fields, in UTC. */
    schedule: p.string().length(100),
    mode: p.enum(PROGRAM_MODES),
    /** An ISO 8601 duration (P1M); null: its credits never expire. */
    expiresAfter: p.string().length(40).nullable(),
    priority: p.smallint().default(50),
    category: p.enum(BUCKET_CATEGORIES).default('promotional'),
    enabled: p.boolean().default(true),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()').onUpdate(() => new Date()),
  },
});
