import { createTRPCClient, httpBatchLink, httpLink, type Operation, retryLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '@credits/service';
import { creditsErrorLink, idempotencyKeyLink, isRetryable, requestIdHeader, requestIdLink, type RetryOptions, retryDelay } from './links';

type Headers = Record<string, string>;

export interface CreditsClientOptions {
  /** The service's base URL, e.g. `http://localhost:8000`. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Called before each request for a bearer token (a JWT from your identity provider, say); instead of `apiKey`. */
  getToken?: () => string | undefined | Promise<string | undefined>;
  /** Extra headers for every request, or a function returning them (called per request). */
  headers?: Headers | (() => Headers | Promise<Headers>);
  /** A fetch implementation (default: the global one). */
  fetch?: typeof globalThis.fetch;
  /** Retries with backoff for network errors, 5xx and 429; `false` turns them off. */
  retry?: RetryOptions | false;
  /** Calls made in the same tick share one HTTP request (default true). */
  batch?: boolean;
}

export type CreditsClient = TRPCClient<AppRouter>;

/**
 * The typed client: `client.credits.consume.mutate({ userId, amount })`. Every mutation carries
 * an idempotency key (yours, or one generated per call and kept across its retries), so a retried
 * call is applied once.
 */
export function createCreditsClient(options: CreditsClientOptions): CreditsClient {
  const { url, apiKey, getToken, headers, fetch, retry = {}, batch = true } = options;
  if (apiKey !== undefined && getToken !== undefined) throw new TypeError('createCreditsClient: pass apiKey or getToken, not both');
  const transport = {
    url: `${url.replace(/\/+$/, '')}/trpc`,
    transformer: superjson,
    fetch,
    async headers(opts: { op?: Operation; opList?: readonly Operation[] }) {
      const extra = typeof headers === 'function' ? await headers() : headers;
      const bearer = apiKey ?? (await getToken?.());
      return { ...requestIdHeader(opts.opList ?? (opts.op ? [opts.op] : [])), ...extra, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) };
    },
  };
  return createTRPCClient<AppRouter>({
    links: [
      creditsErrorLink(),
      idempotencyKeyLink(),
      requestIdLink(),
      ...(retry === false
        ? []
        : [
            retryLink<AppRouter>({
              retry: ({ error, attempts }) => attempts <= (retry.retries ?? 3) && isRetryable(error),
              retryDelayMs: (attempt) => retryDelay(attempt, retry),
            }),
          ]),
      batch ? httpBatchLink({ ...transport, maxItems: 50 }) : httpLink(transport),
    ],
  });
}
