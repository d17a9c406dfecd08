import type { WebhookEndpoint, WebhookWithSecret } from '@credits/contract';
import { useQueryClient } from '@tanstack/react-query';
import { ActionDialog } from '../components/action-dialog';
import { useSession } from '../lib/api';

/** What one endpoint's row can do: turn it off or on, rotate its secret (answered once: `onSecret`), remove it. */
export function WebhookActions({ endpoint, onSecret }: { endpoint: WebhookEndpoint; onSecret: (endpoint: WebhookWithSecret) => void }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const { endpointId, enabled } = endpoint;
  const name = `endpoint #${endpointId}`;
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['webhooks.list'] });

  return (
    <div className="actions">
      <ActionDialog
        label={`${enabled ? 'Disable' : 'Enable'} ${name}`}
        title={`${enabled ? 'Disable' : 'Enable'} the ${name}?`}
        confirm={enabled ? 'Disable' : 'Enable'}
        onConfirm={async () => {
          await client.webhooks.update.mutate({ endpointId, enabled: !enabled });
          await refresh();
        }}
      >
        <p>
          {enabled
            ? 'Events from now on are not sent to it; deliveries already made are still attempted.'
            : 'Events from now on are sent to it; those while it was disabled are not.'}
        </p>
      </ActionDialog>
      <ActionDialog
        label={`Rotate the secret of ${name}`}
        title={`Rotate the signing secret of the ${name}?`}
        confirm="Rotate"
        unkeyed
        onConfirm={async () => onSecret(await client.webhooks.rotateSecret.mutate({ endpointId }))}
      >
        <p>Every attempt from now on is signed with the new secret, retries of earlier events too: give it to the receiver at once.</p>
      </ActionDialog>
      <ActionDialog
        label={`Remove ${name}`}
        title={`Remove the ${name}?`}
        confirm="Remove"
        danger
        onConfirm={async () => {
          await client.webhooks.remove.mutate({ endpointId });
          await refresh();
        }}
      >
        <p>It is sent nothing more, and its deliveries are deleted with it. This cannot be undone.</p>
      </ActionDialog>
    </div>
  );
}
