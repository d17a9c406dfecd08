import type { GrantResult } from '@credits/contract';
import type { Logger } from '@credits/runtime';
import type { Metrics } from './metrics';

/**
 * A grant run as operators see it, whoever started it (the schedule or an admin): one log line
 * and its metrics when it ends, the failure counted when it fails. The run's own error stands.
 */
export async function observeGrant(run: Promise<GrantResult>, log: Logger, metrics: Metrics, amount: number, trigger: string): Promise<GrantResult> {
  let result: GrantResult;
  try {
    result = await run;
  } catch (error) {
    metrics.grantFailed();
    throw error;
  }
  log.info(
    { grant: result, trigger },
    `daily grant ${result.date}: ${result.granted} users paid, ${result.alreadyGranted} already paid, ${result.refused} at the ceiling, in ${result.ms} ms`,
  );
  metrics.grantFinished(result, amount);
  return result;
}
