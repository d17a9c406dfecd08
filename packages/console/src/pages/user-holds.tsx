import { useQuery } from '@tanstack/react-query';
import { Pager, usePager } from '../components/pager';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatCredits, formatFromNow, formatTime } from '../lib/format';
import { queries } from '../lib/queries';

/** What active holds reserve for calls in flight: part of the balance, not available. */
export function HoldsSection({ userId }: { userId: number }) {
  const { client } = useSession();
  const pager = usePager(userId);
  const holds = useQuery({
    ...queries(client).holds({ userId, status: 'active', limit: 20, ...(pager.cursor ? { cursor: pager.cursor } : {}) }),
    placeholderData: (previous) => previous,
  });
  return (
    <section aria-labelledby="holds-title">
      <h2 id="holds-title">Active holds</h2>
      <QueryStatus query={holds} what="the holds" />
      {holds.data && (
        <>
          <table aria-label="Active holds">
            <thead>
              <tr>
                <th scope="col">Hold</th>
                <th scope="col" className="num">Amount</th>
                <th scope="col">Description</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {holds.data.items.map((h) => (
                <tr key={h.holdId}>
                  <td>#{h.holdId}</td>
                  <td className="num">{formatCredits(h.amount)}</td>
                  <td>{h.description ?? ''}</td>
                  <td>{formatTime(h.createdAt)}</td>
                  <td>
                    {formatTime(h.expiresAt)} ({formatFromNow(h.expiresAt, holds.dataUpdatedAt)})
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {holds.data.items.length === 0 && <p className="muted">No active holds: all of the balance is available.</p>}
          <Pager pager={pager} nextCursor={holds.data.nextCursor} label="Holds" />
        </>
      )}
    </section>
  );
}
