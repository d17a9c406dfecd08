import type { TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type { AppRouter } from './service-types';
import { CreditsError } from './errors';
import { isRetryable, type RetryPolicy, retryDelay } from './retry';

/**
 * One call's life: its deadline, its caller's signal, and its attempts. The call fails with
 * TIMEOUT once `timeoutMs` have passed since it was made, retries and their waits included, and
 * with ABORTED as soon as the caller's `signal` aborts; either way the request in flight is
 * cancelled. A retryable failure is tried again after `retryDelay`, unless that wait would end
 * past the deadline: then the call fails at once with that failure, the most useful answer left.
 *
 * Sits after the idempotency-key and request-id links, so every attempt of a call carries the
 * same key and id, and the service applies a mutation once however many attempts reach it.
 */
export function attemptsLink({ timeoutMs, retry }: { timeoutMs: number; retry: RetryPolicy | false }): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const deadline = Date.now() + timeoutMs;
        let attempt: Unsubscribable | undefined;
        let wait: ReturnType<typeof setTimeout> | undefined;
        let settled = false;

        const stop = () => {
          settled = true;
          clearTimeout(wait);
          clearTimeout(timer);
          op.signal?.removeEventListener('abort', onAbort);
          attempt?.unsubscribe();
        };
        const fail = (error: unknown) => {
          if (settled) return;
          stop();
          observer.error(CreditsError.from(error));
        };
        const onAbort = () => fail(CreditsError.local('ABORTED', 'The call was aborted by its signal', op.signal?.reason));
        const timer = Number.isFinite(timeoutMs)
          ? setTimeout(() => fail(CreditsError.local('TIMEOUT', `No answer within ${timeoutMs} ms`)), timeoutMs)
          : undefined;

        const run = (n: number) => {
          attempt = next(op).subscribe({
            next: (value) => {
              if (!settled) observer.next(value);
            },
            complete: () => {
              if (settled) return;
              stop();
              observer.complete();
            },
            error: (error) => {
              if (settled) return;
              const delay = retry && n <= retry.retries && isRetryable(error) ? retryDelay(error, n, retry) : undefined;
              if (delay === undefined || Date.now() + delay >= deadline) return fail(error);
              wait = setTimeout(() => run(n + 1), delay);
            },
          });
        };

        if (op.signal?.aborted) onAbort();
        else {
          op.signal?.addEventListener('abort', onAbort, { once: true });
          run(1);
        }
        return stop;
      });
}
