import { z } from 'zod';
import { amount, balanceValue } from './amount';
import { allocation, bucketTerms } from './buckets';
import { idempotencyKey, instant, page, pageInput, text, userRef } from './common';

export const TRANSACTION_TYPES = ['recharge', 'consume', 'reset', 'adjust', 'grant', 'expire'] as const;
export const transactionType = z.enum(TRANSACTION_TYPES);
export type TransactionType = z.output<typeof transactionType>;

export const balanceInput = z.object({ userId: userRef });

export const rechargeInput = z
  .object({
    userId: userRef,
    amount,
    description: text(500).optional(),
    /** A payment's id: credits the user once. Sent again with the same amount it replays the first recharge; with another, CONFLICT (REFERENCE_REUSED). */
    referenceId: text(255).optional(),
    idempotencyKey: idempotencyKey.optional(),
    /** The bucket the credits land in (default: paid, priority 50, effective now, never expiring). */
    ...bucketTerms,
  })
  .refine((i) => !i.expiresAt || !i.effectiveAt || i.expiresAt > i.effectiveAt, { message: 'must be after the credits take effect', path: ['expiresAt'] });

export const consumeInput = z.object({
  userId: userRef,
  amount,
  description: text(500).optional(),
  usageRecordId: z.number().int().positive().optional(),
  idempotencyKey: idempotencyKey.optional(),
});

export const resetInput = z.object({
  userId: userRef,
  idempotencyKey: idempotencyKey.optional(),
});

/** An external update: the balance becomes `balance`, recorded as an `adjust` row for the difference. */
export const setInput = z.object({
  userId: userRef,
  balance: balanceValue,
  reason: text(500).optional(),
  idempotencyKey: idempotencyKey.optional(),
});

export const transactionsInput = z
  .object({
    userId: userRef,
    type: transactionType.optional(),
    /** Inclusive bounds on `createdAt`. */
    from: instant.optional(),
    to: instant.optional(),
    ...pageInput,
  })
  .refine((i) => !i.from || !i.to || i.from <= i.to, { message: 'must not be after `to`', path: ['from'] });

export const balance = z.object({
  userId: z.number(),
  /** The user's credits now: their live buckets, and what holds reserve (`available` + `held`). */
  balance: z.number(),
  /** What the user can spend now: consumes, usage charges and new holds draw only from this. */
  available: z.number(),
  /** What active holds reserve for calls in flight. */
  held: z.number(),
  updatedAt: z.date(),
  /** The next instant credits expire, and how many then; null when none will. */
  nextExpiry: z.object({ at: z.date(), amount: z.number() }).nullable(),
});

/** One row of the append-only ledger. `amount` is signed: balance = sum of a user's amounts. */
export const transaction = z.object({
  id: z.number(),
  userId: z.number(),
  type: transactionType,
  amount: z.number(),
  balanceBefore: z.number(),
  balanceAfter: z.number(),
  description: z.string().nullable(),
  referenceId: z.string().nullable(),
  usageRecordId: z.number().nullable(),
  idempotencyKey: z.string().nullable(),
  /** The buckets it moved (signed amounts, summing to `amount`); empty for rows written before buckets. */
  allocations: z.array(allocation),
  /** A capture names its hold. */
  holdId: z.number().nullable(),
  createdAt: z.date(),
});
export type Transaction = z.output<typeof transaction>;

/** The result of a balance change: its ledger row, and whether it is the replay of an earlier call with the same key. */
export const ledgerResult = transaction.extend({ replayed: z.boolean() });
export type LedgerResult = z.output<typeof ledgerResult>;

export const transactionPage = page(transaction);

export const reconcileReport = z.object({
  checkedUsers: z.number(),
  /** Users whose balance differs from the sum of their ledger amounts. */
  balanceMismatches: z.array(z.object({ userId: z.number(), balance: z.number(), ledgerSum: z.number() })),
  /** Ledger rows whose balanceBefore is not the previous row's balanceAfter. */
  brokenChains: z.array(z.object({ userId: z.number(), transactionId: z.number() })),
  /** Users whose balance differs from the sum of their buckets' remaining credits. */
  bucketMismatches: z.array(z.object({ userId: z.number(), balance: z.number(), bucketSum: z.number() })),
  /** Buckets whose remaining credits differ from what the ledger's allocations moved into and out of them. */
  bucketsOffLedger: z.array(z.object({ bucketId: z.number(), remaining: z.number(), allocated: z.number() })),
  ok: z.boolean(),
});
export type ReconcileReport = z.output<typeof reconcileReport>;

export type RechargeInput = z.output<typeof rechargeInput>;
export type ConsumeInput = z.output<typeof consumeInput>;
export type ResetInput = z.output<typeof resetInput>;
export type SetInput = z.output<typeof setInput>;
export type TransactionsInput = z.output<typeof transactionsInput>;
export type Balance = z.output<typeof balance>;
export type TransactionPage = z.output<typeof transactionPage>;
