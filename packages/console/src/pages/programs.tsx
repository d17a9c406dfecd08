import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ActionDialog } from '../components/action-dialog';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { queries } from '../lib/queries';
import { GrantRunsTable } from '../components/grant-runs';

/**
 * Grant programs. Today there is one, the built-in daily grant: its runs, and "run now" for a day.
 * (Programs of one's own, to list and edit, come with the grant programs of the service.)
 */
export function ProgramsPage() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const runs = useQuery(queries(client).grantRuns({ limit: 50 }));
  const [result, setResult] = useState<string | null>(null);

  return (
    <>
      <h1>Programs</h1>
      <section aria-labelledby="daily-title">
        <h2 id="daily-title">Daily grant</h2>
        <p>Every user receives the daily amount once per UTC day, at 00:00 UTC. Running it again for a day pays no one twice.</p>
        <ActionDialog
          label="Run now"
          title="Run the daily grant"
          confirm="Run grant"
          onConfirm={async (form) => {
            const date = String(form.get('date') ?? '');
            const r = await client.grants.runDaily.mutate(date ? { date } : {});
            setResult(`${r.date}: ${r.granted} users granted now, ${r.alreadyGranted} already had it${r.refused ? `, ${r.refused} refused (ceiling)` : ''}.`);
            await queryClient.invalidateQueries({ queryKey: ['grants.status'] });
            await queryClient.invalidateQueries({ queryKey: ['stats.overview'] });
          }}
        >
          <label>
            Day (UTC; empty for today) <input name="date" type="date" />
          </label>
        </ActionDialog>
        {result && <p role="status">{result}</p>}
      </section>
      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Runs</h2>
        <QueryStatus query={runs} what="grant runs" />
        {runs.data && <GrantRunsTable runs={runs.data} />}
      </section>
    </>
  );
}
