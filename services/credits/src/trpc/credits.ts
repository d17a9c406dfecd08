import {
  balance,
  balanceInput,
  bucketPage,
  bucketsInput,
  captureInput,
  consumeInput,
  hold,
  holdInput,
  holdPage,
  holdRef,
  holdResult,
  holdsInput,
  ledgerResult,
  rechargeInput,
  reconcileReport,
  resetInput,
  setInput,
  transactionPage,
  transactionsInput,
} from '@credits/contract';
import { listBuckets } from '../domain/buckets';
import { captureHold, listHolds, placeHold, releaseHold } from '../domain/holds';
import * as ledger from '../domain/ledger';
import { reconcile } from '../domain/reconcile';
import { adminProcedure, serviceProcedure, userProcedure } from './init';

export const credits = {
  balance: userProcedure(balanceInput)
    .output(balance)
    .query(({ ctx, input }) => ledger.getBalance(ctx.em, input.userId, ctx.deps.clock())),
  recharge: serviceProcedure
    .input(rechargeInput)
    .meta({ writes: 'transaction' })
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.recharge(ctx.em, input, ctx.deps.clock())),
  consume: userProcedure(consumeInput)
    .meta({ writes: 'transaction' })
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.consume(ctx.em, input, ctx.deps.clock())),
  reset: serviceProcedure
    .input(resetInput)
    .meta({ writes: 'transaction' })
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.reset(ctx.em, input, ctx.deps.clock())),
  set: serviceProcedure
    .input(setInput)
    .meta({ writes: 'transaction' })
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.setBalance(ctx.em, input, ctx.deps.clock())),
  /** The user's buckets, newest first: where the balance's credits are, and when they expire. */
  buckets: userProcedure(bucketsInput)
    .output(bucketPage)
    .query(({ ctx, input }) => listBuckets(ctx.em, input)),
  transactions: userProcedure(transactionsInput)
    .output(transactionPage)
    .query(({ ctx, input }) => ledger.listTransactions(ctx.em, input)),
  /** Reserves credits for a call whose cost is known after it ran; PAYMENT_REQUIRED when they are not available. */
  hold: serviceProcedure
    .input(holdInput)
    .output(holdResult)
    .mutation(({ ctx, input }) => placeHold(ctx.em, input, ctx.deps.clock())),
  /** Ends a hold with one consume of what the call cost (and its usage record), freeing the rest. */
  capture: serviceProcedure
    .input(captureInput)
    .meta({ writes: 'transaction' })
    .output(ledgerResult)
    .mutation(({ ctx, input }) => captureHold(ctx.em, input, ctx.deps.clock())),
  /** Frees all a hold reserves. */
  release: serviceProcedure
    .input(holdRef)
    .output(hold)
    .mutation(({ ctx, input }) => releaseHold(ctx.em, input.holdId, ctx.deps.clock())),
  /** The user's holds, newest first. */
  holds: userProcedure(holdsInput)
    .output(holdPage)
    .query(({ ctx, input }) => listHolds(ctx.em, input)),
  /** Checks balance = sum of transactions for every user. */
  reconcile: adminProcedure.output(reconcileReport).query(({ ctx }) => reconcile(ctx.em)),
};
