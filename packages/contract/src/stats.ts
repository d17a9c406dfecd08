import { z } from 'zod';
import { utcDay } from './grants';

/** The longest range `stats.overview` answers: a year and a day (a leap year, and both ends). */
export const MAX_OVERVIEW_DAYS = 367;

const DAY_MS = 86_400_000;

/** Both ends included, UTC days. */
export const overviewInput = z
  .object({
    from: utcDay,
    to: utcDay,
    /** How many top consumers (by credits consumed in the range). */
    top: z.number().int().min(1).max(50).default(10),
  })
  .check((ctx) => {
    const { from, to } = ctx.value;
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) ctx.issues.push({ code: 'custom', path: ['to'], message: 'must not be before from', input: to });
    else if (days > MAX_OVERVIEW_DAYS) ctx.issues.push({ code: 'custom', path: ['to'], message: `must be at most ${MAX_OVERVIEW_DAYS} days after from`, input: to });
  });
export type OverviewInput = z.output<typeof overviewInput>;

/** Credits moved on one UTC day, by kind (positive numbers; `adjusted` is the net of resets and external updates). */
export const overviewDay = z.object({
  day: z.string(),
  granted: z.number(),
  recharged: z.number(),
  consumed: z.number(),
  /** Credits written off as their buckets expired. */
  expired: z.number(),
  adjusted: z.number(),
  /** Ledger rows of the day. */
  entries: z.number(),
  /** Users with at least one consume that day. */
  activeUsers: z.number(),
});
export type OverviewDay = z.output<typeof overviewDay>;

export const topConsumer = z.object({
  userId: z.number(),
  email: z.string(),
  name: z.string(),
  externalId: z.string().nullable(),
  consumed: z.number(),
});
export type TopConsumer = z.output<typeof topConsumer>;

export const overview = z.object({
  from: z.string(),
  to: z.string(),
  /** Every day of the range, oldest first (days without activity are zeros). */
  days: z.array(overviewDay),
  totals: overviewDay.omit({ day: true, activeUsers: true }),
  /** The most credits consumed in the range, most first. */
  topConsumers: z.array(topConsumer),
  /** When the rollups were last folded (the rows since are added as the overview is read). */
  foldedAt: z.date().nullable(),
});
export type Overview = z.output<typeof overview>;
