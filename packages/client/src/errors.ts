import { TRPCClientError } from '@trpc/client';
import type { AppRouter, DetailsOf, ErrorCode, ErrorData, ErrorReason } from './service-types';

/**
 * What a failure was when the service gave no answer of its own: `NETWORK_ERROR` (no answer came
 * back, after the retries), `TIMEOUT` (the call's `timeoutMs` passed), `ABORTED` (the caller's
 * `signal` aborted it).
 */
export type ClientErrorCode = 'NETWORK_ERROR' | 'TIMEOUT' | 'ABORTED';

/**
 * Every failed call rejects with a CreditsError. `code` says what kind of failure it was;
 * `data.reason`, when present, says why, with the facts that go with it:
 * `isInsufficientCredits(err)` gives `err.data.balance`.
 */
export class CreditsError extends TRPCClientError<AppRouter> {
  readonly code: ErrorCode | ClientErrorCode;

  constructor(error: TRPCClientError<AppRouter>, code?: ClientErrorCode) {
    super(error.message, { result: error.shape ? { error: error.shape } : null, ...(error.cause ? { cause: error.cause } : {}), ...(error.meta ? { meta: error.meta } : {}) });
    // TRPCClientError pins its own prototype; restore ours so `instanceof CreditsError` holds.
    Object.setPrototypeOf(this, CreditsError.prototype);
    this.name = 'CreditsError';
    this.code = code ?? error.data?.code ?? 'NETWORK_ERROR';
  }

  static override from(error: unknown): CreditsError {
    if (error instanceof CreditsError) return error;
    return new CreditsError(TRPCClientError.from(error instanceof Error ? error : new Error(String(error))));
  }

  /** A failure of the SDK's own making (a timeout, an abort), with no answer from the service. */
  static local(code: ClientErrorCode, message: string, cause?: unknown): CreditsError {
    return new CreditsError(new TRPCClientError(message, cause instanceof Error ? { cause } : {}), code);
  }
}

type ErrorBase = Omit<ErrorData, keyof DetailsOf<ErrorReason>>;

/** A CreditsError whose `data` carries the details of `R`. */
export type CreditsErrorWith<R extends ErrorReason> = CreditsError & { data: ErrorBase & DetailsOf<R> };

export function isCreditsError(error: unknown): error is CreditsError {
  return error instanceof CreditsError;
}

export function hasReason<R extends ErrorReason>(error: unknown, reason: R): error is CreditsErrorWith<R> {
  return error instanceof CreditsError && error.data?.reason === reason;
}

/** PAYMENT_REQUIRED: `err.data.balance` is what the user has, `err.data.required` what the call needed. */
export const isInsufficientCredits = (error: unknown) => hasReason(error, 'INSUFFICIENT_CREDITS');
/** CONFLICT: the idempotency key was used before for a different request. */
export const isIdempotencyConflict = (error: unknown) => hasReason(error, 'IDEMPOTENCY_KEY_REUSED');
/** NOT_FOUND: no user has that id or external id. */
export const isUserNotFound = (error: unknown) => hasReason(error, 'USER_NOT_FOUND');
/** BAD_REQUEST from input validation: `err.data.issues` lists each problem with its path. */
export const isInvalidInput = (error: unknown) => hasReason(error, 'INVALID_INPUT');
