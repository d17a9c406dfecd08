import { type BucketCategory, DAILY_PROGRAM, type Decimal, type Program, type UpsertProgramInput } from '@credits/contract';
import parser from 'cron-parser';
import type { EntityManager } from '../db/orm';
import { query } from '../db/sql';
import { badRequest, DomainError } from './errors';

/**
 * Grant programs (packages/contract/src/programs.ts): what they are, and their periods. A period
 * is one firing of a program's cron schedule, in UTC; the grant of a period is paid by
 * domain/grants.ts, exactly once per user.
 */

export interface ProgramDefinition {
  name: string;
  amount: Decimal;
  schedule: string;
  mode: 'add' | 'top_up_to';
  /** An ISO 8601 duration, or null: its credits never expire. */
  expiresAfter: string | null;
  priority: number;
  category: BucketCategory;
  enabled: boolean;
  builtIn: boolean;
}

/** The seeds' daily grant, as DAILY_GRANT_* sets it: every user, 00:00 UTC, added, never expiring. */
export function dailyProgram({ amount, enabled }: { amount: Decimal; enabled: boolean }): ProgramDefinition {
  return { name: DAILY_PROGRAM, amount, schedule: '0 0 * * *', mode: 'add', expiresAfter: null, priority: 50, category: 'promotional', enabled, builtIn: true };
}

const expression = (schedule: string, from: Date) => parser.parseExpression(schedule, { tz: 'Etc/UTC', currentDate: from });

/** The latest firing of `schedule` at or before `now`: the period a run at `now` pays. */
export function latestPeriod(schedule: string, now: Date): Date {
  return expression(schedule, new Date(now.getTime() + 1)).prev().toDate();
}

/** The next firing of `schedule` after `now`. */
export function nextPeriod(schedule: string, now: Date): Date {
  return expression(schedule, now).next().toDate();
}

/** A cron expression the scheduler can read: five fields, each firing at a whole minute. */
function checkSchedule(schedule: string): void {
  if (schedule.trim().split(/\s+/).length !== 5) throw badRequest('schedule: must be a cron expression of five fields (minute hour day month weekday), in UTC');
  try {
    expression(schedule, new Date()).next();
  } catch (error) {
    throw badRequest(`schedule: not a cron expression (${(error as Error).message})`);
  }
}

/**
 * A period a run may pay: a firing of the program's schedule, not in the future, and not so old
 * that its credits would be born expired.
 */
export async function checkPeriod(em: EntityManager, program: ProgramDefinition, period: Date, now: Date): Promise<void> {
  if (period > now) throw badRequest(`period: ${period.toISOString()} is in the future`);
  if (latestPeriod(program.schedule, period).getTime() !== period.getTime()) {
    throw badRequest(`period: ${period.toISOString()} is not a firing of ${program.schedule} (UTC)`);
  }
  const [born] = await query<{ expired: boolean }>(em, `select $2::interval is not null and ($1::timestamptz + $2::interval) <= $3 as expired`, [
    period,
    program.expiresAfter,
    now,
  ]);
  if (born!.expired) throw badRequest(`period: the credits of ${period.toISOString()} would have expired already (${program.expiresAfter} after it)`);
}

/** The idempotency key of a program's grant for a period: one per user (the daily grant keeps its `daily:YYYY-MM-DD`). */
export function periodKey(program: ProgramDefinition, period: Date): string {
  const at = period.toISOString();
  return program.name === DAILY_PROGRAM ? `daily:${at.slice(0, 10)}` : `program:${program.name}:${at.slice(0, 16)}Z`;
}

interface ProgramRow {
  name: string;
  amount: string;
  schedule: string;
  mode: 'add' | 'top_up_to';
  expires_after: string | null;
  priority: number;
  category: BucketCategory;
  enabled: boolean;
}

const toDefinition = (row: ProgramRow): ProgramDefinition => ({
  name: row.name,
  amount: row.amount as Decimal,
  schedule: row.schedule,
  mode: row.mode,
  expiresAfter: row.expires_after,
  priority: row.priority,
  category: row.category,
  enabled: row.enabled,
  builtIn: false,
});

export const toProgram = (definition: ProgramDefinition, now: Date): Program => ({
  ...definition,
  amount: Number(definition.amount),
  nextPeriod: definition.enabled ? nextPeriod(definition.schedule, now) : null,
});

const PROGRAM_COLUMNS = 'p.name, p.amount, p.schedule, p.mode, p.expires_after, p.priority, p.category, p.enabled';

/** The stored programs, by name; the built-in daily is not among them. */
export async function storedPrograms(em: EntityManager): Promise<ProgramDefinition[]> {
  return (await query<ProgramRow>(em, `select ${PROGRAM_COLUMNS} from grant_programs p order by p.name`, [])).map(toDefinition);
}

/** A program by name: the built-in daily (`daily`), or a stored one; NOT_FOUND otherwise. */
export async function findProgram(em: EntityManager, name: string, daily: ProgramDefinition): Promise<ProgramDefinition> {
  if (name === DAILY_PROGRAM) return daily;
  const [row] = await query<ProgramRow>(em, `select ${PROGRAM_COLUMNS} from grant_programs p where p.name = $1`, [name]);
  if (!row) throw new DomainError('NOT_FOUND', `No grant program named ${name}`);
  return toDefinition(row);
}

/** Creates or changes a program. Its runs so far stand; the next period follows the new terms. */
export async function upsertProgram(em: EntityManager, i: UpsertProgramInput): Promise<ProgramDefinition> {
  if (i.name === DAILY_PROGRAM) throw badRequest('name: the daily program is built in (DAILY_GRANT_AMOUNT and DAILY_GRANT_ENABLED configure it)');
  checkSchedule(i.schedule);
  const [row] = await query<ProgramRow>(
    em,
    `insert into grant_programs as p (name, amount, schedule, mode, expires_after, priority, category, enabled)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (name) do update set amount = excluded.amount, schedule = excluded.schedule, mode = excluded.mode,
       expires_after = excluded.expires_after, priority = excluded.priority, category = excluded.category, enabled = excluded.enabled,
       updated_at = now()
     returning ${PROGRAM_COLUMNS}`,
    [i.name, i.amount, i.schedule.trim(), i.mode, i.expiresAfter ?? null, i.priority ?? 50, i.category ?? 'promotional', i.enabled],
  );
  return toDefinition(row!);
}

/** Removes a program: it runs no more; what it granted stays. */
export async function removeProgram(em: EntityManager, name: string): Promise<void> {
  if (name === DAILY_PROGRAM) throw badRequest('name: the daily program is built in (set DAILY_GRANT_ENABLED=false to stop it)');
  const removed = await query(em, `delete from grant_programs p where p.name = $1 returning p.name`, [name]);
  if (removed.length === 0) throw new DomainError('NOT_FOUND', `No grant program named ${name}`);
}
