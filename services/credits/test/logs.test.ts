import { createCreditsClient, isInsufficientCredits } from '@credits/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, TEST_ADMIN_KEY, type TestService } from './support/service';

/** The service logs into `lines`; every test reads the call lines its own calls wrote. */
const lines: string[] = [];
let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { logTo: { write: (line: string) => void lines.push(line) } });
});
afterAll(() => service.close());

type Entry = Record<string, unknown>;
const entries = (): Entry[] => lines.map((line) => JSON.parse(line) as Entry);
const calls = (requestId: string) => entries().filter((e) => e.msg === 'call' && e.requestId === requestId);

/** An SDK client that remembers the x-request-id of each HTTP request it sends. */
function recordingClient(apiKey: string) {
  const sent: string[] = [];
  const client = createCreditsClient({
    url: service.url,
    apiKey,
    batch: false,
    retry: false,
    fetch: (input, init) => {
      sent.push(new Headers(init?.headers).get('x-request-id') ?? 'none');
      return fetch(input, init);
    },
  });
  return { client, sent };
}

describe('one log line per call', () => {
  it('a call writes exactly one line, with every field of the call and of its HTTP request', async () => {
    const user = await service.newUser({ balance: 2 });
    const { key, id: keyId } = await service.caller().apiKeys.create({ name: 'one line', scope: 'user', userId: user.id });
    const { client, sent } = recordingClient(key);
    await client.credits.consume.mutate({ userId: user.id, amount: 1 });
    const mine = entries().filter((e) => e.requestId === sent[0]);
    expect(mine).toEqual([
      {
        level: 30,
        time: expect.any(Number),
        msg: 'call',
        requestId: sent[0],
        method: 'POST',
        path: '/trpc/credits.consume',
        status: 200,
        requestMs: expect.any(Number),
        procedure: 'credits.consume',
        principal: 'user',
        keyId,
        userId: user.id,
        outcome: 'ok',
        ms: expect.any(Number),
      },
    ]);
    // A request that called no procedure still has its one line.
    await fetch(`${service.url}/health`, { headers: { 'x-request-id': 'health-1' } });
    expect(entries().filter((e) => e.requestId === 'health-1')).toEqual([expect.objectContaining({ msg: 'request', path: '/health', status: 200 })]);
  });

  it('carries the request id the SDK sent, the principal, the procedure, the duration and the outcome', async () => {
    const user = await service.newUser({ balance: 5, externalId: 'auth0|logged' });
    const { key } = await service.caller().apiKeys.create({ name: 'log test', scope: 'user', userId: user.id });
    const { client, sent } = recordingClient(key);

    await client.credits.consume.mutate({ userId: user.id, amount: 1 });
    const refused = await client.credits.consume.mutate({ userId: user.id, amount: 50 }).catch((e: unknown) => e);
    expect(isInsufficientCredits(refused)).toBe(true);
    await client.credits.balance.query({ userId: user.id }, { context: { requestId: 'caller-chose-this-id' } });

    expect(sent).toHaveLength(3);
    expect(new Set(sent).size).toBe(3); // one id per call
    expect(sent[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[2]).toBe('caller-chose-this-id');

    const [ok] = calls(sent[0]!);
    expect(ok).toMatchObject({ level: 30, procedure: 'credits.consume', principal: 'user', userId: user.id, keyId: expect.any(Number), outcome: 'ok' });
    expect(ok!.ms).toEqual(expect.any(Number));
    expect(calls(sent[1]!)).toEqual([
      expect.objectContaining({ procedure: 'credits.consume', principal: 'user', outcome: 'PAYMENT_REQUIRED', reason: 'INSUFFICIENT_CREDITS' }),
    ]);
    expect(calls('caller-chose-this-id')).toEqual([expect.objectContaining({ procedure: 'credits.balance', outcome: 'ok' })]);
    // One line per call, with its HTTP request's facts: no second line for the request.
    expect(entries().filter((e) => e.requestId === sent[0])).toEqual([ok]);
    expect(ok).toMatchObject({ method: 'POST', path: '/trpc/credits.consume', status: 200, requestMs: expect.any(Number) });
    expect(calls(sent[1]!)[0]).toMatchObject({ status: 402 });
  });

  it('logs calls refused before any procedure ran, and REST calls with their route', async () => {
    const { client, sent } = recordingClient('ck_live_this-is-not-a-real-key');
    await client.users.list.query({}).catch(() => undefined);
    expect(calls(sent[0]!)).toEqual([expect.objectContaining({ procedure: 'users.list', principal: 'none', outcome: 'UNAUTHORIZED', reason: 'INVALID_CREDENTIALS' })]);

    const user = await service.newUser({ balance: 3 });
    const res = await fetch(`${service.url}/api/credits/${user.id}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'x-request-id': 'rest-call-1' } });
    expect(res.status).toBe(200);
    expect(calls('rest-call-1')).toEqual([
      expect.objectContaining({ procedure: 'credits.balance', route: 'GET /api/credits/{user_id}', principal: 'admin', outcome: 'ok' }),
    ]);
  });

  it('never writes a credential, even for calls that return one', async () => {
    const before = lines.length;
    const admin = createCreditsClient({ url: service.url, apiKey: TEST_ADMIN_KEY });
    const made = await admin.apiKeys.create.mutate({ name: 'secret holder', scope: 'service' });
    const asService = createCreditsClient({ url: service.url, apiKey: made.key });
    await asService.users.list.query({});
    await fetch(`${service.url}/api/credits/1`, { headers: { 'x-api-key': made.key } });
    const wrong = `${made.key.slice(0, -4)}XXXX`;
    await createCreditsClient({ url: service.url, apiKey: wrong, retry: false }).users.list.query({}).catch(() => undefined);

    const written = lines.slice(before).join('\n');
    expect(written).toContain('"procedure":"apiKeys.create"'); // the lines are there...
    expect(written).toContain('"principal":"service"');
    for (const secret of [TEST_ADMIN_KEY, made.key, wrong, made.key.slice(8)]) expect(written).not.toContain(secret); // ...the keys are not
  });
});
