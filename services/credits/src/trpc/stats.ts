import { overview, overviewInput } from '@credits/contract';
import { ledgerOverview } from '../domain/ledger-stats';
import { serviceProcedure } from './init';

export const stats = {
  /** The ledger per day over a range (granted, recharged, consumed, active users) and its top consumers, from the daily rollups. */
  overview: serviceProcedure
    .input(overviewInput)
    .output(overview)
    .query(({ ctx, input }) => ledgerOverview(ctx.em, input)),
};
