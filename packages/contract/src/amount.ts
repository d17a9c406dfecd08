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
 * The exact decimal text of a JSON number, or null when it needs more than 4 decimal places.
 * `String(n)` is the shortest text that reads back as the same double, so for the numbers accepted
 * here it is the text the caller sent (0.1 stays "0.1", never 0.1000000000000000055...).
 */
export function toDecimal(n: number): Decimal | null {
  const text = String(n);
  if (/e/i.test(text)) return null; // only tiny fractions print in exponent form below MAX_AMOUNT
  const fraction = text.split('.')[1] ?? '';
  return fraction.length <= AMOUNT_DECIMALS ? (text as Decimal) : null;
}

function credits(bound: 'positive' | 'nonNegative') {
  return z
    .number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a finite number') })
    .refine((n) => (bound === 'positive' ? n > 0 : n >= 0), bound === 'positive' ? 'must be greater than 0' : 'must not be negative')
    .refine((n) => n <= MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`)
    .refine((n) => toDecimal(n) !== null, `must have at most ${AMOUNT_DECIMALS} decimal places`)
    .transform((n) => toDecimal(n) as Decimal);
}

/** An amount to move: greater than 0, at most 1e12, at most 4 decimal places. */
export const amount = credits('positive');
/** A balance to set: like an amount, but 0 is allowed. */
export const balanceValue = credits('nonNegative');
