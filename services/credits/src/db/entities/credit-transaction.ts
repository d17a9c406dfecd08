import { defineEntity, p } from '@mikro-orm/core';
import { TRANSACTION_TYPES } from '@credits/contract';
import { User } from './user';

/**
 * The append-only ledger: one row per balance change, written in the same statement as the balance.
 * Rows are never updated or deleted. Invariants, enforced by the table itself:
 * - balanceAfter = balanceBefore + amount, and balanceAfter >= 0;
 * - an idempotency key is used at most once per user;
 * - a recharge's reference (a payment's id) credits a user at most once: `rechargeReference`
 *   holds it for the recharge that claimed it, unique per user (see the ledger_reference migration).
 */
export const CreditTransaction = defineEntity({
  name: 'CreditTransaction',
  tableName: 'credit_transactions',
  properties: {
    id: p.bigint('number').primary(),
    user: () => p.manyToOne(User),
    type: p.enum(TRANSACTION_TYPES),
    amount: p.decimal().precision(20).scale(4),
    balanceBefore: p.decimal().precision(20).scale(4),
    balanceAfter: p.decimal().precision(20).scale(4).check('balance_after >= 0'),
    description: p.string().length(500).nullable(),
    referenceId: p.string().length(255).nullable(),
    rechargeReference: p.string().length(255).nullable(),
    usageRecordId: p.bigint('number').nullable(),
    /** A capture's hold (a `consume` that ends it). */
    holdId: p.bigint('number').nullable(),
    idempotencyKey: p.string().length(255).nullable(),
    requestHash: p.string().length(64).nullable(),
    /** The buckets this change moved, `[{bucketId, amount}]` (signed; they sum to `amount`). */
    allocations: p.json<{ bucketId: number; amount: number }[]>().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [
    { properties: ['user', 'idempotencyKey'] },
    { properties: ['user', 'rechargeReference'], where: 'recharge_reference is not null' },
  ],
  indexes: [{ properties: ['user', 'id'] }],
  checks: [{ name: 'credit_transactions_chain_check', expression: 'balance_after = balance_before + amount' }],
});
