import { isCreditsError } from '@credits/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChecksum } from './support/checksum';
import { AUDIENCE, ISSUER, type SigningKey, signingKey, startJwks, token } from './support/jwks';
import { startTestService, TEST_ADMIN_KEY, type TestService } from './support/service';

/**
 * Input that was accepted once and then broke something: a write followed by an error, a page
 * that no longer lists, a 500 from the database's own words. Each is refused (400, with our
 * message) before anything is written, and what is already stored still reads.
 */

let service: TestService;
let key: SigningKey;
let jwks: Awaited<ReturnType<typeof startJwks>>;
beforeAll(async () => {
  key = await signingKey('hostile');
  jwks = await startJwks([key]);
  service = await startTestService({ jwt: { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, jwksCooldownMs: 0, maxTokenAgeS: 3_600 } });
});
afterAll(async () => {
  await service?.close();
  await jwks?.close();
});

async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => {
      throw new Error('expected a refusal, the call succeeded');
    },
    (e: unknown) => e,
  );
  if (!isCreditsError(error)) throw error;
  return { code: error.code, status: error.data?.httpStatus, message: error.message };
}

async function unchanged<T>(work: () => Promise<T>): Promise<T> {
  const checksum = await openChecksum(service.databaseUrl);
  try {
    const before = await checksum.read();
    const result = await work();
    expect(await checksum.read(), 'the database changed').toBe(before);
    return result;
  } finally {
    await checksum.close();
  }
}

/** A tRPC mutation sent as raw JSON: the SDK's own serializer refuses some of these before they leave. */
async function rawCall(procedure: string, input: Record<string, unknown>) {
  const body = JSON.stringify({ json: input });
  const res = await fetch(`${service.url}/trpc/${procedure}`, { method: 'POST', body, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' } });
  const answer = (await res.json()) as { error?: { json: { message: string } } };
  return { status: res.status, message: answer.error?.json.message };
}

describe('metadata that could not be sent back', () => {
  const poisoned: [string, Record<string, unknown>][] = [
    ['prototype', { prototype: 1 }],
    ['constructor, nested', { a: { b: [{ constructor: { x: 1 } }] } }],
    ['a lone surrogate in a value', { note: '\ud800' }],
    ['a lone surrogate in a key', { 'k\udc00': 1 }],
  ];
  for (const [what, metadata] of poisoned) {
    it(`usage.record and sessions.create refuse ${what} with a 400, writing nothing`, async () => {
      const user = await service.newUser({ balance: 10 });
      await unchanged(async () => {
        const record = await rawCall('usage.record', { userId: user.id, endpoint: '/x', eventType: 'x', creditsCharged: 1, charge: true, metadata });
        expect(record).toMatchObject({ status: 400, message: expect.stringMatching(/^Invalid input: metadata/) });
        expect(await rawCall('sessions.create', { userId: user.id, metadata })).toMatchObject({ status: 400, message: expect.stringMatching(/^Invalid input: metadata/) });
      });
      expect((await service.caller().credits.balance({ userId: user.id })).balance).toBe(10);
    });
  }

  it('an own __proto__ key never arrives: the wire format drops it, so nothing of it is stored or sent back', async () => {
    const user = await service.newUser();
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "kept": 1}') as Record<string, unknown>;
    expect(await rawCall('usage.record', { userId: user.id, endpoint: '/x', eventType: 'x', metadata })).toEqual({ status: 200, message: undefined });
    const [stored] = await service.sql<{ metadata: unknown }>('select metadata from usage_records where user_id = ?', [user.id]);
    expect(stored!.metadata).toEqual({ kept: 1 });
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('records already stored with such metadata still list, on every page', async () => {
    const user = await service.newUser();
    const client = service.client({ retry: false });
    const good = await client.usage.record.mutate({ userId: user.id, endpoint: '/ok', eventType: 'x' });
    // Written before these were refused: straight into the table.
    await service.sql(`insert into usage_records (user_id, endpoint, event_type, metadata) values (?, '/old', 'x', '{"constructor": {"prototype": 1}, "keep": 2}')`, [user.id]);
    await service.sql(`insert into sessions (user_id, title, metadata) values (?, 'old', '{"__proto__": 1}')`, [user.id]);
    const page = await client.usage.list.query({ userId: user.id });
    expect(page.items.map((r) => r.endpoint)).toEqual(['/old', '/ok']);
    expect(page.items[0]!.metadata).toEqual({ keep: 2 });
    expect(page.items[1]!.id).toBe(good.id);
    const sessions = await client.sessions.list.query({ userId: user.id });
    expect(sessions.items).toHaveLength(1);
    expect(sessions.items[0]!.metadata).toEqual({});
  });
});

describe('cursors this service never issued', () => {
  const cursor = (text: string) => Buffer.from(text).toString('base64url');
  it('are a 400 on every list, never a database error', async () => {
    const user = await service.newUser();
    const session = await service.client().sessions.create.mutate({ userId: user.id });
    const client = service.client({ retry: false });
    const lists = (c: string) => ({
      integer: [client.users.list.query({ cursor: c }), client.sessions.list.query({ userId: user.id, cursor: c }), client.apiKeys.list.query({ cursor: c })],
      bigint: [
        client.sessions.messages.query({ sessionId: session.sessionId, cursor: c }),
        client.usage.list.query({ userId: user.id, cursor: c }),
        client.credits.transactions.query({ userId: user.id, cursor: c }),
      ],
    });
    const refused = { code: 'BAD_REQUEST', status: 400, message: expect.stringMatching(/cursor/) };
    // Past every id column's range: refused by every list.
    for (const forged of ['id:9999999999999999999', 'id:9007199254740993']) {
      const { integer, bigint } = lists(cursor(forged));
      for (const list of [...integer, ...bigint]) expect(await refusal(list), forged).toMatchObject(refused);
    }
    // Past an integer id column only: refused where the ids are integers, an empty page where they are not.
    const { integer, bigint } = lists(cursor('id:2147483648'));
    for (const list of integer) expect(await refusal(list)).toMatchObject(refused);
    for (const list of bigint) expect(await list).toMatchObject({ nextCursor: null });
  });
});

describe('input nested too deeply, or cyclic', () => {
  it('is our 400, not the runtime running out of stack', async () => {
    const deep = `{"json":{"userId":1,"endpoint":"/x","eventType":"x","metadata":{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}}}`;
    const cyclic = '{"json":{"userId":1,"endpoint":"/x","eventType":"x","metadata":{"a":{}}},"meta":{"values":{},"referentialEqualities":{"metadata.a":["metadata.a.b"]}}}';
    for (const body of [deep, cyclic]) {
      const res = await fetch(`${service.url}/trpc/usage.record`, { method: 'POST', body, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' } });
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(400);
      expect(text).not.toMatch(/call stack/i);
      expect(text).toMatch(/Invalid input/);
    }
  });
});

describe('JWTs', () => {
  const as = (bearer: string) => service.client({ apiKey: undefined, getToken: () => bearer, retry: false });
  it('a numeric sub is refused as a bad token, not a 500', async () => {
    expect(await refusal(as(await token(key, { sub: 12345 })).health.query())).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/sub/) });
  });

  it('a token without exp is refused', async () => {
    await service.newUser({ externalId: 'auth0|no-exp' });
    expect(await refusal(as(await token(key, { sub: 'auth0|no-exp' }, null)).health.query())).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/exp/) });
  });

  it('a token issued in the future (iat more than 60 s ahead) is refused; 30 s ahead is clock skew, accepted', async () => {
    await service.newUser({ externalId: 'auth0|future' });
    const now = Math.floor(Date.now() / 1000);
    expect(await refusal(as(await token(key, { sub: 'auth0|future', iat: now + 120 })).health.query())).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/iat/) });
    expect(await as(await token(key, { sub: 'auth0|future', iat: now + 30 })).health.query()).toEqual({ status: 'healthy' });
  });

  it('a token older than AUTH_MAX_TOKEN_AGE_S is refused, even before its exp', async () => {
    await service.newUser({ externalId: 'auth0|old' });
    const now = Math.floor(Date.now() / 1000);
    expect(await refusal(as(await token(key, { sub: 'auth0|old', iat: now - 7_200 }, '1h')).health.query())).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await as(await token(key, { sub: 'auth0|old', iat: now - 60 }, '1h')).health.query()).toEqual({ status: 'healthy' });
  });
});

describe('smaller holes', () => {
  it("a consume naming another user's usage record is a 400, and nothing is written", async () => {
    const owner = await service.newUser();
    const other = await service.newUser({ balance: 5 });
    const client = service.client({ retry: false });
    const theirs = await client.usage.record.mutate({ userId: owner.id, endpoint: '/x', eventType: 'x' });
    await unchanged(async () => {
      expect(await refusal(client.credits.consume.mutate({ userId: other.id, amount: 1, usageRecordId: theirs.id }))).toMatchObject({ code: 'BAD_REQUEST' });
      expect(await refusal(client.credits.consume.mutate({ userId: other.id, amount: 1, usageRecordId: 2_000_000_000 }))).toMatchObject({ code: 'BAD_REQUEST' });
    });
    const mine = await client.usage.record.mutate({ userId: other.id, endpoint: '/x', eventType: 'x' });
    expect(await client.credits.consume.mutate({ userId: other.id, amount: 1, usageRecordId: mine.id })).toMatchObject({ usageRecordId: mine.id, balanceAfter: 4 });
  });

  it('users.create idempotency keys belong to the principal that sent them', async () => {
    const admin = service.client({ retry: false });
    const serviceKey = await admin.apiKeys.create.mutate({ name: 'scoped', scope: 'service' });
    const other = service.client({ apiKey: serviceKey.key, retry: false });
    const first = await admin.users.create.mutate({ email: 'scoped-a@example.com', name: 'A', idempotencyKey: 'same-key' });
    // Another principal's key of the same text is its own: a new user, not the admin's replayed.
    const second = await other.users.create.mutate({ email: 'scoped-b@example.com', name: 'B', idempotencyKey: 'same-key' });
    expect(second.id).not.toBe(first.id);
    expect((await admin.users.create.mutate({ email: 'scoped-a@example.com', name: 'A', idempotencyKey: 'same-key' })).id).toBe(first.id);
    expect(await refusal(other.users.create.mutate({ email: 'scoped-c@example.com', name: 'C', idempotencyKey: 'same-key' }))).toMatchObject({ code: 'CONFLICT' });
  });

  it('dates outside what the database holds are a 400', async () => {
    const user = await service.newUser();
    const res = await fetch(`${service.url}/trpc/credits.transactions?input=${encodeURIComponent(JSON.stringify({ json: { userId: user.id, from: '-271821-04-20T00:00:00.000Z' }, meta: { values: { from: ['Date'] } } }))}`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { json: { data: { reason: 'INVALID_INPUT' } } } });
  });

  it('/ready says "database unavailable", never the driver\'s words', async () => {
    const other = await startTestService();
    // The event pollers would open the pool again at their next poll, ending the outage this test makes.
    await Promise.all([other.app.webhooks.stop(), other.app.deps.events.stop()]);
    await other.app.deps.orm.close();
    const res = await fetch(`${other.url}/ready`);
    expect(await res.json()).toEqual({ status: 'unavailable', detail: 'database unavailable' });
    await other.close();
  });
});
