import type { RouterInputs, RouterOutputs } from '@credits/client';
import type { TransactionType } from '@credits/contract';
import { MAX_PAGE_SIZE } from '@credits/contract/limits';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Bucket } from '../components/expiry-timeline';
import { Pager, usePager } from '../components/pager';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatCredits, formatTime } from '../lib/format';
import { queries } from '../lib/queries';

/** Every type of row, in the filter's order (a record, so a type the contract adds is missed at compile time). */
const TYPES = Object.keys({ recharge: 1, consume: 1, grant: 1, expire: 1, reset: 1, adjust: 1 } satisfies Record<TransactionType, 1>) as TransactionType[];

type Allocation = RouterOutputs['credits']['transactions']['items'][number]['allocations'][number];

/** A user's ledger, newest first, filtered by type and UTC days, with the buckets each row moved. */
export function LedgerSection({ userId }: { userId: number }) {
  const { client } = useSession();
  const [filter, setFilter] = useState<{ type: TransactionType | ''; from: string; to: string }>({ type: '', from: '', to: '' });
  const pager = usePager(filter);
  const input: RouterInputs['credits']['transactions'] = {
    userId,
    limit: 20,
    ...(filter.type ? { type: filter.type } : {}),
    ...(filter.from ? { from: new Date(`${filter.from}T00:00:00Z`) } : {}),
    ...(filter.to ? { to: new Date(`${filter.to}T23:59:59.999Z`) } : {}),
    ...(pager.cursor ? { cursor: pager.cursor } : {}),
  };
  const ledger = useQuery({ ...queries(client).transactions(input), placeholderData: (previous) => previous });
  // The buckets the rows name, to say what each one is; a bucket older than these is named by its id alone.
  const buckets = useQuery(queries(client).buckets({ userId, includeSpent: true, limit: MAX_PAGE_SIZE }));
  const bucketById = new Map(buckets.data?.items.map((b) => [b.id, b]));

  return (
    <section aria-labelledby="ledger-title">
      <h2 id="ledger-title">Ledger</h2>
      <div className="toolbar">
        <label>
          Type
          <select value={filter.type} onChange={(e) => setFilter({ ...filter, type: e.target.value as TransactionType | '' })}>
            <option value="">all</option>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          From <input type="date" value={filter.from} onChange={(e) => setFilter({ ...filter, from: e.target.value })} />
        </label>
        <label>
          To <input type="date" value={filter.to} onChange={(e) => setFilter({ ...filter, to: e.target.value })} />
        </label>
      </div>
      <QueryStatus query={ledger} what="the ledger" />
      {ledger.data && (
        <>
          <table aria-label="Ledger rows">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col" className="num">Amount</th>
                <th scope="col" className="num">Balance after</th>
                <th scope="col">Buckets</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {ledger.data.items.map((t) => (
                <tr key={t.id}>
                  <td>{formatTime(t.createdAt)}</td>
                  <td>{t.type}</td>
                  <td className="num">{t.amount > 0 ? `+${formatCredits(t.amount)}` : formatCredits(t.amount)}</td>
                  <td className="num">{formatCredits(t.balanceAfter)}</td>
                  <td>
                    <Allocations allocations={t.allocations} bucketById={bucketById} />
                  </td>
                  <td>{t.description ?? t.referenceId ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {ledger.data.items.length === 0 && <p className="muted">No ledger rows match.</p>}
          <Pager pager={pager} nextCursor={ledger.data.nextCursor} label="Ledger" />
        </>
      )}
    </section>
  );
}

/** Which buckets a row filled or drew from, and how much: "3 from bucket #12 (promotional)". */
function Allocations({ allocations, bucketById }: { allocations: Allocation[]; bucketById: Map<number, Bucket> }) {
  if (allocations.length === 0) return null;
  return (
    <ul className="allocations">
      {allocations.map((a) => {
        const category = bucketById.get(a.bucketId)?.category;
        return (
          <li key={a.bucketId}>
            {formatCredits(Math.abs(a.amount))} {a.amount < 0 ? 'from' : 'into'} bucket #{a.bucketId}
            {category ? ` (${category})` : ''}
          </li>
        );
      })}
    </ul>
  );
}
