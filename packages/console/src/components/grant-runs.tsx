import type { RouterOutputs } from '@credits/client';
import { formatCredits, formatTime } from '../lib/format';

/** Program runs (the daily grant's among them), newest first. */
export function GrantRunsTable({ runs }: { runs: RouterOutputs['grants']['status'] }) {
  if (runs.length === 0) return <p className="muted">No program has run yet.</p>;
  return (
    <table aria-label="Program runs">
      <thead>
        <tr>
          <th scope="col">Program</th>
          <th scope="col">Period</th>
          <th scope="col">Status</th>
          <th scope="col" className="num">Amount</th>
          <th scope="col" className="num">Users granted</th>
          <th scope="col">Trigger</th>
          <th scope="col">Started</th>
          <th scope="col">Finished</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id}>
            <td>{r.program}</td>
            <td>{formatTime(r.period)}</td>
            <td>
              {r.status}
              {r.error ? `: ${r.error}` : ''}
            </td>
            <td className="num">{formatCredits(r.amount)}</td>
            <td className="num">{r.usersGranted}</td>
            <td>{r.trigger}</td>
            <td>{formatTime(r.startedAt)}</td>
            <td>{formatTime(r.finishedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
