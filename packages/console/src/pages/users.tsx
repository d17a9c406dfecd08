import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { ActionDialog } from '../components/action-dialog';
import { Pager, usePager } from '../components/pager';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatTime } from '../lib/format';
import { queries } from '../lib/queries';

/** Find a user by part of their email, name or external id. */
export function UsersPage() {
  const { client } = useSession();
  const [search, setSearch] = useState('');
  const term = useDeferredValue(search.trim());
  const pager = usePager(term);
  const users = useQuery({ ...queries(client).users({ limit: 25, ...(term ? { search: term } : {}), ...(pager.cursor ? { cursor: pager.cursor } : {}) }), placeholderData: (previous) => previous });
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const create = useMutation({
    mutationFn: (input: { email: string; name: string; externalId?: string; idempotencyKey: string }) => client.users.create.mutate(input),
    onSuccess: (user) => {
      void queryClient.invalidateQueries({ queryKey: ['users.list'] });
      navigate(`/users/${user.id}`);
    },
  });

  return (
    <>
      <h1>Users</h1>
      <div className="toolbar">
        <label className="grow">
          Search by email, name or external id
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="ada@example.com, Ada, auth0|123" />
        </label>
        <ActionDialog
          label="New user"
          title="Create a user"
          confirm="Create user"
          onConfirm={async (form, idempotencyKey) => {
            const externalId = String(form.get('externalId') ?? '').trim();
            await create.mutateAsync({ email: String(form.get('email')), name: String(form.get('name')), ...(externalId ? { externalId } : {}), idempotencyKey });
          }}
        >
          <label>
            Email <input name="email" type="email" required autoComplete="off" />
          </label>
          <label>
            Name <input name="name" required autoComplete="off" />
          </label>
          <label>
            External id (optional) <input name="externalId" autoComplete="off" />
          </label>
        </ActionDialog>
      </div>
      <QueryStatus query={users} what="users" />
      {users.data && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">External id</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.id}</td>
                  <td>
                    <Link href={`/users/${u.id}`}>{u.name}</Link>
                  </td>
                  <td>{u.email}</td>
                  <td>{u.externalId ?? '—'}</td>
                  <td>{formatTime(u.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {users.data.items.length === 0 && <p className="muted">No user matches.</p>}
          <Pager pager={pager} nextCursor={users.data.nextCursor} label="Users" />
        </>
      )}
    </>
  );
}
