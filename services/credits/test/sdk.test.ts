import { CreditsError, createCreditsClient, isCreditsError } from '@credits/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

const service = useTestService();
let userId: number;
beforeAll(async () => {
  userId = (await service.newUser({ balance: 1000 })).id;
});

interface Sent {
  url: string;
  headers: Headers;
  body: string | undefined;
}

/** A fetch that records what the SDK sends and answers the first `failures` calls with `failWith`. */
function scriptedFetch(failures: number, failWith: () => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    sent.push({ url: String(input), headers: new Headers(init?.headers), body: init?.body as string | undefined });
    if (sent.length <= failures) return failWith();
    return fetch(input, init);
  };
  return { sent, fetch: fetchFn };
}

const keyOf = (s: Sent) => (JSON.parse(s.body!) as { json: { idempotencyKey?: string } }).json.idempotencyKey;

describe('SDK', () => {
  it('gives each mutation a key and reuses it for the retries of that call', async () => {
    const f = scriptedFetch(2, () => new Response('upstream down', { status: 503 }));
    const client = service.client({ fetch: f.fetch, batch: false, retry: { minDelayMs: 1 } });
    const tx = await client.credits.consume.mutate({ userId, amount: 1 });
    expect(f.sent).toHaveLength(3);
    const keys = f.sent.map(keyOf);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(tx.idempotencyKey).toBe(keys[0]);

    await client.credits.consume.mutate({ userId, amount: 1 });
    expect(keyOf(f.sent[3]!)).not.toBe(keys[0]); // a new call, a new key
  });

  it('keeps a key the caller chose', async () => {
    const f = scriptedFetch(0, () => new Response());
    const client = service.client({ fetch: f.fetch, batch: false });
    await client.credits.recharge.mutate({ userId, amount: 1, idempotencyKey: 'mine-1' });
    expect(keyOf(f.sent[0]!)).toBe('mine-1');
  });

  it('retries network errors and 429, then gives up with NETWORK_ERROR', async () => {
    const refused = scriptedFetch(99, () => Promise.reject(new TypeError('fetch failed')));
    const client = service.client({ fetch: refused.fetch, batch: false, retry: { retries: 2, minDelayMs: 1 } });
    const error = await client.credits.balance.query({ userId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CreditsError);
    expect((error as CreditsError).code).toBe('NETWORK_ERROR');
    expect(refused.sent).toHaveLength(3);

    const limited = scriptedFetch(1, () => new Response('slow down', { status: 429 }));
    const ok = service.client({ fetch: limited.fetch, batch: false, retry: { minDelayMs: 1 } });
    await expect(ok.credits.balance.query({ userId })).resolves.toMatchObject({ userId });
    expect(limited.sent).toHaveLength(2);
  });

  it('never retries a 4xx answer from the service', async () => {
    const f = scriptedFetch(0, () => new Response());
    const client = service.client({ fetch: f.fetch, batch: false, retry: { minDelayMs: 1 } });
    const error = await client.credits.consume.mutate({ userId, amount: 1e9 }).catch((e: unknown) => e);
    expect(isCreditsError(error) && error.code).toBe('PAYMENT_REQUIRED');
    expect(f.sent).toHaveLength(1);
    const notFound = await client.users.get.query({ userId: 'nobody' }).catch((e: unknown) => e);
    expect(isCreditsError(notFound) && notFound.code).toBe('NOT_FOUND');
    expect(f.sent).toHaveLength(2);
  });

  it('sends the API key and extra headers', async () => {
    const f = scriptedFetch(0, () => new Response());
    const client = createCreditsClient({ url: `${service.url}/`, fetch: f.fetch, apiKey: TEST_ADMIN_KEY, headers: () => ({ 'x-tenant': 'acme' }) });
    await client.health.query();
    expect(f.sent[0]!.url.startsWith(`${service.url}/trpc/health?`)).toBe(true); // the trailing slash of `url` is dropped
    expect(f.sent[0]!.headers.get('authorization')).toBe(`Bearer ${TEST_ADMIN_KEY}`);
    expect(f.sent[0]!.headers.get('x-tenant')).toBe('acme');
  });

  it('batches calls made together into one request', async () => {
    const f = scriptedFetch(0, () => new Response());
    const client = service.client({ fetch: f.fetch });
    const [balance, user] = await Promise.all([client.credits.balance.query({ userId }), client.users.get.query({ userId })]);
    expect(balance.userId).toBe(user.id);
    expect(f.sent).toHaveLength(1);
  });

  it('sends a lone call at once, alone in its request, before a timer could fire', async () => {
    let timerFired = false;
    const sentBeforeTimer: boolean[] = [];
    const client = service.client({
      fetch: (input, init) => {
        sentBeforeTimer.push(!timerFired);
        return fetch(input, init);
      },
    });
    for (let i = 0; i < 3; i++) {
      timerFired = false;
      setTimeout(() => (timerFired = true));
      await client.credits.balance.query({ userId });
    }
    expect(sentBeforeTimer).toEqual([true, true, true]);
    const f = scriptedFetch(0, () => new Response());
    await service.client({ fetch: f.fetch }).credits.consume.mutate({ userId, amount: 1 });
    expect(f.sent[0]!.url).toBe(`${service.url}/trpc/credits.consume`);
  });

  it('batches the calls made while another is in flight', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const urls: string[] = [];
    const client = service.client({
      fetch: async (input, init) => {
        urls.push(String(input).split('?')[0]!);
        if (urls.length === 1) await held;
        return fetch(input, init);
      },
    });
    const first = client.credits.balance.query({ userId });
    await new Promise((resolve) => setTimeout(resolve, 20)); // the first is on the wire
    // Each made alone, in its own turn of the microtask queue: in flight beside the first, they wait to go together.
    const later: Promise<unknown>[] = [client.users.get.query({ userId })];
    await Promise.resolve();
    await Promise.resolve();
    later.push(client.credits.balance.query({ userId }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await Promise.all([first, ...later]);
    expect(urls).toEqual([`${service.url}/trpc/credits.balance`, `${service.url}/trpc/users.get,credits.balance`]);
  });
});
