import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ActionDialog } from '../components/action-dialog';
import { Pager, usePager } from '../components/pager';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatTime } from '../lib/format';
import { queries } from '../lib/queries';
import { ShownOnce } from '../components/shown-once';

/** API keys: make one (its secret shown once), see them all, revoke one. */
export function ApiKeysPage() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const pager = usePager(includeRevoked);
  const keys = useQuery({ ...queries(client).apiKeys({ limit: 50, includeRevoked, ...(pager.cursor ? { cursor: pager.cursor } : {}) }), placeholderData: (previous) => previous });
  const [created, setCreated] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['apiKeys.list'] });

  return (
    <>
      <h1>API keys</h1>
      <div className="toolbar">
        <ActionDialog
          label="New API key"
          title="Create an API key"
          unkeyed
          confirm="Create key"
          onConfirm={async (form) => {
            const scope = String(form.get('scope')) as 'admin' | 'service' | 'user';
            const userId = Number(form.get('userId'));
            const key = await client.apiKeys.create.mutate({ name: String(form.get('name')), scope, ...(scope === 'user' ? { userId } : {}) });
            setCreated(key.key);
            await refresh();
          }}
        >
          <label>
            Name <input name="name" required maxLength={100} autoComplete="off" />
          </label>
          <label>
            Scope
            <select name="scope" defaultValue="service">
              <option value="service">service: acts on any user</option>
              <option value="admin">admin: everything</option>
              <option value="user">user: one user only</option>
            </select>
          </label>
          <label>
            User id (for a user key) <input name="userId" type="number" min="1" />
          </label>
        </ActionDialog>
        <label className="inline">
          <input type="checkbox" checked={includeRevoked} onChange={(e) => setIncludeRevoked(e.target.checked)} /> Show revoked keys
        </label>
      </div>
      {created && <ShownOnce secret={created} onDone={() => setCreated(null)} />}
      <QueryStatus query={keys} what="API keys" />
      {keys.data && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">User</th>
                <th scope="col">Prefix</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>{k.scope}</td>
                  <td>{k.userId ?? '—'}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{formatTime(k.createdAt)}</td>
                  <td>{formatTime(k.lastUsedAt)}</td>
                  <td>
                    {k.revokedAt ? (
                      `revoked ${formatTime(k.revokedAt)}`
                    ) : (
                      <ActionDialog
                        label={`Revoke ${k.name}`}
                        title={`Revoke the key "${k.name}"?`}
                        confirm="Revoke"
                        danger
                        onConfirm={async () => {
                          await client.apiKeys.revoke.mutate({ id: k.id });
                          await refresh();
                        }}
                      >
                        <p>Every request with this key is refused from the next one on. This cannot be undone.</p>
                      </ActionDialog>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pager={pager} nextCursor={keys.data.nextCursor} label="API keys" />
        </>
      )}
    </>
  );
}
