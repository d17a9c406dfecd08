import type { CaptureInput, Hold, HoldInput, HoldPage, HoldResult, HoldsInput, LedgerResult } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { combinedPerUser, type PerUser } from '../db/combiner';
import { type Query, query, transaction } from '../db/sql';
import { holdExpired, holdFinished, holdNotFound, idempotencyKeyReused, insufficientCredits, userNotFound } from './errors';
import { requestHash } from './idempotency';
import { toTransaction, type TransactionRow } from './ledger';
import { decodeCursor, toPage } from './pagination';
import { idOrExternalId, resolveUserId } from './users';

/**
 * Holds (authorize, then capture): each operation is one call of the ledger's functions
 * (credits_hold, credits_capture, credits_release in src/db/ledger.sql, rule 9), which lock the
 * user's balance row and keep every ledger rule. Holds and captures that queue up meanwhile go
 * together, as changes do (db/combiner.ts).
 */

type HoldEnd = 'captured' | 'released' | 'expired';

interface PendingHold extends PerUser {
  input: HoldInput;
  expiresAt: Date;
  hash: string | null;
  now: Date;
}

interface HoldOutcomeRow {
  outcome: 'applied' | 'replayed' | 'insufficient' | 'key_reused' | 'user_not_found';
  available: string;
  hold_id: string | null;
  amount: string | null;
  expires_at: Date | null;
  status: Hold['status'];
}

/** Holds queued up meanwhile go to the database together: one `credits_hold_many` call. */
const combinedHolds = combinedPerUser<PendingHold, HoldOutcomeRow>((batch) =>
  query<HoldOutcomeRow>(
    batch[0]!.em,
    `select r.outcome, r.available, r.hold_id, r.hold_amount as amount, r.hold_expires_at as expires_at, r.hold_status as status
       from credits_hold_many($1, $2, $3, $4, $5, $6, $7, $8) r order by r.ord`,
    [
      batch.map((p) => idOrExternalId(p.userId)[0]),
      batch.map((p) => idOrExternalId(p.userId)[1]),
      batch.map((p) => p.input.amount),
      batch.map((p) => p.expiresAt),
      batch.map((p) => p.input.description ?? null),
      batch.map((p) => p.input.idempotencyKey ?? null),
      batch.map((p) => p.hash),
      batch.map((p) => p.now),
    ],
  ),
);

export async function placeHold(em: EntityManager, i: HoldInput, now: Date): Promise<HoldResult> {
  const expiresAt = new Date(now.getTime() + i.ttlSeconds * 1000);
  // The TTL is not part of the request a key names: a retry may give itself more time.
  const hash = i.idempotencyKey === undefined ? null : requestHash('credits.hold', i.amount, i.description);
  const row = await combinedHolds({ em, userId: i.userId, input: i, expiresAt, hash, now });
  switch (row.outcome) {
    case 'applied':
    case 'replayed':
      return {
        holdId: Number(row.hold_id),
        amount: Number(row.amount),
        expiresAt: row.expires_at!,
        available: Number(row.available),
        status: row.status,
        replayed: row.outcome === 'replayed',
      };
    case 'insufficient':
      throw insufficientCredits(Number(row.available), Number(i.amount));
    case 'key_reused':
      throw idempotencyKeyReused(i.idempotencyKey!);
    case 'user_not_found':
      throw userNotFound(i.userId);
    default:
      throw new Error(`credits_hold answered ${row.outcome}`);
  }
}

interface CaptureOutcomeRow extends TransactionRow {
  outcome: 'applied' | 'replayed' | 'insufficient' | 'key_reused' | 'hold_not_found' | 'hold_expired' | 'hold_finished';
  current_balance: string | null;
  hold_status: HoldEnd | null;
}

interface PendingCapture {
  input: CaptureInput;
  usageRecordId: number | null;
  hash: string | null;
  now: Date;
}

const CAPTURE_MANY = `select r.outcome, r.current_balance, r.hold_status, r.tx_id as id, r.tx_user_id as user_id, r.tx_type as type,
       r.tx_amount as amount, r.tx_balance_before as balance_before, r.tx_balance_after as balance_after,
       r.tx_description as description, r.tx_reference_id as reference_id, r.tx_usage_record_id as usage_record_id,
       r.tx_idempotency_key as idempotency_key, r.tx_allocations as allocations, r.tx_hold_id as hold_id, r.tx_created_at as created_at
  from credits_capture_many($1, $2, $3, $4, $5, $6, $7) r order by r.ord`;

const captureMany = (sql: Query, batch: PendingCapture[]) =>
  sql<CaptureOutcomeRow>(CAPTURE_MANY, [
    batch.map((p) => p.input.holdId),
    batch.map((p) => p.input.amount),
    batch.map((p) => p.input.description ?? null),
    batch.map((p) => p.usageRecordId),
    batch.map((p) => p.input.idempotencyKey ?? null),
    batch.map((p) => p.hash),
    batch.map((p) => p.now),
  ]);

/**
 * Captures without a usage record queued up meanwhile: one `credits_capture_many` call. Lanes and
 * order by hold (the combiner's `userId`): only the database knows a hold's user, and it locks a
 * batch's users in id order before capturing.
 */
const combinedCaptures = combinedPerUser<PendingCapture & PerUser, CaptureOutcomeRow>((batch) =>
  captureMany((text, values) => query(batch[0]!.em, text, values), batch),
);

/**
 * One consume of `amount` that ends the hold, with its usage record in the same transaction when
 * `usage` is given (both or neither).
 */
export async function captureHold(em: EntityManager, i: CaptureInput, now: Date): Promise<LedgerResult> {
  const hash = i.idempotencyKey === undefined ? null : requestHash('credits.capture', i.holdId, i.amount, i.description, JSON.stringify(i.usage ?? null));
  const row = i.usage
    ? await transaction(em, async (sql) => {
        const usageRecordId = await recordCaptureUsage(sql, i, now);
        return (await captureMany(sql, [{ input: i, usageRecordId, hash, now }]))[0]!;
      })
    : await combinedCaptures({ em, userId: i.holdId, input: i, usageRecordId: null, hash, now });
  switch (row.outcome) {
    case 'applied':
    case 'replayed':
      return { ...toTransaction(row), replayed: row.outcome === 'replayed' };
    case 'insufficient':
      throw insufficientCredits(Number(row.current_balance), Number(i.amount));
    case 'key_reused':
      throw idempotencyKeyReused(i.idempotencyKey!);
    case 'hold_not_found':
      throw holdNotFound(i.holdId);
    case 'hold_expired':
      throw holdExpired(i.holdId);
    case 'hold_finished':
      throw holdFinished(i.holdId, row.hold_status!);
    default:
      throw new Error(`credits_capture answered ${row.outcome}`);
  }
}

/** The usage record a capture names, written first in its transaction (a replay writes none: usage_record's own key). */
async function recordCaptureUsage(sql: Query, i: CaptureInput, now: Date): Promise<number> {
  const u = i.usage!;
  const [record] = await sql<{ outcome: string; r_id: string | null }>(
    `select r.outcome, r.r_id
       from usage_record((select h.user_id from credit_holds h where h.id = $1), null, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, false, null, null, $15) r`,
    [
      i.holdId,
      u.sessionId ?? null,
      u.endpoint,
      u.eventType,
      i.amount,
      u.costUsd ?? null,
      u.tokensUsed ?? null,
      u.promptTokens ?? null,
      u.completionTokens ?? null,
      u.modelName ?? null,
      u.provider ?? null,
      u.toolName ?? null,
      u.operationName ?? null,
      u.metadata === undefined ? null : JSON.stringify(u.metadata),
      now,
    ],
  );
  if (record!.outcome === 'user_not_found') throw holdNotFound(i.holdId);
  return Number(record!.r_id);
}

/** Frees all a hold reserves. Releasing a hold that was released or expired again answers it as it is; a captured one is CONFLICT. */
export async function releaseHold(em: EntityManager, holdId: number, now: Date): Promise<Hold> {
  const [row] = await query<{ outcome: string; hold_status: HoldEnd | null }>(em, `select r.outcome, r.hold_status from credits_release($1, $2) r`, [holdId, now]);
  if (row!.outcome === 'hold_not_found') throw holdNotFound(holdId);
  if (row!.outcome === 'hold_finished') throw holdFinished(holdId, row!.hold_status!);
  return (await readHolds(em, `h.id = $1`, [holdId]))[0]!;
}

/** Newest first. */
export async function listHolds(em: EntityManager, i: HoldsInput): Promise<HoldPage> {
  const userId = await resolveUserId(em, i.userId);
  const rows = await readHolds(em, `h.user_id = $1 and ($2::text is null or h.status = $2) and ($3::bigint is null or h.id < $3)`, [
    userId,
    i.status ?? null,
    decodeCursor(i.cursor, 'bigint'),
    i.limit + 1,
    i.offset,
  ]);
  return toPage(rows, i.limit, (h) => h.holdId);
}

interface HoldRow {
  id: string;
  user_id: number;
  amount: string;
  status: Hold['status'];
  expires_at: Date;
  description: string | null;
  captured: string | null;
  capture_transaction_id: string | null;
  created_at: Date;
  finished_at: Date | null;
}

/** Holds matching `where` (its limit and offset the last two parameters, when paging). */
async function readHolds(em: EntityManager, where: string, params: unknown[]): Promise<Hold[]> {
  const paging = params.length > 3 ? `order by h.id desc limit $${params.length - 1} offset $${params.length}` : '';
  const rows = await query<HoldRow>(
    em,
    `select h.id, h.user_id, h.amount, h.status, h.expires_at, h.description, h.captured, h.capture_transaction_id, h.created_at, h.finished_at
       from credit_holds h where ${where} ${paging}`,
    params,
  );
  return rows.map((r) => ({
    holdId: Number(r.id),
    userId: r.user_id,
    amount: Number(r.amount),
    status: r.status,
    expiresAt: r.expires_at,
    description: r.description,
    captured: r.captured === null ? null : Number(r.captured),
    captureTransactionId: r.capture_transaction_id === null ? null : Number(r.capture_transaction_id),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  }));
}
