import type { LedgerResult, RecordedUsage } from '@credits/contract';
import type { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { DomainError } from '../domain/errors';
import type { Context } from './context';
import type { Meta } from './init';

export type CallResult = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/** A call's half of its log line (the request adds method, path and status). */
export interface CallRecord {
  procedure: string;
  route?: string;
  principal: string;
  keyId?: number;
  userId?: number;
  outcome: string;
  reason?: string;
  /** The call's own time. */
  ms: number;
}

/**
 * What a finished call tells operators: one log line (written with its HTTP request's, see
 * http/request-log.ts) and its metrics. It reads outcomes from what
 * the call returned or threw (what its meta says the result is; an error's reason), so the domain
 * stays free of logging and metrics. Inputs and outputs are never logged: they carry API keys
 * (apiKeys.create) and users' data; ids and codes are enough to follow a call.
 */
export function observeCall(ctx: Context, procedure: string, result: CallResult, ms: number, meta: Meta | undefined): void {
  const { metrics } = ctx.deps;
  const principal = 'principal' in ctx.auth ? ctx.auth.principal : undefined;
  const outcome = result.ok ? 'ok' : result.error.code;
  const reason = result.ok ? undefined : reasonOf(result.error);

  metrics.calls.inc({ procedure, outcome, principal: principal?.kind ?? 'none' });
  metrics.callSeconds.observe({ procedure, outcome }, ms / 1000);
  if (result.ok && meta?.writes) ledgerEffects(ctx, procedure, meta.writes, result.data);
  else if (reason === 'INSUFFICIENT_CREDITS') metrics.insufficientCredits.inc({ procedure });

  const record: CallRecord = {
    procedure,
    ...(ctx.route ? { route: ctx.route } : {}),
    principal: principal?.kind ?? 'none',
    ...(principal?.keyId ? { keyId: principal.keyId } : {}),
    ...(principal?.kind === 'user' ? { userId: principal.userId } : {}),
    outcome,
    ...(reason ? { reason } : {}),
    ms: Math.round(ms * 10) / 10,
  };
  if (ctx.calls) ctx.calls.push(record);
  else if (outcome === 'INTERNAL_SERVER_ERROR') ctx.log.error(record, 'call');
  else ctx.log.info(record, 'call');
}

function reasonOf(error: TRPCError): string | undefined {
  if (error.cause instanceof DomainError) return error.cause.details?.reason;
  if (error.cause instanceof ZodError) return 'INVALID_INPUT';
  return undefined;
}

/** Ledger rows a successful call wrote: a transaction, or a usage record's charge. */
function ledgerEffects(ctx: Context, procedure: string, writes: NonNullable<Meta['writes']>, data: unknown): void {
  const { metrics } = ctx.deps;
  if ((data as { replayed: boolean }).replayed) return void metrics.replays.inc({ procedure });
  if (writes === 'transaction') {
    const tx = data as LedgerResult;
    metrics.ledgerOperations.inc({ type: tx.type });
    metrics.creditsMoved.inc({ type: tx.type }, Math.abs(tx.amount));
  } else {
    const usage = data as RecordedUsage;
    if (usage.transactionId === null) return;
    metrics.ledgerOperations.inc({ type: 'consume' });
    metrics.creditsMoved.inc({ type: 'consume' }, usage.creditsCharged);
  }
}
