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
import { publicProcedure } from './init';

export const credits = {
  balance: publicProcedure
    .input(balanceInput)
    .output(balance)
    .query(({ ctx, input }) => ledger.getBalance(ctx.em, input.userId)),
  recharge: publicProcedure
    .input(rechargeInput)
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.recharge(ctx.em, input)),
  consume: publicProcedure
    .input(consumeInput)
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.consume(ctx.em, input)),
  reset: publicProcedure
    .input(resetInput)
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.reset(ctx.em, input)),
  set: publicProcedure
    .input(setInput)
    .output(ledgerResult)
    .mutation(({ ctx, input }) => ledger.setBalance(ctx.em, input)),
  transactions: publicProcedure
    .input(transactionsInput)
    .output(transactionPage)
    .query(({ ctx, input }) => ledger.listTransactions(ctx.em, input)),
  /** Checks balance = sum of transactions for every user. */
  reconcile: publicProcedure.output(reconcileReport).query(({ ctx }) => reconcile(ctx.em)),
};
