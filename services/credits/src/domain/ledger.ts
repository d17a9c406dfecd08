import type {
  Balance,
  BucketCategory,
  ConsumeInput,
  Decimal,
  LedgerResult,
  RechargeInput,
  ResetInput,
  SetInput,
  Transaction,
  TransactionPage,
  TransactionsInput,
  TransactionType,
  UserRef,
} from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query } from '../db/sql';
import { combinedPerUser, type PerUser } from '../db/combiner';
import { balanceLimit, idempotencyKeyReused, insufficientCredits, referenceReused, usageRecordNotFound, userNotFound } from './errors';
import { requestHash } from './idempotency';
import { decodeCursor, toPage } from './pagination';
import { idOrExternalId, resolveUserId } from './users';

/**
 * The ledger. Its rules are kept by the `credits_apply` family of SQL functions and the tables'
 * constraints (src/db/ledger.sql, where each rule is stated beside the code that keeps it), not
 * by this file:
 * - every balance change is one credit_transactions row, written in the same transaction, so a
 *   user's balance always equals the sum of their transaction amounts;
 * - no change takes a balance below zero, or above MAX_BALANCE, however many run at once;
 * - a change sent again with its idempotency key is applied once;
 * - a recharge's reference credits a user once: the same reference and amount replay the first
 *   recharge, another amount is a CONFLICT.
 * This file turns requests into calls of that function (combined per user when they queue up on
 * a busy one: see db/combiner.ts), and its outcomes into results or errors.
 */

/** A row of credit_transactions as PostgreSQL returns it: numerics as exact strings. */
export interface TransactionRow {
  id: string;
  user_id: number;
  type: TransactionType;
  amount: string;
  balance_before: string;
  balance_after: string;
  description: string | null;
  reference_id: string | null;
  usage_record_id: string | null;
  idempotency_key: string | null;
  allocations: { bucketId: number; amount: number }[] | null;
  hold_id?: string | null;
  created_at: Date;
}

interface ApplyRow extends TransactionRow {
  outcome: 'applied' | 'replayed' | 'key_reused' | 'reference_reused' | 'insufficient' | 'balance_limit' | 'user_not_found';
  current_balance: string | null;
}

interface Change {
  type: 'recharge' | 'consume' | 'reset' | 'adjust';
  /** recharge/consume: the amount moved; adjust: the new balance; reset: none. */
  amount: Decimal | null;
  description?: string | undefined;
  referenceId?: string | undefined;
  usageRecordId?: number | undefined;
  /** A recharge's bucket: its terms, as credits_apply reads them (defaults for what is missing). */
  bucket?: BucketTerms | undefined;
}

/** Where a recharge's credits land (rechargeInput's bucket fields). */
export interface BucketTerms {
  category?: BucketCategory | undefined;
  priority?: number | undefined;
  effectiveAt?: Date | undefined;
  expiresAt?: Date | undefined;
}

interface Pending extends PerUser {
  change: Change;
  idempotencyKey: string | null;
  hash: string | null;
  /** The service's clock when the call was made: what is live is decided at this instant. */
  now: Date;
}

/** Bucket terms as the ledger's functions take them: snake_case JSON, only what was given. */
const bucketJson = (terms: BucketTerms & { source?: string }) =>
  JSON.stringify({
    category: terms.category,
    priority: terms.priority,
    effective_at: terms.effectiveAt?.toISOString(),
    expires_at: terms.expiresAt?.toISOString(),
    source: terms.source,
  });

/** A ledger row's columns, by name: never `*`, which an operator's own column could disturb. */
export const TRANSACTION_COLUMNS = `t.id, t.user_id, t.type, t.amount, t.balance_before, t.balance_after, t.description, t.reference_id,
  t.usage_record_id, t.idempotency_key, t.allocations, t.hold_id, t.created_at`;

const APPLY_MANY = `select r.ord, r.outcome, r.current_balance, r.tx_id as id, r.tx_user_id as user_id, r.tx_type as type,
       r.tx_amount as amount, r.tx_balance_before as balance_before, r.tx_balance_after as balance_after,
       r.tx_description as description, r.tx_reference_id as reference_id, r.tx_usage_record_id as usage_record_id,
       r.tx_idempotency_key as idempotency_key, r.tx_allocations as allocations, r.tx_created_at as created_at
  from credits_apply_many($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb[]) r order by r.ord`;

/** Changes queued up meanwhile go to the database together: one `credits_apply_many` call. */
const combined = combinedPerUser<Pending, ApplyRow>((batch) => {
  const column = <T>(pick: (p: Pending) => T) => batch.map(pick);
  return query<ApplyRow>(batch[0]!.em, APPLY_MANY, [
    column((p) => idOrExternalId(p.userId)[0]),
    column((p) => idOrExternalId(p.userId)[1]),
    column((p) => p.change.type),
    column((p) => p.change.amount),
    column((p) => p.change.description ?? null),
    column((p) => p.change.referenceId ?? null),
    column((p) => p.change.usageRecordId ?? null),
    column((p) => p.idempotencyKey),
    column((p) => p.hash),
    column((p) => p.now),
    column((p) => (p.change.bucket ? bucketJson(p.change.bucket) : null)),
  ]);
});

async function apply(em: EntityManager, userId: UserRef, change: Change, idempotencyKey: string | undefined, now: Date): Promise<LedgerResult> {
  const { bucket } = change;
  const hash =
    idempotencyKey === undefined
      ? null
      : requestHash(
          change.type,
          change.amount,
          change.description,
          change.referenceId,
          change.usageRecordId,
          ...(bucket ? [bucket.category, bucket.priority, bucket.effectiveAt?.toISOString(), bucket.expiresAt?.toISOString()] : []),
        );
  const row = await combined({ em, userId, change, idempotencyKey: idempotencyKey ?? null, hash, now });
  switch (row.outcome) {
    case 'applied':
      return { ...toTransaction(row), replayed: false };
    case 'replayed':
      return { ...toTransaction(row), replayed: true };
    case 'key_reused':
      throw idempotencyKeyReused(idempotencyKey!);
    case 'reference_reused':
      throw referenceReused(change.referenceId!, Number(row.amount), Number(row.id));
    case 'insufficient':
      throw insufficientCredits(Number(row.current_balance), Number(change.amount));
    case 'balance_limit':
      throw balanceLimit();
    case 'user_not_found':
      throw userNotFound(userId);
    default:
      throw new Error(`credits_apply answered ${JSON.stringify(row.outcome)}`);
  }
}

/** The credits land in a new bucket on the recharge's terms (default: paid, priority 50, effective now, never expiring). */
export const recharge = (em: EntityManager, i: RechargeInput, now: Date) =>
  apply(
    em,
    i.userId,
    {
      type: 'recharge',
      amount: i.amount,
      description: i.description,
      referenceId: i.referenceId,
      bucket: { category: i.category, priority: i.priority, effectiveAt: i.effectiveAt, expiresAt: i.expiresAt },
    },
    i.idempotencyKey,
    now,
  );

/** Draws from the user's live buckets in spending order. */
export async function consume(em: EntityManager, i: ConsumeInput, now: Date): Promise<LedgerResult> {
  if (i.usageRecordId !== undefined) await checkUsageRecordOwner(em, i.userId, i.usageRecordId);
  return apply(em, i.userId, { type: 'consume', amount: i.amount, description: i.description, usageRecordId: i.usageRecordId }, i.idempotencyKey, now);
}

/** A consume names a usage record of its own user, or none. A record never changes hands, so checking first is enough. */
async function checkUsageRecordOwner(em: EntityManager, userId: UserRef, usageRecordId: number): Promise<void> {
  const [user] = await query<{ owned: boolean }>(
    em,
    `select exists (select 1 from usage_records r where r.id = $3 and r.user_id = u.id) as owned
       from users u where u.id = $1 or u.external_id = $2`,
    [...idOrExternalId(userId), usageRecordId],
  );
  if (!user) throw userNotFound(userId);
  if (!user.owned) throw usageRecordNotFound(usageRecordId);
}

/** The balance becomes 0, every bucket emptied, recorded as one `reset` row for whatever it held. */
export const reset = (em: EntityManager, i: ResetInput, now: Date) => apply(em, i.userId, { type: 'reset', amount: null }, i.idempotencyKey, now);

/**
 * An external update: what the user can spend becomes `i.balance`, recorded as an `adjust` row for
 * the difference: above it, a new bucket (paid, never expiring); below it, drawn in spending order.
 */
export const setBalance = (em: EntityManager, i: SetInput, now: Date) =>
  apply(em, i.userId, { type: 'adjust', amount: i.balance, description: i.reason }, i.idempotencyKey, now);

interface BalanceRow {
  user_id: number | null;
  balance: string | null;
  available: string | null;
  held: string | null;
  updated_at: Date | null;
  next_expiry_at: Date | null;
  next_expiry_amount: string | null;
}

interface BalanceRead extends PerUser {
  now: Date;
}

/**
 * A balance as read for credits row `c` with its parts `a` at an instant (below): what is
 * available is the live buckets then (ledger.sql, rules 7 to 9), so a bucket past its expiry does
 * not count, even before it is written off; what holds reserve; and the next credits to expire.
 */
const BALANCE_COLUMNS =
  `c.user_id, a.available + a.held as balance, a.available, a.held, c.updated_at, e.at as next_expiry_at, e.amount as next_expiry_amount`;
/** The balance's parts, summed in SQL: exact, where adding the two numbers in JavaScript is not. */
const partsAt = (at: string) => `left join lateral (select credits_available(c.user_id, ${at}) as available, credits_held(c.user_id, ${at}) as held) a on true`;
const nextExpiryAt = (at: string) => `left join lateral (
         select b.expires_at as at, sum(b.remaining) as amount
           from credit_buckets b
          where b.user_id = c.user_id and b.remaining > 0 and b.effective_at <= ${at} and b.expires_at > ${at}
          group by b.expires_at order by b.expires_at limit 1
       ) e on true`;

/**
 * Reads queued up meanwhile go together: one statement, a row per read (empty for an unknown
 * user). A read alone is a plain lookup: PostgreSQL plans the combined statement's unnest and
 * joins in about as long as it takes to run a primary-key read, which a lone caller would wait for.
 */
const readBalances = combinedPerUser<BalanceRead, BalanceRow>((batch) =>
  batch.length === 1
    ? readBalance(batch[0]!)
    : query<BalanceRow>(
        batch[0]!.em,
        `select ${BALANCE_COLUMNS}
           from unnest($1::integer[], $2::text[], $3::timestamptz[]) with ordinality as asked (user_id, external_id, at, ord)
           left join users u on asked.user_id is null and u.external_id = asked.external_id
           left join credits c on c.user_id = coalesce(asked.user_id, u.id)
           ${partsAt('asked.at')}
           ${nextExpiryAt('asked.at')}
          order by asked.ord`,
        [batch.map((p) => idOrExternalId(p.userId)[0]), batch.map((p) => idOrExternalId(p.userId)[1]), batch.map((p) => p.now)],
      ),
);

async function readBalance({ em, userId, now }: BalanceRead): Promise<BalanceRow[]> {
  const [row] = await query<BalanceRow>(
    em,
    `select ${BALANCE_COLUMNS}
       from credits c ${partsAt('$3::timestamptz')} ${nextExpiryAt('$3::timestamptz')}
      where c.user_id = coalesce($1::integer, (select id from users where external_id = $2::text))`,
    [...idOrExternalId(userId), now],
  );
  return [row ?? { user_id: null, balance: null, available: null, held: null, updated_at: null, next_expiry_at: null, next_expiry_amount: null }];
}

export async function getBalance(em: EntityManager, userId: UserRef, now: Date): Promise<Balance> {
  const row = await readBalances({ em, userId, now });
  if (row.user_id === null) throw userNotFound(userId);
  return {
    userId: row.user_id,
    balance: Number(row.balance),
    available: Number(row.available),
    held: Number(row.held),
    updatedAt: row.updated_at!,
    nextExpiry: row.next_expiry_at ? { at: row.next_expiry_at, amount: Number(row.next_expiry_amount) } : null,
  };
}

/** Newest first. `from` and `to` bound `createdAt`, both inclusive. */
export async function listTransactions(em: EntityManager, i: TransactionsInput): Promise<TransactionPage> {
  const userId = await resolveUserId(em, i.userId);
  const rows = await query<TransactionRow>(
    em,
    `select ${TRANSACTION_COLUMNS} from credit_transactions t
      where t.user_id = $1
        and ($2::text is null or t.type = $2)
        and ($3::timestamptz is null or t.created_at >= $3)
        and ($4::timestamptz is null or t.created_at <= $4)
        and ($5::bigint is null or t.id < $5)
      order by t.id desc
      limit $6 offset $7`,
    [userId, i.type ?? null, i.from ?? null, i.to ?? null, decodeCursor(i.cursor, 'bigint'), i.limit + 1, i.offset],
  );
  return toPage(rows.map(toTransaction), i.limit, (t) => t.id);
}

export function toTransaction(row: TransactionRow): Transaction {
  return {
    id: Number(row.id),
    userId: row.user_id,
    type: row.type,
    amount: Number(row.amount),
    balanceBefore: Number(row.balance_before),
    balanceAfter: Number(row.balance_after),
    description: row.description,
    referenceId: row.reference_id,
    usageRecordId: row.usage_record_id === null ? null : Number(row.usage_record_id),
    idempotencyKey: row.idempotency_key,
    allocations: (row.allocations ?? []).map((a) => ({ bucketId: Number(a.bucketId), amount: Number(a.amount) })),
    holdId: row.hold_id == null ? null : Number(row.hold_id),
    createdAt: row.created_at,
  };
}
