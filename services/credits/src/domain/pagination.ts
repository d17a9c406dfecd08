import { badRequest } from './errors';

/**
 * Keyset pagination over an increasing id: a cursor is the last id a page returned, opaque to
 * callers. Unlike offsets, a walk sees every row once even while rows are being inserted.
 */
function encodeCursor(id: number): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

/**
 * The id a cursor holds. Only one this service could have issued passes: within the id column's
 * range (`integer` or `bigint`, whose ids stay below 2^53 here), so a forged one is bad input, not
 * a database error.
 */
export function decodeCursor(cursor: string | undefined, column: 'integer' | 'bigint'): number | null {
  if (cursor === undefined) return null;
  const match = /^id:(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const id = match ? Number(match[1]) : Number.NaN;
  if (!(id <= (column === 'integer' ? 2_147_483_647 : Number.MAX_SAFE_INTEGER))) throw badRequest('cursor: not a cursor this service returned');
  return id;
}

/** Rows fetched with `limit + 1`: the extra row only says that another page exists. */
export function toPage<T>(rows: T[], limit: number, idOf: (row: T) => number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(idOf(last)) : null };
}
