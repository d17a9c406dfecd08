import { listUsageInput, recordedUsage, recordUsageInput, usagePage, usageStats, usageStatsInput } from '@credits/contract';
import { listUsage, recordUsage, usageStats as stats } from '../domain/usage';
import { userProcedure } from './init';

export const usage = {
  /** Records a usage event; with `charge: true` also consumes `creditsCharged`, atomically. */
  record: userProcedure(recordUsageInput)
    .meta({ writes: 'usage' })
    .output(recordedUsage)
    .mutation(({ ctx, input }) => recordUsage(ctx.em, input, ctx.deps.clock())),
  list: userProcedure(listUsageInput)
    .output(usagePage)
    .query(({ ctx, input }) => listUsage(ctx.em, input)),
  stats: userProcedure(usageStatsInput)
    .output(usageStats)
    .query(({ ctx, input }) => stats(ctx.em, input)),
};
