import { MAX_PAGE_SIZE } from '@credits/contract/limits';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { type Bucket, ExpiryTimeline } from '../components/expiry-timeline';
import { Pager, usePager } from '../components/pager';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatCredits, formatTime } from '../lib/format';
import { queries } from '../lib/queries';

/** Where a user's credits are: their buckets (live ones, or all), and when the live ones expire. */
export function BucketsSection({ userId }: { userId: number }) {
  const { client } = useSession();
  const [includeSpent, setIncludeSpent] = useState(false);
  const pager = usePager(`${userId} ${includeSpent}`);
  const buckets = useQuery({
    ...queries(client).buckets({ userId, includeSpent, limit: 20, ...(pager.cursor ? { cursor: pager.cursor } : {}) }),
    placeholderData: (previous) => previous,
  });
  // The timeline wants every live bucket, not the table's page of them.
  const live = useQuery(queries(client).buckets({ userId, limit: MAX_PAGE_SIZE }));

  return (
    <section aria-labelledby="buckets-title">
      <h2 id="buckets-title">Buckets</h2>
      <QueryStatus query={live} what="the buckets" />
      {live.data && <ExpiryTimeline buckets={live.data.items} now={live.dataUpdatedAt} />}
      {live.data?.nextCursor && <p className="muted small">The timeline shows the newest {MAX_PAGE_SIZE} live buckets.</p>}
      <div className="toolbar">
        <label className="inline">
          <input type="checkbox" checked={includeSpent} onChange={(e) => setIncludeSpent(e.target.checked)} /> Show spent and expired buckets
        </label>
      </div>
      {buckets.data && (
        <>
          <table aria-label="Buckets">
            <thead>
              <tr>
                <th scope="col">Bucket</th>
                <th scope="col">Category</th>
                <th scope="col" className="num">Priority</th>
                <th scope="col" className="num">Remaining</th>
                <th scope="col">Effective</th>
                <th scope="col">Expires</th>
                <th scope="col">Source</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {buckets.data.items.map((b) => (
                <tr key={b.id}>
                  <td>#{b.id}</td>
                  <td>{b.category}</td>
                  <td className="num">{b.priority}</td>
                  <td className="num">
                    {formatCredits(b.remaining)} of {formatCredits(b.amount)}
                  </td>
                  <td>{formatTime(b.effectiveAt)}</td>
                  <td>{b.expiresAt ? formatTime(b.expiresAt) : 'never'}</td>
                  <td>{b.source}</td>
                  <td>{statusOf(b, buckets.dataUpdatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {buckets.data.items.length === 0 && <p className="muted">{includeSpent ? 'No buckets.' : 'No live buckets: the balance is empty.'}</p>}
          <Pager pager={pager} nextCursor={buckets.data.nextCursor} label="Buckets" />
        </>
      )}
    </section>
  );
}

/** A bucket's state at `now`: its expiry passed (written off or about to be), used up, not in effect yet, or live. */
function statusOf(b: Bucket, now: number): string {
  if (b.expiresAt && b.expiresAt.getTime() <= now) return 'expired';
  if (b.remaining <= 0) return 'spent';
  if (b.effectiveAt.getTime() > now) return 'not in effect yet';
  return 'live';
}
