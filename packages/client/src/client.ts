import { createTRPCClient, splitLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from './service-types';
import { attemptsLink } from './attempts';
import { readingForeignAnswers } from './foreign-answers';
import { createMeter, type Meter } from './meter';
import { creditsErrorLink, idempotencyKeyLink, requestIdHeader, requestIdLink } from './links';
import { type CreditsClientOptions, resolveOptions } from './options';
import { subscriptionLink } from './subscriptions';
import { type TransportOptions, transportLink } from './transport';

/** The typed procedures, and `meter`: hold, work, capture in one call. */
export type CreditsClient = TRPCClient<AppRouter> & { meter: Meter };

/**
 * The typed client: `client.credits.consume.mutate({ userId, amount })`. Every mutation carries
 * an idempotency key (yours, or one generated per call and kept across its retries), so a retried
 * call is applied once. With no options, the URL and API key come from `CREDITS_URL` and
 * `CREDITS_API_KEY`.
 */
export function createCreditsClient(options: CreditsClientOptions = {}): CreditsClient {
  const { url, bearer, headers, fetch, retry, timeoutMs, batch } = resolveOptions(options);
  const transport: TransportOptions = {
    url: `${url}/trpc`,
    transformer: superjson,
    fetch: readingForeignAnswers(fetch),
    async headers(calls) {
      const extra = typeof headers === 'function' ? await headers() : headers;
      const token = await bearer?.();
      return { ...requestIdHeader(calls), ...extra, ...(token ? { authorization: `Bearer ${token}` } : {}) };
    },
  };
  const client = createTRPCClient<AppRouter>({
    links: [
      creditsErrorLink(),
      // A subscription is a stream that reconnects by itself (resuming after its last event), not a call with a deadline and retries.
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: subscriptionLink(transport.url, fetch, () => transport.headers([])),
        false: [idempotencyKeyLink(), requestIdLink(), attemptsLink({ timeoutMs, retry }), transportLink(transport, batch)],
      }),
    ],
  });
  // The router has no `meter` procedure: the client's proxy answers every other name.
  const meter = createMeter(client);
  return new Proxy(client, { get: (target, name, receiver) => (name === 'meter' ? meter : Reflect.get(target, name, receiver)) }) as CreditsClient;
}
