import { checkCredits, type CreditsProblem } from './credits-key';
import type { Dataset } from './dataset';

/**
 * What the service says of itself. `/health` (liveness) is 200 while the process serves, and says
 * `degraded` when the credits service does not answer or does not take this service's key: every
 * metered call fails then. `/ready` is 503 then, or when its own database does not answer, so a
 * load balancer sends its traffic elsewhere.
 */
export function createProbes(creditsUrl: string, creditsKey: string, dataset: Dataset) {
  const databaseAnswers = () =>
    Promise.race([dataset.pool.query('select 1').then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, 2_000, false).unref())]).catch(() => false);
  return {
    async health(): Promise<{ status: 'healthy' } | { status: 'degraded'; credits: CreditsProblem }> {
      const problem = await checkCredits(creditsUrl, creditsKey);
      return problem ? { status: 'degraded', credits: problem } : { status: 'healthy' };
    },
    /** Undefined when ready; else what is not. */
    async notReady(): Promise<string | undefined> {
      const [problem, database] = await Promise.all([checkCredits(creditsUrl, creditsKey), databaseAnswers()]);
      const missing = [...(problem ? [`credits service ${problem}`] : []), ...(database ? [] : ['database unavailable'])];
      return missing.length ? missing.join(', ') : undefined;
    },
  };
}
