import { httpBatchLink, httpLink, type Operation, type OperationLink, type TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type superjson from 'superjson';
import type { AppRouter } from './service-types';

export interface TransportOptions {
  url: string;
  transformer: typeof superjson;
  fetch: typeof globalThis.fetch;
  /** The headers of one HTTP request, carrying `calls`. */
  headers(calls: readonly Operation[]): Promise<Record<string, string>>;
}

/** Calls per batched request: a bigger batch waits longer for its slowest call. */
const MAX_BATCH = 50;

/**
 * The terminating link: how calls reach the wire. With `batch`, a call made while the client has
 * nothing else in flight goes at once, alone in its request; calls made together (in one tick) or
 * while others are in flight share requests (tRPC's batch link: those of the next timer tick go
 * as one). A lone caller then pays no batching delay, and many callers still get few requests,
 * which the service answers with few statements. Without `batch`, every call goes alone.
 *
 * Calls made in one synchronous stretch are counted before any goes: the choice is made in a
 * microtask queued by the first of them, not after a timer.
 */
export function transportLink(options: TransportOptions, batch: boolean): TRPCLink<AppRouter> {
  const { headers, ...common } = options;
  const alone = httpLink<AppRouter>({ ...common, headers: ({ op }) => headers([op]) });
  if (!batch) return alone;
  const together = httpBatchLink<AppRouter>({ ...common, headers: ({ opList }) => headers(opList), maxItems: MAX_BATCH });
  return (runtime) => {
    const sendAlone = alone(runtime);
    const sendTogether = together(runtime);
    let inFlight = 0;
    let waiting: Waiting[] | null = null;

    const flush = () => {
      const calls = waiting!;
      waiting = null;
      const live = calls.filter((call) => !call.cancelled);
      const send = live.length === 1 && inFlight === 0 ? sendAlone : sendTogether;
      for (const call of live) call.start(send);
    };

    return ({ op, next }) =>
      observable((observer) => {
        let sent: Unsubscribable | undefined;
        let counted = false;
        const done = () => {
          if (counted) inFlight--;
          counted = false;
        };
        const call: Waiting = {
          cancelled: false,
          start(send) {
            inFlight++;
            counted = true;
            sent = send({ op, next }).subscribe({
              next: (value) => observer.next(value),
              error: (error) => {
                done();
                observer.error(error);
              },
              complete: () => {
                done();
                observer.complete();
              },
            });
          },
        };
        if (!waiting) {
          waiting = [];
          queueMicrotask(flush);
        }
        waiting.push(call);
        return () => {
          call.cancelled = true;
          done();
          sent?.unsubscribe();
        };
      });
  };
}

interface Waiting {
  cancelled: boolean;
  start(send: OperationLink<AppRouter>): void;
}
