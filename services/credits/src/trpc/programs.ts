import { program, programRef, programRunResult, runProgramInput, upsertProgramInput } from '@credits/contract';
import { z } from 'zod';
import { principalLabel } from '../auth/principal';
import { checkPeriod, dailyProgram, findProgram, latestPeriod, removeProgram, storedPrograms, toProgram, upsertProgram } from '../domain/programs';
import { resultOrProgress } from '../jobs/grant-runs';
import { adminProcedure } from './init';
import { runAnswerMs } from './run-answer';

export const programs = {
  /** Creates or changes a grant program (not the built-in `daily`, which DAILY_GRANT_* configures). */
  upsert: adminProcedure
    .input(upsertProgramInput)
    .output(program)
    .mutation(async ({ ctx, input }) => toProgram(await upsertProgram(ctx.em, input), ctx.deps.clock())),
  /** Every program, the built-in daily first. */
  list: adminProcedure.output(z.array(program)).query(async ({ ctx }) => {
    const now = ctx.deps.clock();
    return [dailyProgram(ctx.deps.grant), ...(await storedPrograms(ctx.em))].map((p) => toProgram(p, now));
  }),
  /**
   * Runs, resumes or finds done a program's grant for a period (default: the latest at or before
   * now), or reports on the run in progress. Each user is paid once per period, however often this
   * runs. A run longer than a call may last answers `running` and goes on.
   */
  run: adminProcedure
    .input(runProgramInput)
    .output(programRunResult)
    .mutation(async ({ ctx, input }) => {
      const { deps } = ctx;
      const now = deps.clock();
      const definition = await findProgram(ctx.em, input.name, dailyProgram(deps.grant));
      const period = input.period ?? latestPeriod(definition.schedule, now);
      await checkPeriod(ctx.em, definition, period, now);
      const run = deps.grantRuns.start(definition, { period, trigger: principalLabel(ctx.principal), now });
      return resultOrProgress(run, runAnswerMs(deps.requestTimeoutMs));
    }),
  /** Removes a program: it runs no more, and what it granted stays. */
  remove: adminProcedure
    .input(programRef)
    .output(z.object({ removed: z.string() }))
    .mutation(async ({ ctx, input }) => {
      await removeProgram(ctx.em, input.name);
      return { removed: input.name };
    }),
};
