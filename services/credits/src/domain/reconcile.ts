import type { ReconcileReport } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query } from '../db/sql';

/** At most this many findings of each kind are listed; `ok` counts them all. */
const LISTED = 100;

/**
 * Proves the ledger's central invariant for every user: balance = sum of transaction amounts,
 * and each row starts where the previous one ended (balanceBefore = previous balanceAfter, the
 * first from 0). Reads in one snapshot, so concurrent writes cannot produce false findings.
 */
export async function reconcile(em: EntityManager): Promise<ReconcileReport> {
  const [row] = await query<{ checked: number; mismatches: Mismatch[] | null; chains: Chain[] | null }>(
    em,
    `with sums as (
       select user_id, sum(amount) as total from credit_transactions group by user_id
     ), mismatches as (
       select c.user_id, c.balance, coalesce(s.total, 0) as ledger_sum
         from credits c left join sums s using (user_id)
        where c.balance <> coalesce(s.total, 0)
        order by c.user_id
     ), chains as (
       select user_id, id from (
         select user_id, id, balance_before,
                lag(balance_after, 1, 0::numeric) over (partition by user_id order by id) as previous_after
           from credit_transactions
       ) t
        where balance_before <> previous_after
        order by user_id, id
     )
     select (select count(*)::int from credits) as checked,
            (select json_agg(m) from (select * from mismatches limit $1) m) as mismatches,
            (select json_agg(c) from (select * from chains limit $1) c) as chains`,
    [LISTED],
  );
  const balanceMismatches = (row!.mismatches ?? []).map((m) => ({
    userId: m.user_id,
    balance: Number(m.balance),
    ledgerSum: Number(m.ledger_sum),
  }));
  const brokenChains = (row!.chains ?? []).map((c) => ({ userId: c.user_id, transactionId: Number(c.id) }));
  return { checkedUsers: row!.checked, balanceMismatches, brokenChains, ok: !balanceMismatches.length && !brokenChains.length };
}

interface Mismatch {
  user_id: number;
  balance: number;
  ledger_sum: number;
}
interface Chain {
  user_id: number;
  id: number;
}
