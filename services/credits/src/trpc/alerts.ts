import { alerts as alertsOutput, alertsGetInput, alertsSetInput } from '@credits/contract';
import { getAlerts, setAlerts } from '../domain/alerts';
import { userProcedure } from './init';

export const alerts = {
  /** The user's low-balance threshold in force and where the balance stands against it. */
  get: userProcedure(alertsGetInput)
    .output(alertsOutput)
    .query(({ ctx, input }) => getAlerts(ctx.em, input.userId)),
  /** The user's own threshold (null: no low alert); the next change is judged by it. */
  set: userProcedure(alertsSetInput)
    .output(alertsOutput)
    .mutation(({ ctx, input }) => setAlerts(ctx.em, input)),
};
