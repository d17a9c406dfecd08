import { grantResult, grantRun, grantStatusInput, runDailyInput } from '@credits/contract';
import { z } from 'zod';
import { principalLabel } from '../auth/principal';
import { grantDate, recentGrantRuns, runDailyGrant } from '../domain/grants';
import { logGrant } from '../jobs/daily-grant';
import { adminProcedure } from './init';

export const grants = {
  /** Runs, resumes or finds done the daily grant for a day (default today, UTC); waits for a run in progress. */
  runDaily: adminProcedure
    .input(runDailyInput)
    .output(grantResult)
    .mutation(async ({ ctx, input }) => {
      const { deps } = ctx;
      const trigger = principalLabel(ctx.principal);
      const date = grantDate(input.date, deps.clock());
      const result = await runDailyGrant(ctx.em, deps.grant, { date, trigger }).catch((error: unknown) => {
        deps.metrics.grantFailed();
        throw error;
      });
      logGrant(ctx.log, result, trigger);
      deps.metrics.grantFinished(result, Number(deps.grant.amount));
      return result;
    }),
  /** The latest runs, newest first. */
  status: adminProcedure
    .input(grantStatusInput)
    .output(z.array(grantRun))
    .query(({ ctx, input }) => recentGrantRuns(ctx.em, input.limit)),
};
