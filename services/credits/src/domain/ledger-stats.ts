import type { Overview, OverviewDay, OverviewInput, TopConsumer } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { type Query, transaction } from '../db/sql';

/**
 * `stats.overview`: the ledger per day over a range, from the rollups that ledger-rollup.ts folds,
 * plus the rows past its cursor (a fold interval's worth), read in one snapshot so that a fold
 * committing meanwhile neither doubles nor drops a row. The cost follows the number of days and
 * the tail, not the size of the ledger.
 */

/** How deep each day's top list is read looking for the range's top consumers: deeper only when needed. */
const depthsFor = (top: number) => [2 * top, 100];

export async function ledgerOverview(em: EntityManager, input: OverviewInput): Promise<Overview> {
  return transaction(em, async (sql) => {
    await sql(`set transaction isolation level repeatable read, read only`, []);
    const [state] = await sql<{ folded_through: string; folded_at: Date | null }>(`select folded_through, folded_at from ledger_rollup_state where id = 1`, []);
    const range = { from: input.from, to: input.to, after: state!.folded_through };
    const days = await dailySeries(sql, range);
    return {
      from: input.from,
      to: input.to,
      days,
      totals: totalsOf(days),
      topConsumers: await topConsumers(sql, range, input.top),
      foldedAt: state!.folded_at,
    };
  });
}

interface Range {
  from: string;
  to: string;
  /** The fold's cursor: rows after it are not in the rollups yet. */
  after: string;
}

/** The ledger rows past the cursor within the range, with their UTC day. */
const TAIL = `tail as (
  select (created_at at time zone 'UTC')::date as day, user_id, type, amount from credit_transactions
   where id > $3 and (created_at at time zone 'UTC')::date between $1 and $2
)`;

async function dailySeries(sql: Query, range: Range): Promise<OverviewDay[]> {
  const params = [range.from, range.to, range.after];
  const sums = await sql<{ day: string; type: string; amount: string; entries: string }>(
    `with ${TAIL}
     select to_char(day, 'YYYY-MM-DD') as day, type, sum(amount) as amount, sum(entries) as entries from (
       select day, type, amount, entries from ledger_daily where day between $1 and $2
       union all
       select day, type, sum(amount), count(*) from tail group by day, type
     ) s group by day, type`,
    params,
  );
  // A user active in the tail counts for its day unless the rollup counted it already.
  const active = await sql<{ day: string; users: string }>(
    `with ${TAIL}
     select to_char(day, 'YYYY-MM-DD') as day, sum(users) as users from (
       select day, users from ledger_daily_active where day between $1 and $2
       union all
       select day, count(distinct user_id) from tail t
        where type = 'consume' and not exists (select 1 from ledger_user_daily u where u.day = t.day and u.user_id = t.user_id)
        group by day
     ) a group by day`,
    params,
  );

  const byDay = new Map<string, OverviewDay>();
  for (let day = range.from; day <= range.to; day = nextDay(day)) {
    byDay.set(day, { day, ...NO_CREDITS, entries: 0, activeUsers: 0 });
  }
  for (const row of sums) {
    const day = byDay.get(row.day)!;
    day.entries += Number(row.entries);
    const kind = KIND_OF_TYPE[row.type as keyof typeof KIND_OF_TYPE];
    // Debits are negative in the ledger and shown as positive amounts; adjustments keep their sign.
    if (kind) day[kind] += kind === 'consumed' || kind === 'expired' ? -Number(row.amount) : Number(row.amount);
  }
  for (const row of active) byDay.get(row.day)!.activeUsers = Number(row.users);
  return [...byDay.values()].map((d) => ({ ...d, ...exactCredits(d) }));
}

/** Which of the overview's amounts each ledger type moves. */
const KIND_OF_TYPE = { grant: 'granted', recharge: 'recharged', consume: 'consumed', expire: 'expired', reset: 'adjusted', adjust: 'adjusted' } as const;
type CreditKind = (typeof KIND_OF_TYPE)[keyof typeof KIND_OF_TYPE];
const NO_CREDITS: Record<CreditKind, number> = { granted: 0, recharged: 0, consumed: 0, expired: 0, adjusted: 0 };
const exactCredits = (d: Record<CreditKind, number>) =>
  Object.fromEntries(Object.keys(NO_CREDITS).map((k) => [k, exact(d[k as CreditKind])])) as Record<CreditKind, number>;

function totalsOf(days: OverviewDay[]): Overview['totals'] {
  const totals = { ...NO_CREDITS, entries: 0 };
  for (const d of days) {
    for (const kind of Object.keys(NO_CREDITS) as CreditKind[]) totals[kind] += d[kind];
    totals.entries += d.entries;
  }
  return { ...totals, ...exactCredits(totals) };
}

/**
 * The range's top consumers without summing every user of the range. Candidates: each day's
 * `depth` largest consumers (an index range per day) and every consumer of the tail. A user who
 * is no candidate consumed, on each day whose list is full, at most that list's smallest value,
 * and nothing on the other days (their lists hold all of their consumers): its range total is at
 * most `bound`, the sum of those smallest values. So when the `top`-th candidate consumed more
 * than `bound`, the candidates' exact totals are the answer. Usage is skewed (a few heavy users
 * every day), so shallow lists usually settle it; if not, deeper ones, and in the end (usage
 * spread evenly over many users) every consumer of the range is summed.
 */
async function topConsumers(sql: Query, range: Range, top: number): Promise<TopConsumer[]> {
  const tailUsers = await sql<{ user_id: number }>(`with ${TAIL} select distinct user_id from tail where type = 'consume'`, [range.from, range.to, range.after]);
  let ranked: { userId: number; consumed: number }[] | null = null;
  for (const depth of depthsFor(top)) {
    const lists = await sql<{ users: number[]; smallest: string; n: string }>(
      `select array_agg(t.user_id) as users, min(t.consumed) as smallest, count(*) as n
         from generate_series($1::date, $2::date, interval '1 day') d(day)
         cross join lateral (select user_id, consumed from ledger_user_daily u where u.day = d.day::date order by consumed desc limit $3) t
        group by d.day`,
      [range.from, range.to, depth],
    );
    const candidates = new Set<number>(tailUsers.map((r) => r.user_id));
    let bound = 0;
    for (const list of lists) {
      for (const id of list.users) candidates.add(id);
      if (Number(list.n) === depth) bound += Number(list.smallest);
    }
    const found = await rankConsumers(sql, range, top, [...candidates]);
    if (bound === 0 || (found.length === top && found[top - 1]!.consumed > bound)) {
      ranked = found;
      break;
    }
  }
  ranked ??= await rankConsumers(sql, range, top, null);

  const ids = ranked.map((r) => r.userId);
  const users = await sql<{ id: number; email: string; name: string; external_id: string | null }>(
    `select id, email, name, external_id from users where id = any($1::int[])`,
    [ids],
  );
  const byId = new Map(users.map((u) => [u.id, u]));
  return ranked.flatMap((r) => {
    const user = byId.get(r.userId);
    return user ? [{ userId: r.userId, email: user.email, name: user.name, externalId: user.external_id, consumed: r.consumed }] : [];
  });
}

/** Range totals, most first, of `users` (null: of everyone who consumed in the range). */
async function rankConsumers(sql: Query, range: Range, top: number, users: number[] | null) {
  const only = users === null ? '' : 'and user_id = any($5::int[])';
  const rows = await sql<{ user_id: number; consumed: string }>(
    `with ${TAIL}
     select user_id, sum(consumed) as consumed from (
       select user_id, consumed from ledger_user_daily where day between $1 and $2 ${only}
       union all
       select user_id, -amount from tail where type = 'consume' ${only}
     ) c group by user_id order by sum(consumed) desc, user_id limit $4`,
    users === null ? [range.from, range.to, range.after, top] : [range.from, range.to, range.after, top, users],
  );
  return rows.map((r) => ({ userId: r.user_id, consumed: Number(r.consumed) }));
}

/** A sum of 4-decimal amounts, back at 4 decimals (binary floating point would show 0.30000000000000004). */
const exact = (n: number) => Math.round(n * 1e4) / 1e4;

function nextDay(day: string): string {
  return new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
}
