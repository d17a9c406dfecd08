import { BUCKET_CATEGORIES } from '@credits/contract';
import { defineEntity, p } from '@mikro-orm/core';
import { User } from './user';

/**
 * Where credits live: every credit that enters a balance lands in a bucket, and every debit draws
 * from buckets in spending order (src/db/ledger.sql). A user's balance is the sum of their
 * buckets' `remaining`; a bucket counts from `effectiveAt` and stops counting at `expiresAt`
 * (when the ledger writes its `expire` row, `expiredAt` is set). Written only by the ledger's
 * functions.
 */
export const CreditBucket = defineEntity({
  name: 'CreditBucket',
  tableName: 'credit_buckets',
  properties: {
    id: p.bigint('number').primary(),
    user: () => p.manyToOne(User),
    category: p.enum(BUCKET_CATEGORIES),
    /** 0-100, lower is spent first. */
    priority: p.smallint().default(50).check('priority between 0 and 100'),
    amount: p.decimal().precision(20).scale(4).check('amount > 0'),
    remaining: p.decimal().precision(20).scale(4).check('remaining >= 0 and remaining <= amount'),
    effectiveAt: p.datetime().defaultRaw('now()'),
    expiresAt: p.datetime().nullable(),
    /** recharge, set, program:<name> or migration. */
    source: p.string().length(80),
    referenceId: p.string().length(255).nullable(),
    expiredAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  checks: [{ name: 'credit_buckets_expiry_check', expression: 'expires_at is null or expires_at > effective_at' }],
});
