import { grantResult, grantRun, grantStatusInput, runDailyInput } from '@credits/contract';
import { z } from 'zod';
import { principalLabel } from '../auth/principal';
import { dayPeriod, grantDate, recentGrantRuns } from '../domain/grants';
import { dailyProgram } from '../domain/programs';
import { resultOrProgress } from '../jobs/grant-runs';
import { adminProcedure } from './init';
import { runAnswerMs } from './run-answer';

export const grants = {
  /**
   * Runs, resumes or finds done the daily grant (the built-in `daily` program) for a day (default
   * today, UTC), or reports on the run in progress; a run longer than a call may last answers `running` and goes on.
   */
  runDaily: adminProcedure
    .input(runDailyInput)
    .output(grantResult)
    .mutation(async ({ ctx, input }) => {
      const { deps } = ctx;
      const now = deps.clock();
      const date = grantDate(input.date, now);
      const run = deps.grantRuns.start(dailyProgram(deps.grant), { period: dayPeriod(date), trigger: principalLabel(ctx.principal), now });
      const { status, granted, alreadyGranted, refused, ms } = await resultOrProgress(run, runAnswerMs(deps.requestTimeoutMs));
      return { status, date, granted, alreadyGranted, refused, ms };
    }),
  /** The latest runs of every program, newest first. */
  status: adminProcedure
    .input(grantStatusInput)
    .output(z.array(grantRun))
    .query(({ ctx, input }) => recentGrantRuns(ctx.em, input.limit)),
};
