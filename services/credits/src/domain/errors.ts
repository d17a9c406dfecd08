import type { ErrorCode, ErrorDetails } from '@credits/contract';
import { MAX_BALANCE } from '@credits/contract';

/**
 * A failure the caller can act on: the code says which kind (the API layers map it to their
 * status), the message says what happened in words, the details carry the facts. Anything else
 * thrown from the domain is a bug, reported to callers as an internal error.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const userNotFound = (userId: number | string) =>
  new DomainError('NOT_FOUND', `User not found: ${userId}`, { reason: 'USER_NOT_FOUND', userId });

export const sessionNotFound = (sessionId: string) =>
  new DomainError('NOT_FOUND', `Session not found: ${sessionId}`, { reason: 'SESSION_NOT_FOUND', sessionId });

/** A consume may point only at a usage record of its own user. */
export const usageRecordNotFound = (usageRecordId: number) =>
  new DomainError('BAD_REQUEST', `Usage record ${usageRecordId} is not one of this user's`, { reason: 'USAGE_RECORD_NOT_FOUND', usageRecordId });

export const emailTaken = (email: string) =>
  new DomainError('CONFLICT', `A user with email ${email} already exists`, { reason: 'EMAIL_TAKEN', email });

export const externalIdTaken = (externalId: string) =>
  new DomainError('CONFLICT', `A user with external id ${externalId} already exists`, { reason: 'EXTERNAL_ID_TAKEN', externalId });

/** `available`: what the user could spend at that moment (held credits are not). */
export const insufficientCredits = (available: number, required: number) =>
  new DomainError('PAYMENT_REQUIRED', `Insufficient credits: balance ${available}, required ${required}`, {
    reason: 'INSUFFICIENT_CREDITS',
    balance: available,
    available,
    required,
  });

export const webhookNotFound = (endpointId: number) =>
  new DomainError('NOT_FOUND', `Webhook endpoint not found: ${endpointId}`, { reason: 'WEBHOOK_NOT_FOUND', endpointId });
export const deliveryNotFound = (deliveryId: number) =>
  new DomainError('NOT_FOUND', `Webhook delivery not found: ${deliveryId}`, { reason: 'DELIVERY_NOT_FOUND', deliveryId });
export const webhookUrlRefused = (url: string, why: string) => new DomainError('BAD_REQUEST', `url: ${why}`, { reason: 'WEBHOOK_URL_REFUSED', url });
export const holdNotFound = (holdId: number) => new DomainError('NOT_FOUND', `Hold not found: ${holdId}`, { reason: 'HOLD_NOT_FOUND', holdId });

/** A hold stops reserving at its expiresAt: past it, there is nothing left to capture. */
export const holdExpired = (holdId: number) =>
  new DomainError('CONFLICT', `Hold ${holdId} expired; its credits were freed`, { reason: 'HOLD_EXPIRED', holdId });

/** Capture, release and expiry are each final. */
export const holdFinished = (holdId: number, status: 'captured' | 'released' | 'expired') =>
  new DomainError('CONFLICT', `Hold ${holdId} is already ${status}`, { reason: 'HOLD_FINISHED', holdId, status });

export const idempotencyKeyReused = (idempotencyKey: string) =>
  new DomainError('CONFLICT', `Idempotency key ${idempotencyKey} was already used with different parameters`, {
    reason: 'IDEMPOTENCY_KEY_REUSED',
    idempotencyKey,
  });

/** A recharge's reference credits once: sent again with another amount, it is not a retry of the first. */
export const referenceReused = (referenceId: string, amount: number, transactionId: number) =>
  new DomainError('CONFLICT', `Reference ${referenceId} already credited ${amount} (transaction ${transactionId}); a recharge with another amount cannot reuse it`, {
    reason: 'REFERENCE_REUSED',
    referenceId,
    amount,
    transactionId,
  });

export const balanceLimit = () =>
  new DomainError('BAD_REQUEST', `The balance would exceed the maximum of ${MAX_BALANCE}`, { reason: 'BALANCE_LIMIT', limit: MAX_BALANCE });

export const badRequest = (message: string) => new DomainError('BAD_REQUEST', message);

export const missingCredentials = () =>
  new DomainError('UNAUTHORIZED', 'Missing credentials: send Authorization: Bearer <API key or token>', { reason: 'MISSING_CREDENTIALS' });

/** `why` says what was wrong without repeating what was sent. */
export const invalidCredentials = (why: string) => new DomainError('UNAUTHORIZED', why, { reason: 'INVALID_CREDENTIALS' });

export const notAllowed = (principal: 'admin' | 'service' | 'user', what: string) =>
  new DomainError('FORBIDDEN', `A ${principal} credential may not ${what}`, { reason: 'NOT_ALLOWED', principal });

export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError('TOO_MANY_REQUESTS', `Too many failed authentication attempts from this address; retry in ${retryAfterSeconds} s`, {
    reason: 'RATE_LIMITED',
    retryAfterSeconds,
  });

export const unavailable = (message: string) => new DomainError('SERVICE_UNAVAILABLE', message);

/**
 * The database cannot be reached (down, restarting, out of connections). A statement in flight
 * when its connection broke may have committed, so this promises nothing about that: a retry with
 * the same idempotency key answers either way.
 */
export const databaseUnavailable = () =>
  new DomainError('SERVICE_UNAVAILABLE', 'The database is unavailable; retry later with the same idempotency key', {
    reason: 'DATABASE_UNAVAILABLE',
  });

/** The database cancelled the call's statement (too slow, or waiting on a lock too long) and rolled it back. */
export const databaseTimeout = () =>
  new DomainError('GATEWAY_TIMEOUT', 'The database did not finish in time; nothing was changed, retry later', {
    reason: 'TIMED_OUT',
    rolledBack: true,
  });

/**
 * A call past its deadline. `rolledBack` false: its statements could not all be cancelled, so it
 * may yet complete; retrying with the same idempotency key tells which.
 */
export const deadlineExceeded = (timeoutMs: number, rolledBack: boolean) =>
  new DomainError(
    'GATEWAY_TIMEOUT',
    rolledBack
      ? `The call did not finish within ${timeoutMs} ms; nothing was changed, retry later`
      : `The call did not finish within ${timeoutMs} ms; it may still complete: retry with the same idempotency key to learn its outcome`,
    { reason: 'TIMED_OUT', rolledBack },
  );
