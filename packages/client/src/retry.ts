/** What is retried, and after how long. */

export interface RetryOptions {
  /** Attempts after the first (default 3). */
  retries?: number | undefined;
  /** Delay before the first retry, doubled for each next one, with jitter (default 100 ms). */
  minDelayMs?: number | undefined;
  /** Cap on that doubling delay (default 2000 ms); a `Retry-After` from the service is honoured above it. */
  maxDelayMs?: number | undefined;
}

export type RetryPolicy = Required<{ [K in keyof RetryOptions]: NonNullable<RetryOptions[K]> }>;

export function retryPolicy(options: RetryOptions): RetryPolicy {
  return { retries: options.retries ?? 3, minDelayMs: options.minDelayMs ?? 100, maxDelayMs: options.maxDelayMs ?? 2_000 };
}

/** The parts of a failed attempt that decide its retry: tRPC's error data and the HTTP answer, if any. */
export interface FailedAttempt {
  data?: { httpStatus?: number | undefined; retryAfterSeconds?: unknown } | null | undefined;
  meta?: Record<string, unknown> | undefined;
}

/**
 * Retry only what may succeed unchanged: no answer at all (network), 5xx, and 429. Never another
 * 4xx: the same request would fail the same way.
 */
export function isRetryable(error: FailedAttempt): boolean {
  const status = error.data?.httpStatus;
  return status === undefined || status >= 500 || status === 429;
}

/**
 * How long to wait before attempt `attempt + 1`. A 429 or 503 that says when to come back
 * (`Retry-After`, in seconds or as a date; else the service's `retryAfterSeconds`) is waited out,
 * plus up to a fifth more so that the callers it turned away do not all return at once. Anything
 * else backs off exponentially with jitter: between half and all of `minDelayMs × 2^(attempt-1)`,
 * capped at `maxDelayMs`.
 */
export function retryDelay(error: FailedAttempt, attempt: number, policy: RetryPolicy, random = Math.random): number {
  const asked = retryAfterMs(error);
  if (asked !== undefined && asked > 0) return asked * (1 + 0.2 * random());
  const base = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** (attempt - 1));
  return base / 2 + random() * (base / 2);
}

function retryAfterMs(error: FailedAttempt): number | undefined {
  const status = error.data?.httpStatus;
  if (status !== 429 && status !== 503) return undefined;
  const header = (error.meta?.response as { headers?: { get(name: string): string | null } } | undefined)?.headers?.get('retry-after');
  if (header) {
    const seconds = Number(header);
    if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(0, at - Date.now());
  }
  const stated = error.data?.retryAfterSeconds;
  return typeof stated === 'number' && Number.isFinite(stated) ? Math.max(0, stated * 1000) : undefined;
}
