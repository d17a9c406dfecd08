import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Failed attempts per client address (bad keys, sign-ups), counted by a rate-limiter-flexible
 * limiter: its `points` attempts in a window; past them the address waits for the window to end.
 */
export interface AttemptLimiter {
  /** Whole seconds until `client` may try again; 0 when it may now. */
  retryAfter(client: string): Promise<number>;
  /** Counts one attempt against `client`. */
  record(client: string): Promise<void>;
}

export function attemptLimiter(counts: RateLimiterAbstract | Promise<RateLimiterAbstract>): AttemptLimiter {
  return {
    async retryAfter(client) {
      const limiter = await counts;
      const seen = await limiter.get(client);
      // The memory store forgets a window by a timer: one past its end may still be there.
      const blocked = seen !== null && seen.consumedPoints >= limiter.points && seen.msBeforeNext > 0;
      return blocked ? Math.ceil(seen.msBeforeNext / 1000) : 0;
    },
    async record(client) {
      await (await counts).penalty(client);
    },
  };
}
