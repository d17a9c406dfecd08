import type { EventType, WebhookWithSecret } from '@credits/contract';
import { useQueryClient } from '@tanstack/react-query';
import { ActionDialog } from '../components/action-dialog';
import { ChoicesField, Field } from '../components/field';
import { useSession } from '../lib/api';
import { textOf } from '../lib/form';

// A record, not the contract's list: that comes with zod, which the console's bundle does without.
const EVENT_TYPES = Object.keys({
  'transaction.created': 1,
  'balance.low': 1,
  'balance.depleted': 1,
  'balance.recovered': 1,
  'bucket.expired': 1,
  'hold.expired': 1,
} satisfies Record<EventType, 1>) as EventType[];

/**
 * Adds an endpoint; its signing secret is answered this once (`onSecret`). The call cannot be
 * replayed (a second would add a second endpoint): one submit at a time.
 */
export function NewWebhookDialog({ onSecret }: { onSecret: (endpoint: WebhookWithSecret) => void }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  return (
    <ActionDialog
      label="New endpoint"
      title="Add a webhook endpoint"
      confirm="Create endpoint"
      unkeyed
      onConfirm={async (form) => {
        const endpoint = await client.webhooks.create.mutate({
          url: textOf(form, 'url') ?? '',
          events: form.getAll('events').map(String) as EventType[],
          description: textOf(form, 'description'),
        });
        onSecret(endpoint);
        await queryClient.invalidateQueries({ queryKey: ['webhooks.list'] });
      }}
    >
      <Field name="url" label="URL" hint="http or https: each event is posted to it, signed as Standard Webhooks says">
        <input type="url" required maxLength={2000} autoComplete="off" spellCheck={false} />
      </Field>
      <ChoicesField name="events" legend="Events" options={EVENT_TYPES} />
      <Field name="description" label="Description (optional)">
        <input maxLength={500} autoComplete="off" />
      </Field>
    </ActionDialog>
  );
}
