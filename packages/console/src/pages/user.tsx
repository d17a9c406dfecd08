import type { BucketCategory } from '@credits/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ActionDialog } from '../components/action-dialog';
import { CategoryField, PriorityField } from '../components/bucket-fields';
import { DayChart, PALETTE } from '../components/chart';
import { Field } from '../components/field';
import { ShownOnce } from '../components/shown-once';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { numberOf, optionalNumberOf, textOf, utcInstantOf } from '../lib/form';
import { formatCredits, formatFromNow, formatTime, utcDaysAgo } from '../lib/format';
import { queries } from '../lib/queries';
import { useLiveBalance } from '../lib/use-live-balance';
import { BucketsSection } from './user-buckets';
import { HoldsSection } from './user-holds';
import { LedgerSection } from './user-ledger';
import { SessionsSection } from './user-sessions';

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
          {balance.data && (
            <div className="small" data-testid="available">
              Available <strong>{formatCredits(balance.data.available)}</strong> · held <strong>{formatCredits(balance.data.held)}</strong>
            </div>
          )}
          <div className="muted small">updated {balance.data ? formatTime(balance.data.updatedAt) : '…'}</div>
          {balance.data && <NextExpiry expiry={balance.data.nextExpiry} now={balance.dataUpdatedAt} />}
        </div>
        {operator && <UserActions userId={userId} />}
      </section>
      <BucketsSection userId={userId} />
      <HoldsSection userId={userId} />
      <LedgerSection userId={userId} />
      <UsageSection userId={userId} />
      <SessionsSection userId={userId} />
    </>
  );
}

function NextExpiry({ expiry, now }: { expiry: { at: Date; amount: number } | null; now: number }) {
  return (
    <div className="small" data-testid="next-expiry">
      {expiry ? (
        <>
          Next expiry: <strong>{formatCredits(expiry.amount)}</strong> credits on {formatTime(expiry.at)} ({formatFromNow(expiry.at, now)})
        </>
      ) : (
        'No credits expire.'
      )}
    </div>
  );
}

function UserActions({ userId }: { userId: number }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [createdKey, setCreatedKey] = useState<string | null>(null);
  const changed = async () => {
    await Promise.all(['credits.balance', 'credits.buckets', 'credits.transactions', 'stats.overview'].map((key) => queryClient.invalidateQueries({ queryKey: [key] })));
  };

  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of buttons that open dialogs, not form fields: a fieldset is the wrong element
    <div className="actions" role="group" aria-label="Actions">
      <ActionDialog
        label="Recharge"
        title="Recharge credits"
        confirm="Recharge"
        onConfirm={async (form, idempotencyKey) => {
          await client.credits.recharge.mutate({
            userId,
            amount: numberOf(form, 'amount'),
            idempotencyKey,
            description: textOf(form, 'description'),
            category: textOf(form, 'category') as BucketCategory | undefined,
            priority: optionalNumberOf(form, 'priority'),
            expiresAt: utcInstantOf(form, 'expiresAt'),
          });
          await changed();
        }}
      >
        <AmountField />
        <DescriptionField name="description" />
        <fieldset>
          <legend>The bucket the credits land in</legend>
          <CategoryField defaultValue="paid" />
          <PriorityField />
          <Field name="expiresAt" label="Expires at (UTC, optional)" hint="Empty: never expires">
            <input type="datetime-local" />
          </Field>
        </fieldset>
      </ActionDialog>
      <ActionDialog
        label="Consume"
        title="Consume credits"
        confirm="Consume"
        onConfirm={async (form, idempotencyKey) => {
          await client.credits.consume.mutate({ userId, amount: numberOf(form, 'amount'), idempotencyKey, description: textOf(form, 'description') });
          await changed();
        }}
      >
        <AmountField />
        <DescriptionField name="description" />
      </ActionDialog>
      <ActionDialog
        label="Set balance"
        title="Set the balance (an external update)"
        confirm="Set balance"
        onConfirm={async (form, idempotencyKey) => {
          await client.credits.set.mutate({ userId, balance: numberOf(form, 'balance'), idempotencyKey, reason: textOf(form, 'reason') });
          await changed();
        }}
      >
        <Field name="balance" label="New balance">
          <input type="number" min="0" step="0.0001" required />
        </Field>
        <DescriptionField name="reason" />
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
    <Field name="amount" label="Amount">
      <input type="number" min="0.0001" step="0.0001" required />
    </Field>
  );
}

function DescriptionField({ name }: { name: 'description' | 'reason' }) {
  return (
    <Field name={name} label={name === 'reason' ? 'Reason (optional)' : 'Description (optional)'}>
      <input maxLength={500} />
    </Field>
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
