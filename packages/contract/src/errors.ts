/**
 * The error vocabulary shared by the service and the SDK. No runtime dependencies: the SDK imports
 * this file, and it must not pull zod into a consumer's bundle.
 */

/** The error codes (tRPC's names) and the HTTP status each one answers with. */
export const ERROR_STATUS = {
  PARSE_ERROR: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  PAYMENT_REQUIRED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  TIMEOUT: 408,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_CONTENT: 422,
  PRECONDITION_REQUIRED: 428,
  TOO_MANY_REQUESTS: 429,
  CLIENT_CLOSED_REQUEST: 499,
  INTERNAL_SERVER_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** Why a call failed, with the facts a caller needs to act on it. */
export type ErrorDetails =
  | { reason: 'INVALID_INPUT'; issues: { path: string; message: string }[] }
  | { reason: 'USER_NOT_FOUND'; userId: number | string }
  | { reason: 'EMAIL_TAKEN'; email: string }
  | { reason: 'EXTERNAL_ID_TAKEN'; externalId: string }
  | { reason: 'INSUFFICIENT_CREDITS'; balance: number; required: number }
  | { reason: 'IDEMPOTENCY_KEY_REUSED'; idempotencyKey: string }
  | { reason: 'BALANCE_LIMIT'; limit: number };
export type ErrorReason = ErrorDetails['reason'];
export type DetailsOf<R extends ErrorReason> = Extract<ErrorDetails, { reason: R }>;

/** The `data` of every error the service returns: the code and status, plus details when there are any. */
export type ErrorData = { code: ErrorCode; httpStatus: number; path?: string } & (ErrorDetails | { reason?: undefined });
