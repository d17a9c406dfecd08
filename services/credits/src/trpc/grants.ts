import { grantResult, grantRun, grantStatusInput, runDailyInput } from '@credits/contract';
import { z } from 'zod';
import { principalLabel } from '../auth/principal';
import { grantDate, recentGrantRuns, runDailyGrant } from '../domain/grants';
import { observeGrant } from '../observability/grants';
import { adminProcedure } from './init';

export const grants = {
  /** Runs, resumes or finds done the daily grant for a day (default today, UTC); waits for a run in progress. */
  runDaily: adminProcedure
    .input(runDailyInput)
    .output(grantResult)
    .mutation(async ({ ctx, input }) => {
      const { deps } = ctx;
      const trigger = principalLabel(ctx.principal);
      const now = deps.clock();
      const date = grantDate(input.date, now);
      return observeGrant(runDailyGrant(ctx.em, deps.grant, { date, trigger, now, pace: deps.pace }), ctx.log, deps.metrics, Number(deps.grant.amount), trigger);
    }),
  /** The latest runs, newest first. */
  status: adminProcedure
    .input(grantStatusInput)
    .output(z.array(grantRun))
    .query(({ ctx, input }) => recentGrantRuns(ctx.em, input.limit)),
};
