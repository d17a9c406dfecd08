import { badRequest } from './errors';

/**
 * Keyset pagination over an increasing id: a cursor is the last id a page returned, opaque to
 * callers. Unlike offsets, a walk sees every row once even while rows are being inserted.
 */
export function encodeCursor(id: number): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  const match = /^id:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw badRequest('cursor: not a cursor this service returned');
  return Number(match[1]);
}

/** Rows fetched with `limit + 1`: the extra row only says that another page exists. */
export function toPage<T>(rows: T[], limit: number, idOf: (row: T) => number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(idOf(last)) : null };
}
