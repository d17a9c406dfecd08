import { type RetryOptions, type RetryPolicy, retryPolicy } from './retry';

type HeaderRecord = Record<string, string>;

/**
 * Every option may be left out or given as `undefined` (so `apiKey: process.env.CREDITS_API_KEY`
 * compiles under `exactOptionalPropertyTypes`); either way it takes its default.
 */
export interface CreditsClientOptions {
  /** The service's base URL, e.g. `http://localhost:8000`. Default: the `CREDITS_URL` environment variable. */
  url?: string | undefined;
  /**
   * Sent as `Authorization: Bearer <apiKey>`. Default: the `CREDITS_API_KEY` environment
   * variable, unless `getToken` is given.
   */
  apiKey?: string | undefined;
  /** Called before each request for a bearer token (a JWT from your identity provider, say); instead of `apiKey`. */
  getToken?: (() => string | undefined | Promise<string | undefined>) | undefined;
  /** Extra headers for every request, or a function returning them (called per request). */
  headers?: HeaderRecord | (() => HeaderRecord | Promise<HeaderRecord>) | undefined;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof globalThis.fetch | undefined;
  /** Retries with backoff for network errors, 5xx and 429; `false` turns them off. */
  retry?: RetryOptions | false | undefined;
  /** How long a call may take, retries included, before it fails with TIMEOUT (default 10,000 ms; `Infinity`: no limit). */
  timeoutMs?: number | undefined;
  /**
   * Share HTTP requests between calls made together or while others are in flight (default
   * true). A call made alone goes at once either way.
   */
  batch?: boolean | undefined;
}

export interface ResolvedOptions {
  url: string;
  bearer: (() => string | undefined | Promise<string | undefined>) | undefined;
  headers: CreditsClientOptions['headers'];
  fetch: typeof globalThis.fetch;
  retry: RetryPolicy | false;
  timeoutMs: number;
  batch: boolean;
}

/** The environment, where there is one: a browser has no `process`, and gets only what is passed. */
function fromEnvironment(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name]?.trim();
  return value ? value : undefined;
}

export function resolveOptions(options: CreditsClientOptions): ResolvedOptions {
  const { getToken, timeoutMs = 10_000 } = options;
  if (options.apiKey !== undefined && getToken !== undefined) throw new TypeError('createCreditsClient: pass apiKey or getToken, not both');
  const url = options.url ?? fromEnvironment('CREDITS_URL');
  if (url === undefined) throw new TypeError('createCreditsClient: no url: pass { url } or set CREDITS_URL');
  if (!(timeoutMs > 0)) throw new TypeError(`createCreditsClient: timeoutMs must be a positive number of milliseconds, not ${timeoutMs}`);
  const apiKey = getToken === undefined ? (options.apiKey ?? fromEnvironment('CREDITS_API_KEY')) : undefined;
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    url: url.replace(/\/+$/, ''),
    bearer: apiKey !== undefined ? () => apiKey : getToken,
    headers: options.headers,
    fetch: fetchFn,
    retry: options.retry === false ? false : retryPolicy(options.retry ?? {}),
    timeoutMs,
    batch: options.batch ?? true,
  };
}
