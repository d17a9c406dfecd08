import {
  balance,
  balanceInput,
  consumeInput,
  ledgerResult,
  rechargeInput,
  reconcileReport,
  resetInput,
  setInput,
  transactionPage,
  transactionsInput,
} from '@credits/contract';
import * as ledger from '../domain/ledger';
import { reconcile } from '../domain/reconcile';
import { adminProcedure, serviceProcedure, userProcedure } from './init';

export const credits = {
  balance: userProcedure(balanceInput)
    .output(balance)
    .query(({ ctx, input }) => ledger.getBalance(ctx.em, input.userId)),
  recharge: serviceProcedure
    .input(rechargeInput)
    .meta({ writes: 'transaction' })
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.recharge(ctx.em, input)),
  consume: userProcedure(consumeInput)
    .meta({ writes: 'transaction' })
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.consume(ctx.em, input)),
  reset: serviceProcedure
    .input(resetInput)
    .meta({ writes: 'transaction' })
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.reset(ctx.em, input)),
  set: serviceProcedure
    .input(setInput)
    .meta({ writes: 'transaction' })
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.setBalance(ctx.em, input)),
  transactions: userProcedure(transactionsInput)
    .output(transactionPage)
    .query(({ ctx, input }) => ledger.listTransactions(ctx.em, input)),
  /** Checks balance = sum of transactions for every user. */
  reconcile: adminProcedure.output(reconcileReport).query(({ ctx }) => reconcile(ctx.em)),
};
