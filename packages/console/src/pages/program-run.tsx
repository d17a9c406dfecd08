import type { RouterOutputs } from '@credits/client';
import type { ProgramRunResult } from '@credits/contract';
import { useQueryClient } from '@tanstack/react-query';
import { ActionDialog } from '../components/action-dialog';
import { Field } from '../components/field';
import { useSession } from '../lib/api';
import { utcInstantOf } from '../lib/form';
import { formatCredits, formatTime } from '../lib/format';

/** What a run pays moves balances, buckets, ledgers and the overview, and adds a run. */
const MOVED = ['grants.status', 'stats.overview', 'credits.balance', 'credits.buckets', 'credits.transactions'];

/** "Run now", behind a confirmation: a period of the program (default the latest), paid once per user however often it runs. */
export function RunProgramDialog({ name, onResult }: { name: string; onResult: (result: ProgramRunResult) => void }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return (
    <ActionDialog
      label={`Run ${name} now`}
      title={`Run the program ${name} now?`}
      confirm="Run now"
      onConfirm={async (form) => {
        const result = await client.programs.run.mutate({ name, period: utcInstantOf(form, 'period') });
        onResult(result);
        await Promise.all(MOVED.map((key) => queryClient.invalidateQueries({ queryKey: [key] })));
      }}
    >
      <p>Every user gets the period's grant, once: users it already paid are skipped.</p>
      <Field name="period" label="Period (UTC, optional)" hint="A firing of the schedule; empty: the latest at or before now">
        <input type="datetime-local" />
      </Field>
    </ActionDialog>
  );
}

/**
 * A run's outcome as the service answered it. A run that outlasts the call is answered `running`
 * and goes on in the service: its row in the runs (read again while it runs) tells its progress
 * and its end.
 */
export function RunResult({ result, runs }: { result: ProgramRunResult; runs: RouterOutputs['grants']['status'] }) {
  const what = `${result.program}, period ${formatTime(result.period)}`;
  if (result.status === 'completed') {
    return (
      <p role="status" className="callout" data-testid="run-result">
        {what}: completed. {result.granted} users granted {formatCredits(result.credits)} credits now, {result.alreadyGranted} already had the grant
        {result.refused ? `, ${result.refused} refused (the balance ceiling)` : ''}. {result.ms} ms.
      </p>
    );
  }
  const row = runs.find((r) => r.program === result.program && r.period.getTime() === result.period.getTime());
  const progress = row && row.status !== 'running' ? `${row.status}${row.error ? ` (${row.error})` : ''}: ${row.usersGranted} users granted.` : `running: ${Math.max(result.granted, row?.usersGranted ?? 0)} users granted so far…`;
  return (
    <p role="status" className="callout" data-testid="run-result">
      {what}: {progress}
    </p>
  );
}
