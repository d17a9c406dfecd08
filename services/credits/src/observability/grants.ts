import type { ProgramRunCounts } from '@credits/contract';
import type { Logger } from '@credits/runtime';
import type { Metrics } from './metrics';

/**
 * A grant program's run as operators see it, whoever started it (the schedule or an admin): one
 * log line and its metrics when it ends, the failure counted when it fails. The run's own error stands.
 */
export async function observeGrant(run: Promise<ProgramRunCounts>, log: Logger, metrics: Metrics, trigger: string): Promise<ProgramRunCounts> {
  let result: ProgramRunCounts;
  try {
    result = await run;
  } catch (error) {
    metrics.grantFailed();
    throw error;
  }
  log.info(
    { grant: result, trigger },
    `grant program ${result.program}, period ${result.period.toISOString()}: ${result.granted} users paid, ${result.alreadyGranted} already paid, ${result.refused} at the ceiling, in ${result.ms} ms`,
  );
  metrics.grantFinished(result);
  return result;
}
