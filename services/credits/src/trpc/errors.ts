import type { ErrorCode, ErrorData, ErrorDetails } from '@credits/contract';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { ZodError } from 'zod';
import { databaseFailureOf } from '../db/failures';
import { databaseTimeout, databaseUnavailable, DomainError } from '../domain/errors';

/**
 * How failures reach callers, on every surface (tRPC and REST): a DomainError as its code and
 * details, a database failure as UNAVAILABLE or TIMED_OUT, anything else as an internal error
 * whose own words go to the log only.
 */

/** Every error reaches callers in this shape. Its `data` carries the facts they need (ErrorData). */
export interface ErrorShape {
  message: string;
  code: number;
  data: ErrorData;
}

/** Any error as callers receive it (the errorFormatter's answer). */
export function errorShape(error: unknown, path?: string): ErrorShape {
  const known = asTRPCError(error);
  return { message: publicMessage(known), code: TRPC_ERROR_CODES_BY_KEY[known.code], data: errorData(known, path) };
}

/** The DomainError an error stands for: itself, or what a database failure means to callers. */
function domainCause(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  const failure = databaseFailureOf(error);
  if (failure === 'unavailable') return databaseUnavailable();
  if (failure === 'timeout') return databaseTimeout();
  return undefined;
}

/** Anything thrown, as the TRPCError callers should see. */
export function asTRPCError(error: unknown): TRPCError {
  const trpcError = error instanceof TRPCError ? error : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error });
  if (trpcError.code !== 'INTERNAL_SERVER_ERROR') return trpcError;
  const cause = domainCause(trpcError.cause);
  return cause ? new TRPCError({ code: cause.code, message: cause.message, cause }) : trpcError;
}

/** What callers learn of an error: its code and status, and the details of its reason. */
export function errorData(error: TRPCError, path?: string): ErrorData {
  return { code: error.code as ErrorCode, httpStatus: getHTTPStatusCodeFromError(error), ...(path ? { path } : {}), ...detailsOf(error) };
}

function detailsOf(error: TRPCError): ErrorDetails | undefined {
  if (error.cause instanceof DomainError) return error.cause.details;
  if (error.cause instanceof ZodError) {
    return {
      reason: 'INVALID_INPUT',
      issues: error.cause.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    };
  }
  return undefined;
}

/** The message callers see. An unexpected failure's own message may hold SQL or internals: that goes to the log only. */
export function publicMessage(error: TRPCError): string {
  const details = detailsOf(error);
  if (details?.reason === 'INVALID_INPUT') {
    return `Invalid input: ${details.issues.map((i) => (i.path ? `${i.path} ${i.message}` : i.message)).join('; ')}`;
  }
  if (error.code === 'INTERNAL_SERVER_ERROR' && !(error.cause instanceof DomainError)) return 'Internal server error';
  return error.message;
}
