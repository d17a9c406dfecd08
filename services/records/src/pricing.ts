/**
 * Seed 003's prices: a query costs `per100` credits for every started 100 of the limit asked for
 * (at least 1), whatever it returns; the limit is clamped to `maxLimit` first. A record lookup
 * costs 1 credit, and nothing when there is no such record.
 */
export function queryPrice(limit: number, per100: number): number {
  return Math.max(1, Math.ceil(limit / 100)) * per100;
}

export const LOOKUP_PRICE = 1;

/** The limit a query runs with: default 100, at least 1, at most `maxLimit` (larger ones are clamped, as the seed did). */
export function effectiveLimit(requested: number | undefined, maxLimit: number): number {
  return Math.min(Math.max(1, requested ?? 100), maxLimit);
}
