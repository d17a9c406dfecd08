import { randomUUID } from 'node:crypto';
import { type CreditsClient, isCreditsError, isInsufficientCredits } from '@credits/client';
import pg from 'pg';

/**
 * A bank-test workload (Jepsen's, in spirit): clients consume and recharge with keys of their own
 * and write down what they were told. Afterwards the ledger is checked against that record: every
 * acknowledged change is there exactly once, nothing else is, and the balances are what the
 * acknowledged changes add up to. Amounts are whole cents, so the model's sums are exact.
 */

export interface LedgerOp {
  key: string;
  userId: number;
  type: 'consume' | 'recharge';
  cents: number;
  /** applied/refused: the service said so; unknown: no answer (or 5xx) yet, settled later. */
  outcome: 'applied' | 'refused' | 'unknown';
  transactionId?: number;
  /** The answer was the original transaction (`replayed`): an earlier attempt had been applied and its answer lost. */
  replayed?: boolean;
  /** The error code of the last failed attempt, for the report. */
  lastError?: string;
}

export interface WorkloadOptions {
  users: number[];
  /** Stop starting new operations once this says so. */
  stopped: () => boolean;
  /** Share of consumes (the rest are recharges). */
  consumeShare?: number;
  /** Called as each operation is sent (its first attempt; the SDK's own retries are part of it). */
  onStart?: () => void;
  /** Records every attempt's outcome and duration, for tests that bound failure latency. */
  onAttempt?: (attempt: { op: LedgerOp; ok: boolean; code?: string; httpStatus?: number; ms: number; startedAt: number }) => void;
}

/** One client's loop: operations one after another until `stopped`, each recorded in `ops`. */
export async function runLedgerClient(client: CreditsClient, ops: LedgerOp[], options: WorkloadOptions): Promise<void> {
  const consumeShare = options.consumeShare ?? 0.6;
  while (!options.stopped()) {
    const op: LedgerOp = {
      key: `wl-${randomUUID()}`,
      userId: options.users[Math.floor(Math.random() * options.users.length)]!,
      type: Math.random() < consumeShare ? 'consume' : 'recharge',
      cents: 1 + Math.floor(Math.random() * 500),
      outcome: 'unknown',
    };
    ops.push(op);
    options.onStart?.();
    await attempt(client, op, options.onAttempt);
  }
}

async function attempt(client: CreditsClient, op: LedgerOp, onAttempt?: WorkloadOptions['onAttempt']): Promise<void> {
  const startedAt = performance.now();
  try {
    const tx = await client.credits[op.type].mutate({ userId: op.userId, amount: op.cents / 100, idempotencyKey: op.key });
    op.outcome = 'applied';
    op.transactionId = tx.id;
    op.replayed = tx.replayed;
    onAttempt?.({ op, ok: true, ms: performance.now() - startedAt, startedAt });
  } catch (error) {
    if (isInsufficientCredits(error)) op.outcome = 'refused';
    else if (!isCreditsError(error) || (error.data?.httpStatus ?? 500) < 500) throw error;
    op.lastError = isCreditsError(error) ? error.code : String(error);
    const data = isCreditsError(error) ? error.data : undefined;
    onAttempt?.({ op, ok: false, code: op.lastError, httpStatus: data?.httpStatus, ms: performance.now() - startedAt, startedAt });
  }
}

/** Sends every unanswered operation again, with its key, until the service says what became of it. */
export async function settleUnknown(client: CreditsClient, ops: LedgerOp[], attempts = 20): Promise<number> {
  const unknown = ops.filter((op) => op.outcome === 'unknown');
  for (const op of unknown) {
    for (let i = 0; i < attempts && op.outcome === 'unknown'; i++) {
      await attempt(client, op);
      if (op.outcome === 'unknown') await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (op.outcome === 'unknown') throw new Error(`operation ${op.key} still has no answer: ${op.lastError}`);
  }
  return unknown.length;
}

export interface LedgerCheck {
  /** Operations compared with the ledger. */
  checked: number;
  /** Applied operations missing from the ledger, or there under another transaction id. */
  lost: string[];
  /** Keys with more than one ledger row. */
  duplicated: string[];
  /** Ledger rows of these users that no operation (and no setup row) accounts for; refused operations that wrote anyway. */
  unexpected: string[];
  /** Users whose balance is not the model's: [userId, balance in cents, model in cents]. */
  balanceMismatches: [number, number, number][];
}

/** Compares what clients were told with what the database holds (read directly, not through the service). */
export async function checkLedger(databaseUrl: string, ops: LedgerOp[], startCents: Map<number, number>): Promise<LedgerCheck> {
  const users = [...startCents.keys()];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; user_id: number; idempotency_key: string | null; amount: string }>(
      'select id, user_id, idempotency_key, amount from credit_transactions where user_id = any($1) order by id',
      [users],
    );
    const balances = await client.query<{ user_id: number; balance: string }>('select user_id, balance from credits where user_id = any($1)', [users]);
    const byKey = new Map<string, string[]>();
    for (const row of rows) {
      if (row.idempotency_key === null || !row.idempotency_key.startsWith('wl-')) continue;
      byKey.set(row.idempotency_key, [...(byKey.get(row.idempotency_key) ?? []), row.id]);
    }
    const result: LedgerCheck = { checked: ops.length, lost: [], duplicated: [], unexpected: [], balanceMismatches: [] };
    const model = new Map(startCents);
    const known = new Set<string>();
    for (const op of ops) {
      known.add(op.key);
      const ids = byKey.get(op.key) ?? [];
      if (ids.length > 1) result.duplicated.push(op.key);
      if (op.outcome === 'applied') {
        if (ids.length === 0 || Number(ids[0]) !== op.transactionId) result.lost.push(op.key);
        model.set(op.userId, model.get(op.userId)! + (op.type === 'recharge' ? op.cents : -op.cents));
      } else if (ids.length > 0) {
        result.unexpected.push(op.key);
      }
    }
    for (const key of byKey.keys()) if (!known.has(key)) result.unexpected.push(key);
    for (const { user_id, balance } of balances.rows) {
      const cents = Math.round(Number(balance) * 100);
      if (cents !== model.get(user_id)) result.balanceMismatches.push([user_id, cents, model.get(user_id)!]);
    }
    return result;
  } finally {
    await client.end();
  }
}
