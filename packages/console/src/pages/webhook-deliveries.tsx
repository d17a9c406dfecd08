import type { WebhookDelivery } from '@credits/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'wouter';
import { ActionDialog } from '../components/action-dialog';
import { Pager, usePager } from '../components/pager';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatLastAnswer, formatTime } from '../lib/format';
import { queries } from '../lib/queries';

type Status = WebhookDelivery['status'];
// A record, not the contract's list: that comes with zod, which the console's bundle does without.
const STATUSES = Object.keys({ pending: 1, succeeded: 1, failed: 1 } satisfies Record<Status, 1>) as Status[];

/** Deliveries are made and attempted in the background, so the list is read again while it is open. */
const POLL_MS = 2_000;

/** An endpoint's deliveries, newest first, filtered by status (in the address, as the overview links to the failed ones). */
export function DeliveriesSection({ endpointId }: { endpointId: number }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const status = STATUSES.find((s) => s === params.get('status'));
  const pager = usePager(`${endpointId} ${status}`);
  const deliveries = useQuery({
    ...queries(client).deliveries({ endpointId, limit: 20, ...(status ? { status } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) }),
    placeholderData: (previous) => previous,
    refetchInterval: POLL_MS,
  });
  const filter = (value: string) =>
    setParams((previous) => {
      const next = new URLSearchParams(previous);
      if (value) next.set('status', value);
      else next.delete('status');
      return next;
    });

  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries to endpoint #{endpointId}</h2>
      <div className="toolbar">
        <label>
          Status
          <select value={status ?? ''} onChange={(e) => filter(e.target.value)}>
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      <QueryStatus query={deliveries} what="deliveries" />
      {deliveries.data && (
        <>
          {deliveries.data.items.length === 0 ? (
            <p className="muted">No deliveries{status ? ` ${status}` : ''}.</p>
          ) : (
            <table aria-label="Deliveries">
              <thead>
                <tr>
                  <th scope="col">Delivery</th>
                  <th scope="col">Event</th>
                  <th scope="col">User</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col">Last answer</th>
                  <th scope="col">Created</th>
                  <th scope="col">Finished</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.data.items.map((d) => (
                  <tr key={d.deliveryId}>
                    <td>#{d.deliveryId}</td>
                    <td>
                      {d.eventType} <code>evt_{d.eventId}</code>
                    </td>
                    <td>
                      <Link href={`/users/${d.userId}`}>#{d.userId}</Link>
                    </td>
                    <td>{d.status === 'pending' && d.nextAttemptAt ? `pending, next attempt ${formatTime(d.nextAttemptAt)}` : d.status}</td>
                    <td className="num">{d.attempts}</td>
                    <td>{formatLastAnswer(d)}</td>
                    <td>{formatTime(d.createdAt)}</td>
                    <td>{formatTime(d.finishedAt)}</td>
                    <td>
                      {d.status !== 'pending' && (
                        <ActionDialog
                          label={`Redeliver #${d.deliveryId}`}
                          title={`Send the delivery #${d.deliveryId} again?`}
                          confirm="Redeliver"
                          onConfirm={async () => {
                            await client.webhooks.redeliver.mutate({ deliveryId: d.deliveryId });
                            await queryClient.invalidateQueries({ queryKey: ['webhooks.deliveries'] });
                          }}
                        >
                          <p>
                            It is sent from now on, retried on the schedule from its start, with the same webhook-id: a receiver that dedupes by it takes it
                            once.
                          </p>
                        </ActionDialog>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager pager={pager} nextCursor={deliveries.data.nextCursor} label="Deliveries" />
        </>
      )}
    </section>
  );
}
