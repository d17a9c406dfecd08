import type {
  ListUsageInput,
  RecordedUsage,
  RecordUsageInput,
  UsagePage,
  UsageRecord,
  UsageStats,
  UsageStatsInput,
} from '@credits/contract';
import { sendable } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query } from '../db/sql';
import { combinedPerUser, type PerUser } from '../db/combiner';
import { idempotencyKeyReused, insufficientCredits, sessionNotFound, userNotFound } from './errors';
import { requestHash } from './idempotency';
import { decodeCursor, toPage } from './pagination';
import { idOrExternalId, resolveUserId } from './users';

/**
 * Usage records. A charged record and its consume are written by the `usage_record` function in
 * one statement (several records at once when they queue up: `usage_record_many`): the ledger rules of credits_apply hold for it too (the balance row locked first,
 * never below zero, one ledger row with before and after), and a refused charge writes no record.
 */

interface UsageRow {
  id: string;
  user_id: number;
  session_uuid: string | null;
  endpoint: string;
  event_type: string;
  credits_charged: string;
  cost_usd: string;
  tokens_used: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  model_name: string | null;
  provider: string | null;
  tool_name: string | null;
  operation_name: string | null;
  metadata: Record<string, unknown> | null;
  transaction_id: string | null;
  idempotency_key: string | null;
  created_at: Date;
}

type RecordRow = UsageRow & { outcome: string; current_balance: string | null; balance_after: string | null };

const RECORD_MANY = `select r.outcome, r.current_balance, r.balance_after, r.r_id as id, r.r_user_id as user_id,
       r.r_session_uuid as session_uuid, r.r_endpoint as endpoint, r.r_event_type as event_type,
       r.r_credits_charged as credits_charged, r.r_cost_usd as cost_usd, r.r_tokens_used as tokens_used,
       r.r_prompt_tokens as prompt_tokens, r.r_completion_tokens as completion_tokens, r.r_model_name as model_name,
       r.r_provider as provider, r.r_tool_name as tool_name, r.r_operation_name as operation_name, r.r_metadata as metadata,
       r.r_transaction_id as transaction_id, r.r_idempotency_key as idempotency_key, r.r_created_at as created_at
  from usage_record_many($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) r
 order by r.ord`;

interface PendingRecord extends PerUser {
  /** usage_record's parameters after the user, in its order. */
  fields: readonly unknown[];
}

/** Records queued up meanwhile go to the database together: one `usage_record_many` call. */
const recordCombined = combinedPerUser<PendingRecord, RecordRow>((batch) =>
  query<RecordRow>(batch[0]!.em, RECORD_MANY, [
    batch.map((p) => idOrExternalId(p.userId)[0]),
    batch.map((p) => idOrExternalId(p.userId)[1]),
    ...batch[0]!.fields.map((_, f) => batch.map((p) => p.fields[f])),
  ]),
);

export async function recordUsage(em: EntityManager, i: RecordUsageInput, now: Date): Promise<RecordedUsage> {
  const fields = [
    i.sessionId ?? null,
    i.endpoint,
    i.eventType,
    i.creditsCharged ?? null,
    i.costUsd ?? null,
    i.tokensUsed ?? null,
    i.promptTokens ?? null,
    i.completionTokens ?? null,
    i.modelName ?? null,
    i.provider ?? null,
    i.toolName ?? null,
    i.operationName ?? null,
    i.metadata === undefined ? null : JSON.stringify(i.metadata),
    i.charge,
  ] as const;
  const hash = i.idempotencyKey === undefined ? null : requestHash('usage.record', ...fields.map((f) => (f === null ? null : String(f))));
  const row = await recordCombined({ em, userId: i.userId, fields: [...fields, i.idempotencyKey ?? null, hash, now] });
  switch (row.outcome) {
    case 'recorded':
    case 'replayed':
      return {
        ...toUsageRecord(row),
        balanceAfter: row.balance_after === null ? null : Number(row.balance_after),
        replayed: row.outcome === 'replayed',
      };
    case 'key_reused':
      throw idempotencyKeyReused(i.idempotencyKey!);
    case 'insufficient':
      throw insufficientCredits(Number(row.current_balance), Number(i.creditsCharged));
    case 'user_not_found':
      throw userNotFound(i.userId);
    case 'session_not_found':
      throw sessionNotFound(i.sessionId!);
    default:
      throw new Error(`usage_record answered ${JSON.stringify(row.outcome)}`);
  }
}

/** A usage record's columns, by name (never `*`: an operator's own column could disturb it), with its session's public id. */
const SELECT = `select u.id, u.user_id, u.endpoint, u.event_type, u.credits_charged, u.cost_usd, u.tokens_used, u.prompt_tokens,
       u.completion_tokens, u.model_name, u.provider, u.tool_name, u.operation_name, u.metadata, u.transaction_id,
       u.idempotency_key, u.created_at, s.session_id as session_uuid
  from usage_records u left join sessions s on s.id = u.session_id`;

/** Newest first; `from` and `to` bound `createdAt`, both inclusive. */
export async function listUsage(em: EntityManager, i: ListUsageInput): Promise<UsagePage> {
  const userId = await resolveUserId(em, i.userId);
  const rows = await query<UsageRow>(
    em,
    `${SELECT}
      where u.user_id = $1
        and ($2::text is null or u.event_type = $2)
        and ($3::timestamptz is null or u.created_at >= $3)
        and ($4::timestamptz is null or u.created_at <= $4)
        and ($5::bigint is null or u.id < $5)
      order by u.id desc
      limit $6 offset $7`,
    [userId, i.eventType ?? null, i.from ?? null, i.to ?? null, decodeCursor(i.cursor, 'bigint'), i.limit + 1, i.offset],
  );
  return toPage(rows.map(toUsageRecord), i.limit, (r) => r.id);
}

const DAY_MS = 86_400_000;

/**
 * Splits [from, to] (inclusive, either end open) into whole UTC days, read from usage_daily, and
 * the part days at its ends, read from the records: [from, first whole day) and [end of the last
 * whole day, to]. A day counts as whole only if it lies entirely inside the range.
 */
function splitRange(from?: Date, to?: Date) {
  const ceilDay = (d: Date) => new Date(Math.ceil(d.getTime() / DAY_MS) * DAY_MS);
  const floorDay = (d: Date) => new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
  const lo = from && ceilDay(from); // the first whole day starts here (undefined: from the beginning)
  const end = to && floorDay(to); // the whole days end here (undefined: to this day)
  if (lo && end && lo >= end) return { days: null, head: null, tail: { from, to } }; // no whole day inside
  const day = (d: Date | undefined) => d?.toISOString().slice(0, 10) ?? null;
  return {
    days: { from: day(lo), until: day(end) },
    head: from && lo && from < lo ? { from, until: lo } : null,
    tail: to && end ? { from: end, to } : null,
  };
}

/**
 * Totals over a date range, by event type, by model and by UTC day. Whole days come from
 * usage_daily (a handful of rows per day, kept by triggers); the part days at the range's ends
 * from the records, each end its own range scan of the covering index (user_id, created_at) that
 * carries every summed column. So the cost follows the number of days, not of records. PostgreSQL adds the numerics
 * exactly; each sum arrives as decimal text and becomes a number once.
 */
export async function usageStats(em: EntityManager, i: UsageStatsInput): Promise<UsageStats> {
  const userId = await resolveUserId(em, i.userId);
  const { days, head, tail } = splitRange(i.from, i.to);
  const rows = await query<{ kind: 'total' | 'type' | 'model' | 'day' | 'day-type' | 'day-model'; key: string | null; day: string | null; records: number; credits: string | null; cost: string | null; tokens: string | null }>(
    em,
    `with groups as (
       select event_type, model, day, records, credits_charged as credits, cost_usd as cost, tokens_used as tokens
         from usage_daily
        where $2 and user_id = $1 and records <> 0 and ($3::date is null or day >= $3) and ($4::date is null or day < $4)
       union all
       select event_type, coalesce(model_name, 'unknown'), (created_at at time zone 'UTC')::date, 1, credits_charged, cost_usd,
              coalesce(tokens_used, 0)
         from usage_records
        where $5::timestamptz is not null and user_id = $1 and created_at >= $5 and created_at < $6
       union all
       select event_type, coalesce(model_name, 'unknown'), (created_at at time zone 'UTC')::date, 1, credits_charged, cost_usd,
              coalesce(tokens_used, 0)
         from usage_records
        where $7 and user_id = $1 and created_at >= coalesce($8::timestamptz, '-infinity') and created_at <= coalesce($9::timestamptz, 'infinity')
     )
     select case when grouping(day) = 0 and grouping(event_type) = 0 then 'day-type'
                 when grouping(day) = 0 and grouping(model) = 0 then 'day-model'
                 when grouping(event_type) = 0 then 'type' when grouping(model) = 0 then 'model'
                 when grouping(day) = 0 then 'day' else 'total' end as kind,
            coalesce(event_type, model, to_char(day, 'YYYY-MM-DD')) as key, to_char(day, 'YYYY-MM-DD') as day,
            coalesce(sum(records), 0)::int as records, sum(credits) as credits, sum(cost) as cost, sum(tokens) as tokens
       from groups
      group by grouping sets ((), (event_type), (model), (day), (day, event_type), (day, model))`,
    [userId, days !== null, days?.from ?? null, days?.until ?? null, head?.from ?? null, head?.until ?? null, tail !== null, tail?.from ?? null, tail?.to ?? null],
  );
  const num = (text: string | null) => Number(text ?? 0);
  const tallies = (kind: 'type' | 'model') =>
    Object.fromEntries(rows.filter((r) => r.kind === kind).map((r) => [r.key!, { records: r.records, creditsCharged: num(r.credits) }]));
  const perDay = (kind: 'day-type' | 'day-model') =>
    rows
      .filter((r) => r.kind === kind)
      .sort((a, b) => a.day!.localeCompare(b.day!) || a.key!.localeCompare(b.key!))
      .map((r) => ({ date: r.day!, key: r.key!, records: r.records, creditsCharged: num(r.credits) }));
  const total = rows.find((r) => r.kind === 'total');
  return {
    totalRecords: total?.records ?? 0,
    totalCreditsCharged: num(total?.credits ?? null),
    totalCostUsd: num(total?.cost ?? null),
    totalTokensUsed: num(total?.tokens ?? null),
    byEventType: tallies('type'),
    byModel: tallies('model'),
    daily: rows
      .filter((r) => r.kind === 'day')
      .sort((a, b) => a.key!.localeCompare(b.key!))
      .map((r) => ({ date: r.key!, records: r.records, creditsCharged: num(r.credits), costUsd: num(r.cost), tokensUsed: num(r.tokens) })),
    dailyByEventType: perDay('day-type'),
    dailyByModel: perDay('day-model'),
  };
}

function toUsageRecord(row: UsageRow): UsageRecord {
  return {
    id: Number(row.id),
    userId: row.user_id,
    sessionId: row.session_uuid,
    endpoint: row.endpoint,
    eventType: row.event_type,
    creditsCharged: Number(row.credits_charged),
    costUsd: Number(row.cost_usd),
    tokensUsed: row.tokens_used,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    modelName: row.model_name,
    provider: row.provider,
    toolName: row.tool_name,
    operationName: row.operation_name,
    metadata: sendable(row.metadata),
    transactionId: row.transaction_id === null ? null : Number(row.transaction_id),
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
  };
}

