import { z } from 'zod';
import { amount } from './amount';
import { bucketCategory, priority } from './buckets';
import { instant } from './common';

/**
 * Grant programs: credits given to every user on a schedule, exactly once per user per program
 * per period (a period is one firing of the schedule). `add` gives `amount` each period;
 * `top_up_to` brings the user's live credits from this program up to `amount` ("100 free credits
 * a month, use them or lose them" with `expiresAfter: 'P1M'`). The built-in `daily` program is
 * the seeds' daily grant, configured by DAILY_GRANT_*; the others live in the database, so every
 * replica runs the same ones.
 */
export const PROGRAM_MODES = ['add', 'top_up_to'] as const;
export const programMode = z.enum(PROGRAM_MODES);

export const DAILY_PROGRAM = 'daily';

export const programName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, - and _, starting with a letter (63 at most)');

/** An ISO 8601 duration: P1M, P30D, PT12H, P1DT6H. */
export const isoDuration = z
  .string()
  .max(40)
  .regex(/^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, 'must be an ISO 8601 duration such as P1M, P30D or PT12H');

export const upsertProgramInput = z.object({
  name: programName,
  amount,
  /** A cron expression, five fields, in UTC: `0 0 1 * *` is 00:00 on the first of each month. */
  schedule: z.string().trim().min(9).max(100),
  mode: programMode,
  /** Its credits expire this long after the period they were given for began; none: never. */
  expiresAfter: isoDuration.optional(),
  priority: priority.optional(),
  category: bucketCategory.optional(),
  enabled: z.boolean().default(true),
});
export type UpsertProgramInput = z.output<typeof upsertProgramInput>;

export const program = z.object({
  name: z.string(),
  amount: z.number(),
  schedule: z.string(),
  mode: programMode,
  expiresAfter: z.string().nullable(),
  priority: z.number(),
  category: bucketCategory,
  enabled: z.boolean(),
  /** The daily grant: configured by DAILY_GRANT_*, not by programs.upsert. */
  builtIn: z.boolean(),
  /** When the schedule fires next. */
  nextPeriod: z.date().nullable(),
});
export type Program = z.output<typeof program>;

export const programRef = z.object({ name: programName });

export const runProgramInput = z.object({
  name: programName,
  /** One firing of the schedule; default: the latest at or before now. */
  period: instant.optional(),
});
export type RunProgramInput = z.output<typeof runProgramInput>;

/**
 * `running`: the run was still paying when the call had to answer (REQUEST_TIMEOUT_MS); it goes on
 * in the service, and the counts are what it has paid so far. Calling again reports its progress
 * and then its end; grants.status lists it.
 */
export const runStatus = z.enum(['completed', 'running']);

export const programRunResult = z.object({
  status: runStatus,
  program: z.string(),
  period: z.date(),
  /** Users this run paid. */
  granted: z.number(),
  /** The credits it gave, in all. */
  credits: z.number(),
  /** Users who already held the period's grant when this run began (paid by an earlier run). */
  alreadyGranted: z.number(),
  /** Users this run could not pay: the grant would take their balance past the ceiling. */
  refused: z.number(),
  ms: z.number(),
});
export type ProgramRunResult = z.output<typeof programRunResult>;
/** A run's counts, finished or so far. */
export type ProgramRunCounts = Omit<ProgramRunResult, 'status'>;
