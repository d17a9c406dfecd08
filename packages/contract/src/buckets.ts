import { z } from 'zod';
import { instant, page, pageInput, userRef } from './common';

/**
 * Credit buckets: where a balance's credits live. Every credit that enters a balance lands in
 * one; a debit draws from the live ones in spending order: lower `priority` first, then earliest
 * expiry (none last), then promotional before paid, then oldest. A bucket counts from `effectiveAt`
 * and stops counting at `expiresAt`, to the instant.
 */
export const BUCKET_CATEGORIES = ['paid', 'promotional'] as const;
export const bucketCategory = z.enum(BUCKET_CATEGORIES);
export type BucketCategory = z.output<typeof bucketCategory>;

export const DEFAULT_PRIORITY = 50;
export const priority = z.number().int().min(0).max(100);

/** Where a recharge's (or a grant program's) credits go: all optional, the defaults are paid, priority 50, from now, never expiring. */
export const bucketTerms = {
  category: bucketCategory.optional(),
  priority: priority.optional(),
  effectiveAt: instant.optional(),
  expiresAt: instant.optional(),
};

export const bucket = z.object({
  id: z.number(),
  userId: z.number(),
  category: bucketCategory,
  priority: z.number(),
  amount: z.number(),
  remaining: z.number(),
  effectiveAt: z.date(),
  expiresAt: z.date().nullable(),
  /** `recharge`, `set`, `program:<name>` or `migration`. */
  source: z.string(),
  referenceId: z.string().nullable(),
  createdAt: z.date(),
});
export type Bucket = z.output<typeof bucket>;

export const bucketsInput = z.object({
  userId: userRef,
  /** Also the buckets that are spent or expired (kept for the history). */
  includeSpent: z.boolean().default(false),
  ...pageInput,
});
export type BucketsInput = z.output<typeof bucketsInput>;

export const bucketPage = page(bucket);
export type BucketPage = z.output<typeof bucketPage>;

/** One bucket's part in a ledger row: the credits it gained (positive) or gave (negative). */
export const allocation = z.object({ bucketId: z.number(), amount: z.number() });
export type Allocation = z.output<typeof allocation>;
