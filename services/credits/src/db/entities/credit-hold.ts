import { HOLD_STATUSES } from '@credits/contract';
import { defineEntity, p } from '@mikro-orm/core';
import { User } from './user';

/**
 * Credits reserved for a call whose cost is known only after it ran (src/db/ledger.sql, rule 9).
 * An active hold has drawn `amount` from the user's buckets (`allocations`), so nothing else can
 * spend it or let it expire; it stays part of the balance. It ends once: captured (a `consume` row
 * naming it, `captureTransactionId`), released, or expired (from `expiresAt` on it reserves
 * nothing; the ledger gives its credits back to their buckets). Written only by the ledger's functions.
 */
export const CreditHold = defineEntity({
  name: 'CreditHold',
  tableName: 'credit_holds',
  properties: {
    id: p.bigint('number').primary(),
    user: () => p.manyToOne(User),
    amount: p.decimal().precision(20).scale(4).check('amount > 0'),
    status: p.enum(HOLD_STATUSES),
    expiresAt: p.datetime(),
    description: p.string().length(500).nullable(),
    /** The buckets it drew from, `[{bucketId, amount}]` (negative, as a debit's). */
    allocations: p.json<{ bucketId: number; amount: number }[]>(),
    idempotencyKey: p.string().length(255).nullable(),
    requestHash: p.string().length(64).nullable(),
    captured: p.decimal().precision(20).scale(4).nullable(),
    captureTransactionId: p.bigint('number').nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    finishedAt: p.datetime().nullable(),
  },
  uniques: [{ properties: ['user', 'idempotencyKey'] }],
  indexes: [
    { properties: ['user', 'id'] },
    // The holds that lapsed and are not ended yet: what the sweeper finds (partial, active only, in the migration).
    { properties: ['expiresAt'] },
  ],
});
