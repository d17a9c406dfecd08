/**
 * Failed authentication attempts per client address, as a token bucket: `perMinute` failures in a
 * burst, refilled evenly over a minute. While a client's bucket is empty, its credentials are not
 * even checked. The built-in one is in memory, so per process: N replicas behind a load balancer
 * allow N times the burst (see the README). A shared store (Redis, a PostgreSQL table) implements
 * this interface and is handed to startApp; its methods may be async for that reason.
 */
export interface FailureLimiter {
  /** Whole seconds until `client` may try again; 0 when it may now. */
  retryAfter(client: string): number | Promise<number>;
  recordFailure(client: string): void | Promise<void>;
}

/** Beyond this many tracked clients, the ones back to a full bucket are forgotten. */
const MAX_TRACKED = 10_000;

/** The in-memory limiter: synchronous, per process. */
export function createFailureLimiter(
  perMinute: number,
  now: () => number = Date.now,
): FailureLimiter & { retryAfter(client: string): number; recordFailure(client: string): void } {
  const refillPerMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const current = (client: string) => {
    const bucket = buckets.get(client);
    if (!bucket) return perMinute;
    return Math.min(perMinute, bucket.tokens + (now() - bucket.at) * refillPerMs);
  };

  return {
    retryAfter(client) {
      const tokens = current(client);
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / refillPerMs / 1000);
    },
    recordFailure(client) {
      buckets.set(client, { tokens: Math.max(0, current(client) - 1), at: now() });
      if (buckets.size > MAX_TRACKED) {
        for (const key of buckets.keys()) if (current(key) >= perMinute) buckets.delete(key);
      }
    },
  };
}
