/**
 * The error vocabulary shared by the service and the SDK: types only, compiled into the SDK's d.ts.
 */

/** The error codes, by tRPC's names; each answers with its HTTP status (`data.httpStatus`). */
export type ErrorCode =
  | 'PARSE_ERROR'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'PAYMENT_REQUIRED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_SUPPORTED'
  | 'TIMEOUT'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNPROCESSABLE_CONTENT'
  | 'PRECONDITION_REQUIRED'
  | 'TOO_MANY_REQUESTS'
  | 'CLIENT_CLOSED_REQUEST'
  | 'INTERNAL_SERVER_ERROR'
  | 'NOT_IMPLEMENTED'
  | 'BAD_GATEWAY'
  | 'SERVICE_UNAVAILABLE'
  | 'GATEWAY_TIMEOUT';

/** Why a call failed, with the facts a caller needs to act on it. */
export type ErrorDetails =
  | { reason: 'INVALID_INPUT'; issues: { path: string; message: string }[] }
  | { reason: 'USER_NOT_FOUND'; userId: number | string }
  | { reason: 'EMAIL_TAKEN'; email: string }
  | { reason: 'EXTERNAL_ID_TAKEN'; externalId: string }
  /** `balance` and `available`: what the user could spend (credits held for others' calls are not). */
  | { reason: 'INSUFFICIENT_CREDITS'; balance: number; available: number; required: number }
  | { reason: 'HOLD_NOT_FOUND'; holdId: number }
  | { reason: 'WEBHOOK_NOT_FOUND'; endpointId: number }
  | { reason: 'DELIVERY_NOT_FOUND'; deliveryId: number }
  /** An endpoint on a private, loopback or link-local address (or one whose name does not resolve). */
  | { reason: 'WEBHOOK_URL_REFUSED'; url: string }
  | { reason: 'HOLD_EXPIRED'; holdId: number }
  | { reason: 'HOLD_FINISHED'; holdId: number; status: 'captured' | 'released' | 'expired' }
  | { reason: 'IDEMPOTENCY_KEY_REUSED'; idempotencyKey: string }
  | { reason: 'REFERENCE_REUSED'; referenceId: string; amount: number; transactionId: number }
  | { reason: 'BALANCE_LIMIT'; limit: number }
  | { reason: 'MISSING_CREDENTIALS' }
  | { reason: 'INVALID_CREDENTIALS' }
  | { reason: 'NOT_ALLOWED'; principal: 'admin' | 'service' | 'user' }
  | { reason: 'RATE_LIMITED'; retryAfterSeconds: number }
  | { reason: 'SESSION_NOT_FOUND'; sessionId: string }
  | { reason: 'USAGE_RECORD_NOT_FOUND'; usageRecordId: number }
  | { reason: 'SESSION_CLOSED'; sessionId: string; status: string }
  | { reason: 'ILLEGAL_TRANSITION'; from: string; to: string; allowed: string[] }
  | { reason: 'PROTECTED'; table: string; column?: string }
  | { reason: 'TABLE_BUSY'; table: string }
  | { reason: 'DATABASE_UNAVAILABLE' }
  | { reason: 'TIMED_OUT'; rolledBack: boolean };
export type ErrorReason = ErrorDetails['reason'];
export type DetailsOf<R extends ErrorReason> = Extract<ErrorDetails, { reason: R }>;

/** The `data` of every error the service returns: the code and status, plus details when there are any. */
export type ErrorData = { code: ErrorCode; httpStatus: number; path?: string } & (ErrorDetails | { reason?: undefined });
