import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'wouter';
import { DayChart, PALETTE } from '../components/chart';
import { GrantRunsTable } from '../components/grant-runs';
import { QueryStatus } from '../components/status';
import { WebhookFailures } from '../components/webhook-failures';
import { useSession } from '../lib/api';
import { formatCredits, formatTime, utcDaysAgo } from '../lib/format';
import { queries } from '../lib/queries';

const PRESETS = [7, 30, 90, 365];

/** Where the credits went: per day over a range, who consumed most, the latest grant runs, and failed webhooks. */
export function OverviewPage() {
  const { client, admin } = useSession();
  const [range, setRange] = useState({ from: utcDaysAgo(29), to: utcDaysAgo(0) });
  const overview = useQuery({ ...queries(client).overview(range), refetchInterval: 10_000 });
  const runs = useQuery({ ...queries(client).grantRuns({ limit: 5 }), enabled: admin });
  const data = overview.data;

  const days = useMemo(() => data?.days.map((d) => d.day) ?? [], [data]);
  const creditSeries = useMemo(
    () =>
      data
        ? [
            { label: 'Granted', values: data.days.map((d) => d.granted), color: PALETTE[2]! },
            { label: 'Recharged', values: data.days.map((d) => d.recharged), color: PALETTE[0]! },
            { label: 'Consumed', values: data.days.map((d) => d.consumed), color: PALETTE[1]! },
            { label: 'Expired', values: data.days.map((d) => d.expired), color: PALETTE[4]! },
          ]
        : [],
    [data],
  );
  const activeSeries = useMemo(() => (data ? [{ label: 'Active users', values: data.days.map((d) => d.activeUsers), color: PALETTE[3]! }] : []), [data]);
  const peak = data ? Math.max(0, ...data.days.map((d) => d.activeUsers)) : 0;

  return (
    <>
      <h1>Overview</h1>
      <form className="range" aria-label="Range" onSubmit={(e) => e.preventDefault()}>
        {PRESETS.map((n) => (
          <button key={n} type="button" aria-pressed={range.from === utcDaysAgo(n - 1) && range.to === utcDaysAgo(0)} onClick={() => setRange({ from: utcDaysAgo(n - 1), to: utcDaysAgo(0) })}>
            {n} days
          </button>
        ))}
        <label>
          From <input type="date" value={range.from} max={range.to} onChange={(e) => e.target.value && setRange({ ...range, from: e.target.value })} />
        </label>
        <label>
          To <input type="date" value={range.to} min={range.from} onChange={(e) => e.target.value && setRange({ ...range, to: e.target.value })} />
        </label>
      </form>
      <QueryStatus query={overview} what="the overview" />
      {data && (
        <>
          <section className="cards" aria-label="Totals">
            <Card label="Granted" value={formatCredits(data.totals.granted)} />
            <Card label="Recharged" value={formatCredits(data.totals.recharged)} />
            <Card label="Consumed" value={formatCredits(data.totals.consumed)} />
            <Card label="Expired" value={formatCredits(data.totals.expired)} />
            <Card label="Active users today" value={String(data.days.at(-1)?.activeUsers ?? 0)} />
            <Card label="Peak active users" value={String(peak)} />
          </section>
          <DayChart title="Credits per day" days={days} series={creditSeries} />
          <DayChart title="Active users per day (at least one consume)" days={days} series={activeSeries} height={180} />
          <section aria-labelledby="top-title">
            <h2 id="top-title">Top consumers</h2>
            {data.topConsumers.length === 0 ? (
              <p className="muted">No credits consumed in this range.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Email</th>
                    <th scope="col" className="num">Consumed</th>
                  </tr>
                </thead>
                <tbody>
                  {data.topConsumers.map((u) => (
                    <tr key={u.userId}>
                      <td>
                        <Link href={`/users/${u.userId}`}>{u.name}</Link>
                      </td>
                      <td>{u.email}</td>
                      <td className="num">{formatCredits(u.consumed)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <p className="muted">Rollups folded {formatTime(data.foldedAt)}; later rows are counted as they are read.</p>
        </>
      )}
      {admin && (
        <section aria-labelledby="runs-title">
          <h2 id="runs-title">Recent program runs</h2>
          <QueryStatus query={runs} what="program runs" />
          {runs.data && <GrantRunsTable runs={runs.data} />}
        </section>
      )}
      {admin && <WebhookFailures />}
    </>
  );
}

function Card({ label, value }: { label: string; value: string }) {
  return (
    <div className="card">
      <div className="card-label">{label}</div>
      <div className="card-value">{value}</div>
    </div>
  );
}
