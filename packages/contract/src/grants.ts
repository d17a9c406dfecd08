import { z } from 'zod';
import { runStatus } from './programs';

/** A UTC calendar day, YYYY-MM-DD. */
export const utcDay = z.iso.date({ error: 'must be a date as YYYY-MM-DD' });

export const runDailyInput = z.object({
  /** Default: today (UTC). Future days are refused; past days may be granted late. */
  date: utcDay.optional(),
});

export const grantResult = z.object({
  status: runStatus,
  date: z.string(),
  /** Users this run paid. */
  granted: z.number(),
  /** Users who already held the day's grant when this run began (paid by an earlier run). */
  alreadyGranted: z.number(),
  /** Users this run could not pay: the grant would take their balance past the ceiling (MAX_BALANCE). */
  refused: z.number(),
  ms: z.number(),
});
export type GrantResult = z.output<typeof grantResult>;

export const grantRun = z.object({
  id: z.number(),
  /** The program it ran (`daily`: the daily grant). */
  program: z.string(),
  /** The firing of the program's schedule it paid for. */
  period: z.date(),
  /** That period's UTC day. */
  date: z.string(),
  status: z.enum(['running', 'completed', 'failed', 'interrupted', 'abandoned']),
  amount: z.number(),
  trigger: z.string(),
  usersGranted: z.number(),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  error: z.string().nullable(),
});
export type GrantRun = z.output<typeof grantRun>;

export const grantStatusInput = z.object({ limit: z.number().int().min(1).max(100).default(20) });
