import { z } from 'zod';
import { DEFAULT_PAGE_SIZE, MAX_OFFSET, MAX_PAGE_SIZE } from './limits';

/**
 * PostgreSQL's text and jsonb cannot hold the NUL character, and jsonb refuses a lone UTF-16
 * surrogate (text would silently turn it into U+FFFD): both are refused here, as bad input.
 */
export function unstorable(text: string): string | undefined {
  if (text.includes('\0')) return 'must not contain the NUL character (U+0000)';
  if (!text.isWellFormed()) return 'must be well-formed Unicode (no lone surrogate)';
  return undefined;
}

/** A string that PostgreSQL can store. */
export const storableString = () =>
  z.string().check((ctx) => {
    const problem = unstorable(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });

/** Our id (a number) or the caller's external id (a string, e.g. an Auth0 subject `auth0|123456`). */
export const userRef = z.union([z.number().int().positive().max(2_147_483_647), storableString().trim().min(1).max(255)], {
  error: 'must be a positive integer id or a non-empty external id string',
});
export type UserRef = z.input<typeof userRef>;

/**
 * Keys starting with these belong to grant programs: `daily:YYYY-MM-DD` to the daily grant,
 * `program:<name>:<period>` to the others (one per user per period).
 */
export const RESERVED_KEY_PREFIXES = ['daily:', 'program:'] as const;

/** Same key and same parameters: the original result, nothing written; same key, other parameters: CONFLICT. */
export const idempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .refine((k) => !RESERVED_KEY_PREFIXES.some((prefix) => k.startsWith(prefix)), `must not start with a reserved prefix (${RESERVED_KEY_PREFIXES.join(', ')})`);

/**
 * Cursor pagination: pass a page's `nextCursor` back to get the page after it. `offset` skips
 * rows (after the cursor, when both are given): for clients written for offset paging; cursors are
 * the way to walk a list that is growing.
 */
export const pageInput = {
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: storableString().min(1).max(200).optional(),
  offset: z.number().int().min(0).max(MAX_OFFSET).default(0),
};

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const text = (max: number) => storableString().trim().min(1).max(max);

/** A moment given as input: within the years 1 to 9999, which every database column holds. */
export const instant = z
  .date({ error: 'must be a date' })
  .min(new Date('0001-01-01T00:00:00Z'), 'must be in the year 1 or later')
  .max(new Date('9999-12-31T23:59:59.999Z'), 'must be in the year 9999 or earlier');
