import { type CreditsError, createCreditsClient, isCreditsError } from '@credits/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { retryDelay, retryPolicy } from '../../../packages/client/src/retry';
import { startProxy } from './support/proxy';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

/**
 * What a caller can count on when the network or the service misbehaves: a bound on every call
 * (`timeoutMs`), cancellation by the caller's signal, and retries that wait as long as a 429 or
 * 503 asks. A proxy in front of the real service holds, answers or forwards each request.
 */
const service = useTestService();
let proxy: Awaited<ReturnType<typeof startProxy>>;
let userId: number;

beforeAll(async () => {
  proxy = await startProxy(service.url);
  userId = (await service.newUser({ balance: 100 })).id;
});
afterAll(() => proxy.close());
afterEach(() => proxy.reset());

const viaProxy = (options: Parameters<typeof service.client>[0] = {}) => service.client({ url: proxy.url, batch: false, ...options });
const failure = (call: Promise<unknown>) => call.then(() => expect.fail('the call succeeded'), (error: unknown) => error as CreditsError);
const timed = async <T>(work: () => Promise<T>) => {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
};
const closedEarly = async () => {
  for (let i = 0; i < 100 && !proxy.arrivals[0]?.closedEarly; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return proxy.arrivals[0]?.closedEarly;
};
const balance = async () => (await service.caller().credits.balance({ userId })).balance;

describe('timeoutMs', () => {
  it('fails a call with no answer in time with TIMEOUT, and cancels its request', async () => {
    proxy.script('stall');
    const { result: error, ms } = await timed(() => failure(viaProxy({ timeoutMs: 300 }).credits.balance.query({ userId })));
    expect(isCreditsError(error) && error.code).toBe('TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(295);
    expect(ms).toBeLessThan(1_500);
    expect(await closedEarly()).toBe(true);
  });

  it('bounds the retries too: a retry whose wait would end past it is not made, and the last answer is the error', async () => {
    const unavailable = { status: 503, headers: { 'content-type': 'text/plain' }, body: 'upstream down' };
    proxy.script(...Array.from({ length: 10 }, () => unavailable));
    const client = viaProxy({ timeoutMs: 300, retry: { retries: 10, minDelayMs: 100 } });
    const { result: error, ms } = await timed(() => failure(client.credits.balance.query({ userId })));
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.data?.httpStatus).toBe(503);
    // Answered by the last 503, not by the deadline (that would be TIMEOUT, refused above); the
    // margin is timer jitter on a loaded machine (seen: 300.3 ms in CI).
    expect(ms).toBeLessThan(350);
    // Waits of 50-100, 100-200, then 200-400 ms: the third would end past the deadline.
    expect(proxy.arrivals.length).toBeGreaterThanOrEqual(2);
    expect(proxy.arrivals.length).toBeLessThanOrEqual(3);
  });

  it('must be a positive number of milliseconds (Infinity: no limit)', () => {
    expect(() => createCreditsClient({ url: service.url, timeoutMs: 0 })).toThrow(/timeoutMs must be a positive number/);
    expect(() => createCreditsClient({ url: service.url, timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
    expect(() => createCreditsClient({ url: service.url, timeoutMs: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});

describe('AbortSignal', () => {
  it("aborts a call in flight with ABORTED when the caller's signal fires, and cancels its request", async () => {
    proxy.script('stall');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { result: error, ms } = await timed(() => failure(viaProxy().credits.balance.query({ userId }, { signal: controller.signal })));
    expect(error.code).toBe('ABORTED');
    expect(ms).toBeLessThan(1_000);
    expect(await closedEarly()).toBe(true);
  });

  it('sends nothing for a call whose signal has already fired', async () => {
    const error = await failure(viaProxy().credits.consume.mutate({ userId, amount: 1 }, { signal: AbortSignal.abort() }));
    expect(error.code).toBe('ABORTED');
    expect(proxy.arrivals).toHaveLength(0);
  });

  it('ends a call waiting to retry', async () => {
    proxy.script({ status: 503, headers: { 'retry-after': '5' } });
    const { result: error, ms } = await timed(() => failure(viaProxy().credits.balance.query({ userId }, { signal: AbortSignal.timeout(200) })));
    expect(error.code).toBe('ABORTED');
    expect(ms).toBeLessThan(1_000);
    expect(proxy.arrivals).toHaveLength(1);
  });
});

describe('Retry-After', () => {
  const gap = () => proxy.arrivals[1]!.at - proxy.arrivals[0]!.at;

  it("waits out a 503's Retry-After (a proxy's plain-text answer), then retries and charges once", async () => {
    const before = await balance();
    proxy.script({ status: 503, headers: { 'retry-after': '1', 'content-type': 'text/plain' }, body: 'down for maintenance' });
    const tx = await viaProxy({ retry: { minDelayMs: 1 } }).credits.consume.mutate({ userId, amount: 1 });
    expect(proxy.arrivals).toHaveLength(2);
    // 1 s, plus up to a fifth more of jitter (and the time the retry takes to arrive).
    expect(gap()).toBeGreaterThanOrEqual(995);
    expect(gap()).toBeLessThan(1_200 + 150);
    expect(tx.balanceAfter).toBe(before - 1);
    expect(await balance()).toBe(before - 1);
  });

  it("waits out a 429's Retry-After given as an HTTP date", async () => {
    // Dates have whole seconds: this one is 1 to 2 s away.
    proxy.script({ status: 429, headers: { 'retry-after': new Date(Date.now() + 2_000).toUTCString() } });
    await viaProxy({ retry: { minDelayMs: 1 } }).credits.balance.query({ userId });
    expect(proxy.arrivals).toHaveLength(2);
    expect(gap()).toBeGreaterThanOrEqual(900);
    expect(gap()).toBeLessThan(2_400 + 150);
  });

  it("waits the service's own retryAfterSeconds when a 429 carries no header", async () => {
    const body = JSON.stringify({
      error: { json: { message: 'Too many failed authentication attempts', code: -32029, data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429, reason: 'RATE_LIMITED', retryAfterSeconds: 1 } } },
    });
    proxy.script({ status: 429, headers: { 'content-type': 'application/json' }, body });
    await viaProxy({ retry: { minDelayMs: 1 } }).credits.balance.query({ userId });
    expect(proxy.arrivals).toHaveLength(2);
    expect(gap()).toBeGreaterThanOrEqual(995);
    expect(gap()).toBeLessThan(1_200 + 150);
  });

  it('fails at once when the wait asked for would pass the deadline, with the answer that asked', async () => {
    proxy.script({ status: 503, headers: { 'retry-after': '30', 'content-type': 'text/plain' }, body: 'come back later' });
    const { result: error, ms } = await timed(() => failure(viaProxy().credits.balance.query({ userId })));
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toBe('HTTP 503: come back later');
    expect(ms).toBeLessThan(500);
    expect(proxy.arrivals).toHaveLength(1);
  });

  it('is honoured only on 429 and 503: another status backs off as usual', async () => {
    proxy.script({ status: 502, headers: { 'retry-after': '30', 'content-type': 'text/html' }, body: '<h1>Bad gateway</h1>' });
    const { ms } = await timed(() => viaProxy({ retry: { minDelayMs: 1 } }).credits.balance.query({ userId }));
    expect(ms).toBeLessThan(500);
    expect(proxy.arrivals).toHaveLength(2);
  });
});

describe('an answer from something other than the service', () => {
  it('is an error of its status, with the start of its body as the message', async () => {
    proxy.script({ status: 502, headers: { 'content-type': 'text/html' }, body: '<h1>Bad gateway</h1>' });
    const error = await failure(viaProxy({ retry: false }).credits.balance.query({ userId }));
    expect(error).toMatchObject({ code: 'BAD_GATEWAY', message: 'HTTP 502: <h1>Bad gateway</h1>', data: { code: 'BAD_GATEWAY', httpStatus: 502 } });
  });
});

describe('the waits', () => {
  const policy = retryPolicy({ minDelayMs: 100, maxDelayMs: 2_000 });
  const asked = (status: number, retryAfter: string) => ({ data: { httpStatus: status }, meta: { response: new Response(null, { headers: { 'retry-after': retryAfter } }) } });

  it('spread a Retry-After over up to a fifth more, so the callers it turned away do not return together', () => {
    expect(retryDelay(asked(503, '2'), 1, policy, () => 0)).toBe(2_000);
    expect(retryDelay(asked(503, '2'), 1, policy, () => 0.5)).toBe(2_200);
    expect(retryDelay(asked(429, '2'), 1, policy, () => 1)).toBe(2_400);
  });

  it('back off exponentially otherwise, each between half and all of its step, up to maxDelayMs', () => {
    const network = {};
    const bounds = [1, 2, 3, 4, 5, 6].map((n) => [retryDelay(network, n, policy, () => 0), retryDelay(network, n, policy, () => 1)]);
    expect(bounds).toEqual([
      [50, 100],
      [100, 200],
      [200, 400],
      [400, 800],
      [800, 1_600],
      [1_000, 2_000],
    ]);
    expect(retryDelay(asked(500, '30'), 1, policy, () => 1)).toBe(100);
  });
});

describe('the environment', () => {
  const saved = { url: process.env.CREDITS_URL, key: process.env.CREDITS_API_KEY };
  afterEach(() => {
    for (const [name, value] of [['CREDITS_URL', saved.url], ['CREDITS_API_KEY', saved.key]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('gives the url and the key of a client made without them', async () => {
    process.env.CREDITS_URL = service.url;
    process.env.CREDITS_API_KEY = TEST_ADMIN_KEY;
    expect(await createCreditsClient().auth.whoami.query()).toMatchObject({ kind: 'admin' });
    // An option given as undefined is an option not given (`apiKey: process.env.SOME_KEY`).
    expect(await createCreditsClient({ url: undefined, apiKey: undefined }).auth.whoami.query()).toMatchObject({ kind: 'admin' });
  });

  it('yields to what is passed, and gives no key to a client that has getToken', async () => {
    process.env.CREDITS_URL = 'http://127.0.0.1:1';
    process.env.CREDITS_API_KEY = 'not-the-key';
    expect(await createCreditsClient({ url: service.url, apiKey: TEST_ADMIN_KEY }).auth.whoami.query()).toMatchObject({ kind: 'admin' });
    const sent: string[] = [];
    const client = createCreditsClient({
      url: service.url,
      getToken: () => undefined,
      retry: false,
      fetch: (input, init) => {
        sent.push(new Headers(init?.headers).get('authorization') ?? 'none');
        return fetch(input, init);
      },
    });
    expect((await failure(client.auth.whoami.query())).code).toBe('UNAUTHORIZED');
    expect(sent).toEqual(['none']);
  });

  it('says what is missing when there is no url at all', () => {
    delete process.env.CREDITS_URL;
    expect(() => createCreditsClient()).toThrow('createCreditsClient: no url: pass { url } or set CREDITS_URL');
  });
});
