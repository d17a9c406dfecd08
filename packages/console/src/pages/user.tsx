import type { RouterInputs } from '@credits/client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ActionDialog } from '../components/action-dialog';
import { DayChart, PALETTE } from '../components/chart';
import { Pager, usePager } from '../components/pager';
import { ShownOnce } from '../components/shown-once';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatCredits, formatTime, utcDaysAgo } from '../lib/format';
import { queries } from '../lib/queries';
import { useLiveBalance } from '../lib/use-live-balance';
import { SessionsSection } from './user-sessions';

const TYPES = ['recharge', 'consume', 'grant', 'reset', 'adjust'] as const;
type LedgerType = (typeof TYPES)[number];

/** An operator's view of one user: everything below, and the actions that change the balance. */
export function UserPage({ params }: { params: { id: string } }) {
  const id = Number(params.id);
  if (!Number.isSafeInteger(id) || id <= 0) return <p role="alert">No such user: {params.id}</p>;
  return <UserView userId={id} />;
}

/** The signed-in user's own credits: the same view, without operator actions. */
export function MePage() {
  const { who } = useSession();
  return <UserView userId={who.userId!} />;
}

function UserView({ userId }: { userId: number }) {
  const { client, operator } = useSession();
  const user = useQuery(queries(client).user(userId));
  const balance = useLiveBalance(userId);

  return (
    <>
      <QueryStatus query={user} what="the user" />
      {user.data && (
        <>
          <h1>{operator ? user.data.name : `Your credits, ${user.data.name}`}</h1>
          <p className="muted">
            #{user.data.id} · {user.data.email}
            {user.data.externalId ? ` · ${user.data.externalId}` : ''}
          </p>
        </>
      )}
      <section className="balance-row" aria-label="Balance">
        <div className="card big">
          <div className="card-label">Balance</div>
          <div className="card-value" data-testid="balance" aria-live="polite">
            {balance.data ? formatCredits(balance.data.balance) : '…'}
          </div>
          <div className="muted small">updated {balance.data ? formatTime(balance.data.updatedAt) : '…'}</div>
        </div>
        {operator && <UserActions userId={userId} />}
      </section>
      <LedgerSection userId={userId} />
      <UsageSection userId={userId} />
      <SessionsSection userId={userId} />
    </>
  );
}

function UserActions({ userId }: { userId: number }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [createdKey, setCreatedKey] = useState<string | null>(null);
  const changed = async () => {
    await Promise.all(['credits.balance', 'credits.transactions', 'stats.overview'].map((key) => queryClient.invalidateQueries({ queryKey: [key] })));
  };
  const amountOf = (form: FormData, field: string) => Number(form.get(field));
  const text = (form: FormData, field: string) => {
    const value = String(form.get(field) ?? '').trim();
    return value ? value : undefined;
  };

  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of buttons that open dialogs, not form fields: a fieldset is the wrong element
    <div className="actions" role="group" aria-label="Actions">
      <ActionDialog
        label="Recharge"
        title="Recharge credits"
        confirm="Recharge"
        onConfirm={async (form, idempotencyKey) => {
          const description = text(form, 'description');
          await client.credits.recharge.mutate({ userId, amount: amountOf(form, 'amount'), idempotencyKey, ...(description ? { description } : {}) });
          await changed();
        }}
      >
        <AmountField />
        <label>
          Description (optional) <input name="description" maxLength={500} />
        </label>
      </ActionDialog>
      <ActionDialog
        label="Consume"
        title="Consume credits"
        confirm="Consume"
        onConfirm={async (form, idempotencyKey) => {
          const description = text(form, 'description');
          await client.credits.consume.mutate({ userId, amount: amountOf(form, 'amount'), idempotencyKey, ...(description ? { description } : {}) });
          await changed();
        }}
      >
        <AmountField />
        <label>
          Description (optional) <input name="description" maxLength={500} />
        </label>
      </ActionDialog>
      <ActionDialog
        label="Set balance"
        title="Set the balance (an external update)"
        confirm="Set balance"
        onConfirm={async (form, idempotencyKey) => {
          const reason = text(form, 'reason');
          await client.credits.set.mutate({ userId, balance: amountOf(form, 'balance'), idempotencyKey, ...(reason ? { reason } : {}) });
          await changed();
        }}
      >
        <label>
          New balance <input name="balance" type="number" min="0" step="0.0001" required />
        </label>
        <label>
          Reason (optional) <input name="reason" maxLength={500} />
        </label>
      </ActionDialog>
      <ActionDialog
        label="Reset"
        title="Reset the balance to 0"
        confirm="Reset to 0"
        danger
        onConfirm={async (_form, idempotencyKey) => {
          await client.credits.reset.mutate({ userId, idempotencyKey });
          await changed();
        }}
      >
        <p>The balance becomes 0, recorded as a reset in the ledger.</p>
      </ActionDialog>
      <ActionDialog
        label="New API key"
        title="Create an API key for this user"
        unkeyed
        confirm="Create key"
        onConfirm={async (form) => {
          const created = await client.apiKeys.create.mutate({ name: String(form.get('name')), scope: 'user', userId });
          setCreatedKey(created.key);
          await queryClient.invalidateQueries({ queryKey: ['apiKeys.list'] });
        }}
      >
        <label>
          Key name <input name="name" required maxLength={100} defaultValue="console" />
        </label>
      </ActionDialog>
      {createdKey && <ShownOnce secret={createdKey} onDone={() => setCreatedKey(null)} />}
    </div>
  );
}

function AmountField() {
  return (
    <label>
      Amount <input name="amount" type="number" min="0.0001" step="0.0001" required />
    </label>
  );
}

function LedgerSection({ userId }: { userId: number }) {
  const { client } = useSession();
  const [filter, setFilter] = useState<{ type: LedgerType | ''; from: string; to: string }>({ type: '', from: '', to: '' });
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

  return (
    <section aria-labelledby="ledger-title">
      <h2 id="ledger-title">Ledger</h2>
      <div className="toolbar">
        <label>
          Type
          <select value={filter.type} onChange={(e) => setFilter({ ...filter, type: e.target.value as LedgerType | '' })}>
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

function UsageSection({ userId }: { userId: number }) {
  const { client } = useSession();
  const [from] = useState(() => new Date(`${utcDaysAgo(29)}T00:00:00Z`));
  const stats = useQuery(queries(client).usageStats({ userId, from }));
  const days = useMemo(() => Array.from({ length: 30 }, (_, i) => utcDaysAgo(29 - i)), []);
  const byType = useMemo(() => seriesOf(days, stats.data?.dailyByEventType ?? []), [days, stats.data]);
  const byModel = useMemo(() => seriesOf(days, stats.data?.dailyByModel ?? []), [days, stats.data]);

  return (
    <section aria-labelledby="usage-title">
      <h2 id="usage-title">Usage, last 30 days</h2>
      <QueryStatus query={stats} what="usage" />
      {stats.data &&
        (stats.data.totalRecords === 0 ? (
          <p className="muted">No usage recorded in the last 30 days.</p>
        ) : (
          <>
            <p>
              {stats.data.totalRecords} records, {formatCredits(stats.data.totalCreditsCharged)} credits, {stats.data.totalTokensUsed} tokens, $
              {stats.data.totalCostUsd.toFixed(4)}
            </p>
            <div className="two">
              <DayChart title="Credits per day by event type" days={days} series={byType} />
              <DayChart title="Credits per day by model" days={days} series={byModel} />
            </div>
          </>
        ))}
    </section>
  );
}

/** One series per key (event type or model), a value per day (0 where the key had no usage). */
function seriesOf(days: string[], rows: { date: string; key: string; creditsCharged: number }[]) {
  const keys = [...new Set(rows.map((r) => r.key))].sort();
  return keys.map((key, i) => {
    const perDay = new Map(rows.filter((r) => r.key === key).map((r) => [r.date, r.creditsCharged]));
    return { label: key, values: days.map((d) => perDay.get(d) ?? 0), color: PALETTE[i % PALETTE.length]! };
  });
}
