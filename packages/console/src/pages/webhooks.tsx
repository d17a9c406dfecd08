import type { WebhookWithSecret } from '@credits/contract';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'wouter';
import { ShownOnce } from '../components/shown-once';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatTime } from '../lib/format';
import { queries } from '../lib/queries';
import { DeliveriesSection } from './webhook-deliveries';
import { WebhookActions } from './webhook-actions';
import { NewWebhookDialog } from './webhook-form';

/**
 * Webhook endpoints: add one (its signing secret shown once), disable, rotate or remove one, and
 * the deliveries of the one chosen. The choice is in the address (`?endpoint=`), so the overview
 * links to an endpoint's failures.
 */
export function WebhooksPage() {
  const { client } = useSession();
  const endpoints = useQuery(queries(client).webhooks());
  const [params] = useSearchParams();
  const selected = endpoints.data?.find((e) => String(e.endpointId) === params.get('endpoint'));
  const [secret, setSecret] = useState<WebhookWithSecret | null>(null);

  return (
    <>
      <h1>Webhooks</h1>
      <p>
        Each endpoint is sent the events it subscribes to, signed with its secret, and retried (eight attempts over about 27 hours) before the delivery is
        failed.
      </p>
      <div className="toolbar">
        <NewWebhookDialog onSecret={setSecret} />
      </div>
      {secret && <ShownOnce secret={secret.secret} what={`signing secret of endpoint #${secret.endpointId}`} onDone={() => setSecret(null)} />}
      <QueryStatus query={endpoints} what="webhook endpoints" />
      {endpoints.data &&
        (endpoints.data.length === 0 ? (
          <p className="muted">No endpoint yet.</p>
        ) : (
          <table aria-label="Webhook endpoints">
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Description</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.map((e) => (
                <tr key={e.endpointId}>
                  <td>#{e.endpointId}</td>
                  <td>
                    <code>{e.url}</code>
                  </td>
                  <td>{e.events.join(', ')}</td>
                  <td>{e.description ?? '—'}</td>
                  <td>{e.enabled ? 'enabled' : 'disabled'}</td>
                  <td>{formatTime(e.createdAt)}</td>
                  <td>
                    <Link href={`/webhooks?endpoint=${e.endpointId}`} aria-current={e === selected ? 'true' : undefined}>
                      Deliveries to #{e.endpointId}
                    </Link>
                    <WebhookActions endpoint={e} onSecret={setSecret} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {selected && <DeliveriesSection endpointId={selected.endpointId} />}
    </>
  );
}
