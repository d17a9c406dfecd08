import { defineEntity, p } from '@mikro-orm/core';
import { User } from './user';

/**
 * One balance row per user, in the table the seeds call `credits`. Written only by the ledger
 * functions (see the ledger migration), never by the ORM after creation.
 * Invariant: balance >= 0, and balance = the sum of the user's credit_transactions amounts.
 */
export const CreditAccount = defineEntity({
  name: 'CreditAccount',
  tableName: 'credits',
  properties: {
    user: () => p.oneToOne(User).primary().owner(),
    balance: p.decimal().precision(20).scale(4).default(0).check('balance >= 0'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
