import type { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { DomainError } from '../domain/errors';
import type { Context } from './context';

export type CallResult = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/**
 * What a finished call tells operators: one log line and its metrics. It reads outcomes from what
 * the call returned or threw (a ledger result's type, amount and `replayed`; an error's reason), so
 * the domain stays free of logging and metrics. Inputs and outputs are never logged: they carry
 * API keys (apiKeys.create) and users' data; ids and codes are enough to follow a call.
 */
export function observeCall(ctx: Context, procedure: string, result: CallResult, ms: number): void {
  const { metrics } = ctx.deps;
  const principal = 'principal' in ctx.auth ? ctx.auth.principal : undefined;
  const outcome = result.ok ? 'ok' : result.error.code;
  const reason = result.ok ? undefined : reasonOf(result.error);

  metrics.calls.inc({ procedure, outcome, principal: principal?.kind ?? 'none' });
  metrics.callSeconds.observe({ procedure, outcome }, ms / 1000);
  if (result.ok) ledgerEffects(ctx, procedure, result.data);
  else if (reason === 'INSUFFICIENT_CREDITS') metrics.insufficientCredits.inc({ procedure });

  const fields = {
    procedure,
    ...(ctx.route ? { route: ctx.route } : {}),
    principal: principal?.kind ?? 'none',
    ...(principal?.keyId ? { keyId: principal.keyId } : {}),
    ...(principal?.kind === 'user' ? { userId: principal.userId } : {}),
    outcome,
    ...(reason ? { reason } : {}),
    ms: Math.round(ms * 10) / 10,
  };
  if (outcome === 'INTERNAL_SERVER_ERROR') ctx.log.error(fields, 'call');
  else ctx.log.info(fields, 'call');
}

function reasonOf(error: TRPCError): string | undefined {
  if (error.cause instanceof DomainError) return error.cause.details?.reason;
  if (error.cause instanceof ZodError) return 'INVALID_INPUT';
  return undefined;
}

/**
 * Ledger rows a successful call wrote, recognised by shape so that every procedure returning a
 * transaction (credits.*) or a charged usage record counts, whatever its name.
 */
function ledgerEffects(ctx: Context, procedure: string, data: unknown): void {
  if (typeof data !== 'object' || data === null) return;
  const { metrics } = ctx.deps;
  const d = data as { replayed?: unknown; type?: unknown; amount?: unknown; balanceAfter?: unknown; transactionId?: unknown; creditsCharged?: unknown };
  if (d.replayed === true) {
    metrics.replays.inc({ procedure });
    return;
  }
  if (d.replayed !== false) return;
  if (typeof d.type === 'string' && typeof d.amount === 'number' && typeof d.balanceAfter === 'number') {
    metrics.ledgerOperations.inc({ type: d.type });
    metrics.creditsMoved.inc({ type: d.type }, Math.abs(d.amount));
  } else if (typeof d.transactionId === 'number' && typeof d.creditsCharged === 'number') {
    metrics.ledgerOperations.inc({ type: 'consume' });
    metrics.creditsMoved.inc({ type: 'consume' }, d.creditsCharged);
  }
}
