import { z } from 'zod';

/**
 * Credits cross the API as JSON numbers with at most 4 decimal places. Inside the service they are
 * decimal strings, and all arithmetic on them happens in PostgreSQL `numeric`: no binary floating
 * point ever touches a balance.
 */
export const AMOUNT_DECIMALS = 4;
export const MAX_AMOUNT = 1_000_000_000_000;
/** No balance may exceed this (the ledger function refuses the change). */
export const MAX_BALANCE = 1_000_000_000_000_000;

/** A decimal string such as "10.4999", exactly as PostgreSQL `numeric` reads and writes it. */
export type Decimal = string & { readonly __brand: 'Decimal' };

/**
 * The exact decimal text of a JSON number with at most `places` decimal places, or null when it
 * has more. The text is the one whose nearest double is `n`: what the caller wrote (0.1 stays
 * "0.1", and 0.1 + 0.2, which is 0.30000000000000004, is refused rather than rounded).
 */
export function toDecimal(n: number, places = AMOUNT_DECIMALS): Decimal | null {
  const fixed = n.toFixed(places);
  if (Number(fixed) !== n) return null;
  return (places > 0 ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed) as Decimal;
}

/** A non-negative decimal quantity as a JSON number, parsed to exact decimal text. */
export function decimal(options: { positive: boolean; max: number; places: number }) {
  const { positive, max, places } = options;
  return z
    .number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a finite number') })
    .refine((n) => (positive ? n > 0 : n >= 0), positive ? 'must be greater than 0' : 'must not be negative')
    .refine((n) => n <= max, `must be at most ${max}`)
    .refine((n) => toDecimal(n, places) !== null, `must have at most ${places} decimal places`)
    .transform((n) => toDecimal(n, places) as Decimal);
}

/** An amount to move: greater than 0, at most 1e12, at most 4 decimal places. */
export const amount = decimal({ positive: true, max: MAX_AMOUNT, places: AMOUNT_DECIMALS });
/** A balance to set: like an amount, but 0 is allowed. */
export const balanceValue = decimal({ positive: false, max: MAX_AMOUNT, places: AMOUNT_DECIMALS });
/** Money spent upstream, in US dollars: up to 8 decimal places (fractions of a cent per token). */
export const usd = decimal({ positive: false, max: 1_000_000_000, places: 8 });
