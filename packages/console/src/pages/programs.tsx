import type { ProgramRunResult } from '@credits/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ActionDialog } from '../components/action-dialog';
import { GrantRunsTable } from '../components/grant-runs';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatCredits, formatTime } from '../lib/format';
import { queries } from '../lib/queries';
import { MODE_LABELS, ProgramDialog } from './program-form';
import { RunProgramDialog, RunResult } from './program-run';

/** How often the runs are read again while one of them is running. */
const RUN_POLL_MS = 1_000;

/**
 * Grant programs: credits for every user on a schedule. The built-in daily grant first (the
 * service's settings configure it: it runs, but is not edited or removed here), then the
 * programs of one's own, to create, edit, remove and run now; and the latest runs.
 */
export function ProgramsPage() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const programs = useQuery(queries(client).programs());
  const runs = useQuery({
    ...queries(client).grantRuns({ limit: 50 }),
    refetchInterval: (query) => (query.state.data?.some((r) => r.status === 'running') ? RUN_POLL_MS : false),
  });
  const [result, setResult] = useState<ProgramRunResult | null>(null);

  return (
    <>
      <h1>Programs</h1>
      <p>Each program gives every user credits on its schedule (cron, UTC), once per user per period, into buckets of its terms.</p>
      <div className="toolbar">
        <ProgramDialog />
      </div>
      <QueryStatus query={programs} what="programs" />
      {programs.data && (
        <table aria-label="Programs">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Mode</th>
              <th scope="col" className="num">Amount</th>
              <th scope="col">Schedule (UTC)</th>
              <th scope="col">Expires after</th>
              <th scope="col">Category</th>
              <th scope="col" className="num">Priority</th>
              <th scope="col">Next period</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {programs.data.map((p) => (
              <tr key={p.name}>
                <td>
                  {p.name}
                  {p.builtIn && <span className="tag">built-in</span>}
                  {!p.enabled && <span className="tag">disabled</span>}
                </td>
                <td>{MODE_LABELS[p.mode]}</td>
                <td className="num">{formatCredits(p.amount)}</td>
                <td>
                  <code>{p.schedule}</code>
                </td>
                <td>{p.expiresAfter ?? 'never'}</td>
                <td>{p.category}</td>
                <td className="num">{p.priority}</td>
                <td>{p.nextPeriod ? formatTime(p.nextPeriod) : '—'}</td>
                <td>
                  <div className="actions">
                    <RunProgramDialog name={p.name} onResult={setResult} />
                    {p.builtIn ? (
                      <span className="muted small">set by DAILY_GRANT_AMOUNT and DAILY_GRANT_ENABLED</span>
                    ) : (
                      <>
                        <ProgramDialog program={p} />
                        <ActionDialog
                          label={`Remove ${p.name}`}
                          title={`Remove the program ${p.name}?`}
                          confirm="Remove"
                          danger
                          onConfirm={async () => {
                            await client.programs.remove.mutate({ name: p.name });
                            await queryClient.invalidateQueries({ queryKey: ['programs.list'] });
                          }}
                        >
                          <p>It runs no more. The credits it granted stay where they are.</p>
                        </ActionDialog>
                      </>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result && <RunResult result={result} runs={runs.data ?? []} />}
      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Runs</h2>
        <QueryStatus query={runs} what="program runs" />
        {runs.data && <GrantRunsTable runs={runs.data} />}
      </section>
    </>
  );
}
