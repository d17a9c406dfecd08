import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { useSession } from '../lib/api';
import { formatLastAnswer, formatTime } from '../lib/format';
import { queries } from '../lib/queries';
import { QueryStatus } from './status';

/** The latest failures read per endpoint: enough to see that something is wrong; the Webhooks page has them all. */
const LATEST = 3;

/** Deliveries that failed after their last attempt, across endpoints; nothing when there is no endpoint. */
export function WebhookFailures() {
  const { client } = useSession();
  const endpoints = useQuery(queries(client).webhooks());
  const failures = useQueries({
    queries: (endpoints.data ?? []).map((e) => queries(client).deliveries({ endpointId: e.endpointId, status: 'failed', limit: LATEST })),
  });
  if (endpoints.isPending || endpoints.data?.length === 0) return null;
  const failed = failures.flatMap((q) => q.data?.items ?? []);
  const more = failures.some((q) => q.data?.nextCursor);
  const reading = { isPending: failures.some((q) => q.isPending), error: endpoints.error ?? failures.find((q) => q.error)?.error };

  return (
    <section aria-labelledby="webhook-failures-title">
      <h2 id="webhook-failures-title">Webhook failures</h2>
      <QueryStatus query={reading} what="webhook failures" />
      {!reading.isPending &&
        !reading.error &&
        (failed.length === 0 ? (
          <p className="muted">No delivery has failed.</p>
        ) : (
          <>
            <p data-testid="webhook-failures">Failed after their last attempt: {more ? `more than ${failed.length}` : failed.length}</p>
            <ul>
              {failed.map((d) => (
                <li key={d.deliveryId}>
                  <Link href={`/webhooks?endpoint=${d.endpointId}&status=failed`}>
                    {d.eventType} for user #{d.userId} to endpoint #{d.endpointId}
                  </Link>
                  : {formatLastAnswer(d)}, {formatTime(d.finishedAt)}
                </li>
              ))}
            </ul>
          </>
        ))}
      <p>
        <Link href="/webhooks">All endpoints and deliveries</Link>
      </p>
    </section>
  );
}
