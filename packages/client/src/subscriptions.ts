import { httpSubscriptionLink, type TRPCLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import type { AppRouter } from './service-types';

/**
 * Subscriptions (`events.onBalance`) over Server-Sent Events. The `eventsource` package, not the
 * platform's EventSource: Node has none without a flag, and a browser's cannot send the
 * Authorization header; this one fetches with the client's own credentials and headers.
 */
export function subscriptionLink(url: string, fetchFn: typeof globalThis.fetch, headers: () => Promise<Record<string, string>>): TRPCLink<AppRouter> {
  return httpSubscriptionLink<AppRouter, typeof EventSource>({
    url,
    transformer: superjson,
    EventSource,
    eventSourceOptions: () => ({
      fetch: async (input, init) => fetchFn(input, { ...init, headers: { ...init.headers, ...(await headers()) } }),
    }),
  });
}
