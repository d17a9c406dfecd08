import type { ReconcileReport } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query } from '../db/sql';

/** At most this many findings of each kind are listed; `ok` counts them all. */
const LISTED = 100;

/**
 * Proves the ledger's invariants for every user: balance = sum of transaction amounts; each row
 * starts where the previous one ended (balanceBefore = previous balanceAfter, the first from 0);
 * balance = the sum of the user's buckets' remaining credits and what active holds drew from them;
 * and each bucket holds what the ledger's allocations (and active holds') moved into and out of it
 * (a bucket made by the buckets migration started with its amount, no row having put it there). Reads in one snapshot, so concurrent writes cannot
 * produce false findings.
 */
export async function reconcile(em: EntityManager): Promise<ReconcileReport> {
  const [row] = await query<{ checked: number; mismatches: Mismatch[] | null; chains: Chain[] | null; buckets: BucketSum[] | null; off_ledger: OffLedger[] | null }>(
    em,
    `with sums as (
       select user_id, sum(amount) as total from credit_transactions group by user_id
     ), mismatches as (
       select c.user_id, c.balance, coalesce(s.total, 0) as ledger_sum
         from credits c left join sums s using (user_id)
        where c.balance <> coalesce(s.total, 0)
        order by c.user_id
     ), held as (
       select h.user_id, sum(h.amount) as amount from credit_holds h where h.status = 'active' group by h.user_id
     ), buckets as (
       select c.user_id, c.balance, coalesce(sum(b.remaining), 0) + coalesce(max(hd.amount), 0) as bucket_sum
         from credits c left join credit_buckets b on b.user_id = c.user_id left join held hd on hd.user_id = c.user_id
        group by c.user_id, c.balance
       having c.balance <> coalesce(sum(b.remaining), 0) + coalesce(max(hd.amount), 0)
        order by c.user_id
     ), allocated as (
       select x.bucket_id, sum(x.amount) as amount from (
         select (a->>'bucketId')::bigint as bucket_id, (a->>'amount')::numeric as amount
           from credit_transactions t, jsonb_array_elements(t.allocations) a
          where t.allocations is not null
         union all
         select (a->>'bucketId')::bigint, (a->>'amount')::numeric
           from credit_holds h, jsonb_array_elements(h.allocations) a
          where h.status = 'active'
       ) x
        group by 1
     ), off_ledger as (
       select b.id as bucket_id, b.remaining, coalesce(al.amount, 0) + case when b.source = 'migration' then b.amount else 0 end as allocated
         from credit_buckets b left join allocated al on al.bucket_id = b.id
        where b.remaining <> coalesce(al.amount, 0) + case when b.source = 'migration' then b.amount else 0 end
        order by b.id
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
            (select json_agg(c) from (select * from chains limit $1) c) as chains,
            (select json_agg(k) from (select * from buckets limit $1) k) as buckets,
            (select json_agg(o) from (select * from off_ledger limit $1) o) as off_ledger`,
    [LISTED],
  );
  const balanceMismatches = (row!.mismatches ?? []).map((m) => ({
    userId: m.user_id,
    balance: Number(m.balance),
    ledgerSum: Number(m.ledger_sum),
  }));
  const brokenChains = (row!.chains ?? []).map((c) => ({ userId: c.user_id, transactionId: Number(c.id) }));
  const bucketMismatches = (row!.buckets ?? []).map((b) => ({ userId: b.user_id, balance: Number(b.balance), bucketSum: Number(b.bucket_sum) }));
  const bucketsOffLedger = (row!.off_ledger ?? []).map((o) => ({ bucketId: Number(o.bucket_id), remaining: Number(o.remaining), allocated: Number(o.allocated) }));
  return {
    checkedUsers: row!.checked,
    balanceMismatches,
    brokenChains,
    bucketMismatches,
    bucketsOffLedger,
    ok: !balanceMismatches.length && !brokenChains.length && !bucketMismatches.length && !bucketsOffLedger.length,
  };
}

interface Mismatch {
  user_id: number;
  balance: number;
  ledger_sum: number;
}
interface BucketSum {
  user_id: number;
  balance: number;
  bucket_sum: number;
}
interface OffLedger {
  bucket_id: number;
  remaining: number;
  allocated: number;
}
interface Chain {
  user_id: number;
  id: number;
}
