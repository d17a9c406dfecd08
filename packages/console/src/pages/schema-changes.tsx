import { useQuery } from '@tanstack/react-query';
import { Pager, usePager } from '../components/pager';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatTime } from '../lib/format';
import { queries } from '../lib/queries';

/** Every schema change made through the API, newest first, with who made it and its SQL. */
export function SchemaChangesPage() {
  const { client } = useSession();
  const pager = usePager(null);
  const history = useQuery({ ...queries(client).schemaHistory({ limit: 50, ...(pager.cursor ? { cursor: pager.cursor } : {}) }), placeholderData: (previous) => previous });
  return (
    <>
      <h1>Schema changes</h1>
      <QueryStatus query={history} what="schema changes" />
      {history.data && (
        <>
          {history.data.items.length === 0 && <p className="muted">No schema change has been made through the API.</p>}
          {history.data.items.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">By</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Table</th>
                  <th scope="col">Column</th>
                  <th scope="col">SQL</th>
                </tr>
              </thead>
              <tbody>
                {history.data.items.map((c) => (
                  <tr key={c.id}>
                    <td>{formatTime(c.createdAt)}</td>
                    <td>{c.principal}</td>
                    <td>{c.operation}</td>
                    <td>{c.table}</td>
                    <td>{c.column ?? '—'}</td>
                    <td>
                      <code className="sql">{c.sql.join('\n')}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager pager={pager} nextCursor={history.data.nextCursor} label="Schema changes" />
        </>
      )}
    </>
  );
}
