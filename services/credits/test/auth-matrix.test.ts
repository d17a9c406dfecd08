import { type CreditsClient, type CreditsClientOptions, isCreditsError } from '@credits/client';
import type { User } from '@credits/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, signingKey, startJwks, token } from './support/jwks';
import { appRouter } from '../src/trpc/router';
import { startTestService, TEST_ADMIN_KEY, type TestService } from './support/service';

/**
 * Every procedure against every kind of caller, over HTTP with the real credentials. The service
 * logs at debug level into `logs`; at the end, no secret may appear there or in any error.
 */

let service: TestService;
let jwks: Awaited<ReturnType<typeof startJwks>>;
const logs: string[] = [];
const errorTexts: string[] = [];
const secrets: string[] = [TEST_ADMIN_KEY];
let alice: User;
let bob: User;
let aliceSession: string;
const credentials: Record<string, Pick<CreditsClientOptions, 'apiKey' | 'getToken'>> = {};

beforeAll(async () => {
  const published = await signingKey('key-1');
  const stranger = await signingKey('not-published');
  jwks = await startJwks([published]);
  service = await startTestService(
    { jwt: { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, jwksCooldownMs: 0 } },
    { logTo: { write: (line: string) => void logs.push(line) } },
  );
  alice = await service.newUser({ balance: 1000, externalId: 'auth0|alice' });
  bob = await service.newUser({ balance: 1000, externalId: 'auth0|bob' });
  aliceSession = (await service.caller().sessions.create({ userId: alice.id, title: "Alice's" })).sessionId;

  const admin = service.caller();
  const key = async (scope: 'admin' | 'service' | 'user', userId?: number) => {
    const created = await admin.apiKeys.create({ name: `${scope} key`, scope, ...(userId ? { userId } : {}) });
    secrets.push(created.key);
    return created;
  };
  const revoked = await key('service');
  await admin.apiKeys.revoke({ id: revoked.id });
  const jwt = async (...args: Parameters<typeof token>) => {
    const value = await token(...args);
    secrets.push(value);
    return { getToken: () => value };
  };

  Object.assign(credentials, {
    none: {},
    'revoked key': { apiKey: revoked.key },
    'user A key': { apiKey: (await key('user', alice.id)).key },
    'user A JWT': await jwt(published, { sub: 'auth0|alice' }),
    'user B key': { apiKey: (await key('user', bob.id)).key },
    service: { apiKey: (await key('service')).key },
    'admin (ADMIN_API_KEY)': { apiKey: TEST_ADMIN_KEY },
    'admin-scope key': { apiKey: (await key('admin')).key },
    'expired JWT': await jwt(published, { sub: 'auth0|alice' }, Math.floor(Date.now() / 1000) - 120),
    'JWT for another audience': await jwt(published, { sub: 'auth0|alice', aud: 'https://other.test/api' }),
    'JWT from an unknown key': await jwt(stranger, { sub: 'auth0|alice' }),
  });
});

afterAll(async () => {
  await service?.close();
  await jwks?.close();
});

type Call = (client: CreditsClient) => Promise<unknown>;
/**
 * Who may call it: `self` is a user acting on itself (every call below names user A, or user A's
 * session). Calls that name a session (`session`) answer another user NOT_FOUND, not FORBIDDEN.
 */
type Allowed = ('service' | 'self' | 'anyone' | 'session')[];

/** A refusal for protecting the service's own schema means the caller got past the role check. */
const protectedIsAllowed = (error: unknown) => {
  if (isCreditsError(error) && error.data?.reason === 'PROTECTED') return undefined;
  throw error;
};

/** A missing row means the caller got past the role check. */
const notFoundIsAllowed = (error: unknown) => {
  if (isCreditsError(error) && error.code === 'NOT_FOUND') return undefined;
  throw error;
};

const anEndpoint = async () => (await service.caller().webhooks.create({ url: 'http://127.0.0.1:9/hook', events: ['balance.low'] })).endpointId;

/**
 * A subscription's answer: a refusal arrives inside the stream, right after it opens; a stream
 * that is still open a second after it started was allowed.
 */
const firstAnswer = (c: CreditsClient, userId: number) =>
  new Promise((resolve, reject) => {
    const sub = c.events.onBalance.subscribe(
      { userId },
      {
        onStarted: () =>
          setTimeout(() => {
            sub.unsubscribe();
            resolve(undefined);
          }, 1_000),
        onError: (error) => {
          sub.unsubscribe();
          reject(error);
        },
      },
    );
  });

let n = 0;
const procedures: [string, Allowed, Call][] = [
  ['health', ['anyone'], (c) => c.health.query()],
  ['auth.whoami', ['anyone'], (c) => c.auth.whoami.query()],
  ['users.create', ['service'], (c) => c.users.create.mutate({ email: `matrix${n++}@example.com`, name: 'Matrix' })],
  ['users.get', ['service', 'self'], (c) => c.users.get.query({ userId: alice.id })],
  ['users.list', ['service'], (c) => c.users.list.query({})],
  ['users.signUp', ['service'], (c) => c.users.signUp.mutate({ email: `matrix${n++}@example.com`, name: 'Matrix', keyName: 'matrix' })],
  ['credits.balance', ['service', 'self'], (c) => c.credits.balance.query({ userId: alice.id })],
  ['credits.recharge', ['service'], (c) => c.credits.recharge.mutate({ userId: alice.id, amount: 1 })],
  ['credits.reset', ['service'], (c) => c.credits.reset.mutate({ userId: alice.id })],
  ['credits.set', ['service'], (c) => c.credits.set.mutate({ userId: alice.id, balance: 100 })],
  ['credits.consume', ['service', 'self'], (c) => c.credits.consume.mutate({ userId: alice.id, amount: 0.0001 })],
  ['credits.buckets', ['service', 'self'], (c) => c.credits.buckets.query({ userId: alice.id })],
  ['credits.hold', ['service'], (c) => c.credits.hold.mutate({ userId: alice.id, amount: 0.0001 })],
  ['credits.capture', ['service'], async (c) => c.credits.capture.mutate({ holdId: (await service.caller().credits.hold({ userId: alice.id, amount: 0.0001 })).holdId, amount: 0.0001 })],
  ['credits.release', ['service'], async (c) => c.credits.release.mutate({ holdId: (await service.caller().credits.hold({ userId: alice.id, amount: 0.0001 })).holdId })],
  ['credits.holds', ['service', 'self'], (c) => c.credits.holds.query({ userId: alice.id })],
  ['credits.transactions', ['service', 'self'], (c) => c.credits.transactions.query({ userId: 'auth0|alice' })],
  ['credits.reconcile', [], (c) => c.credits.reconcile.query()],
  ['usage.record', ['service', 'self'], (c) => c.usage.record.mutate({ userId: alice.id, endpoint: '/chat', eventType: 'ai_chat', creditsCharged: 0.0001, charge: true })],
  ['usage.list', ['service', 'self'], (c) => c.usage.list.query({ userId: alice.id })],
  ['usage.stats', ['service', 'self'], (c) => c.usage.stats.query({ userId: 'auth0|alice' })],
  ['sessions.create', ['service', 'self'], (c) => c.sessions.create.mutate({ userId: alice.id })],
  ['sessions.list', ['service', 'self'], (c) => c.sessions.list.query({ userId: alice.id })],
  ['sessions.get', ['service', 'self', 'session'], (c) => c.sessions.get.query({ sessionId: aliceSession })],
  ['sessions.setStatus', ['service', 'self', 'session'], (c) => c.sessions.setStatus.mutate({ sessionId: aliceSession, status: 'active' })],
  ['sessions.addMessage', ['service', 'self', 'session'], (c) => c.sessions.addMessage.mutate({ sessionId: aliceSession, role: 'user', content: 'hi' })],
  ['sessions.messages', ['service', 'self', 'session'], (c) => c.sessions.messages.query({ sessionId: aliceSession })],
  ['grants.runDaily', [], (c) => c.grants.runDaily.mutate({ date: '2000-01-01' })],
  ['grants.status', [], (c) => c.grants.status.query({})],
  ['programs.list', [], (c) => c.programs.list.query()],
  ['programs.upsert', [], (c) => c.programs.upsert.mutate({ name: `matrix${n++}`, amount: 1, schedule: '0 0 1 1 *', mode: 'add', enabled: false })],
  ['programs.run', [], (c) => c.programs.run.mutate({ name: 'daily', period: new Date('2000-01-02T00:00:00Z') })],
  ['programs.remove', [], async (c) => {
    const name = `gone${n++}`;
    await service.caller().programs.upsert({ name, amount: 1, schedule: '0 0 1 1 *', mode: 'add', enabled: false });
    return c.programs.remove.mutate({ name });
  }],
  ['alerts.get', ['service', 'self'], (c) => c.alerts.get.query({ userId: alice.id })],
  ['alerts.set', ['service', 'self'], (c) => c.alerts.set.mutate({ userId: alice.id, lowBalance: 1 })],
  ['events.onBalance', ['service', 'self'], (c) => firstAnswer(c, alice.id)],
  ['webhooks.create', [], (c) => c.webhooks.create.mutate({ url: 'http://127.0.0.1:9/hook', events: ['balance.low'] })],
  ['webhooks.list', [], (c) => c.webhooks.list.query()],
  ['webhooks.update', [], async (c) => c.webhooks.update.mutate({ endpointId: await anEndpoint(), enabled: false })],
  ['webhooks.remove', [], async (c) => c.webhooks.remove.mutate({ endpointId: await anEndpoint() })],
  ['webhooks.rotateSecret', [], async (c) => c.webhooks.rotateSecret.mutate({ endpointId: await anEndpoint() })],
  ['webhooks.deliveries', [], async (c) => c.webhooks.deliveries.query({ endpointId: await anEndpoint() })],
  ['webhooks.redeliver', [], (c) => c.webhooks.redeliver.mutate({ deliveryId: 999_999 }).catch(notFoundIsAllowed)],
  ['stats.overview', ['service'], (c) => c.stats.overview.query({ from: '2026-01-01', to: '2026-01-31' })],
  ['schema.tables', [], (c) => c.schema.tables.query()],
  ['schema.describe', [], (c) => c.schema.describe.query({ table: 'users' })],
  ['schema.reflect', [], (c) => c.schema.reflect.query()],
  ['schema.history', [], (c) => c.schema.history.query({})],
  ['schema.createTable', [], (c) => c.schema.createTable.mutate({ table: 'matrix', columns: [{ name: 'id', type: 'integer' }], dryRun: true })],
  ['schema.addColumn', [], (c) => c.schema.addColumn.mutate({ table: 'users', column: { name: 'matrix', type: 'text' }, dryRun: true })],
  ['schema.update', [], (c) => c.schema.update.mutate({ sql: 'ALTER TABLE users ADD COLUMN matrix2 TEXT', dryRun: true })],
  ['schema.dropColumn', [], (c) => c.schema.dropColumn.mutate({ table: 'users', column: 'email', dryRun: true }).catch(protectedIsAllowed)],
  ['schema.dropTable', [], (c) => c.schema.dropTable.mutate({ table: 'users', dryRun: true }).catch(protectedIsAllowed)],
  ['apiKeys.create', [], (c) => c.apiKeys.create.mutate({ name: 'made in the matrix', scope: 'service' })],
  ['apiKeys.create (a user key)', ['service'], (c) => c.apiKeys.create.mutate({ name: 'signup', scope: 'user', userId: bob.id })],
  ['apiKeys.list', [], (c) => c.apiKeys.list.query({})],
  ['apiKeys.verify', ['service'], (c) => c.apiKeys.verify.mutate({ key: TEST_ADMIN_KEY, clientAddress: '192.0.2.1' })],
  [
    'apiKeys.revoke',
    [],
    async (c) => c.apiKeys.revoke.mutate({ id: (await service.caller().apiKeys.create({ name: 'to revoke', scope: 'service' })).id }),
  ],
];

const expectation: Record<string, (allowed: Allowed) => 'allow' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND'> = {
  none: () => 'UNAUTHORIZED',
  'revoked key': () => 'UNAUTHORIZED',
  'expired JWT': () => 'UNAUTHORIZED',
  'JWT for another audience': () => 'UNAUTHORIZED',
  'JWT from an unknown key': () => 'UNAUTHORIZED',
  'admin (ADMIN_API_KEY)': () => 'allow',
  'admin-scope key': () => 'allow',
  service: (a) => (a.includes('service') || a.includes('anyone') ? 'allow' : 'FORBIDDEN'),
  'user A key': (a) => (a.includes('self') || a.includes('anyone') ? 'allow' : 'FORBIDDEN'),
  'user A JWT': (a) => (a.includes('self') || a.includes('anyone') ? 'allow' : 'FORBIDDEN'),
  'user B key': (a) => (a.includes('anyone') ? 'allow' : a.includes('session') ? 'NOT_FOUND' : 'FORBIDDEN'),
};

async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'allow';
  } catch (error) {
    if (!isCreditsError(error)) throw error;
    errorTexts.push(error.message, JSON.stringify(error.shape));
    return error.code;
  }
}

describe('who may call what', () => {
  it('the matrix names every procedure', () => {
    const named = new Set(procedures.map(([path]) => path.split(' ')[0]));
    expect(Object.keys(appRouter._def.procedures).filter((path) => !named.has(path))).toEqual([]);
  });

  for (const principal of Object.keys(expectation)) {
    it(`as ${principal}`, async () => {
      // The principal's own credential, or none: not the admin key service.client() uses by default.
      const client = service.client({ apiKey: undefined, ...credentials[principal], retry: false, batch: false });
      const seen: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const [path, allowed, call] of procedures) {
        seen[path] = await outcome(call(client));
        expected[path] = expectation[principal]!(allowed);
      }
      expect(seen).toEqual(expected);
    });
  }
});

describe('a user never reaches another user, by any form of id', () => {
  for (const ref of ['bob.id', 'bob.externalId', 'String(bob.id)']) {
    it(`user A naming user B as ${ref}`, async () => {
      const userId = ref === 'bob.id' ? bob.id : ref === 'bob.externalId' ? bob.externalId! : String(bob.id);
      const before = await service.caller().credits.transactions({ userId: bob.id });
      const balance = (await service.caller().credits.balance({ userId: bob.id })).balance;
      for (const creds of [credentials['user A key']!, credentials['user A JWT']!]) {
        const client = service.client({ apiKey: undefined, ...creds, retry: false });
        const calls: Call[] = [
          (c) => c.users.get.query({ userId }),
          (c) => c.credits.balance.query({ userId }),
          (c) => c.credits.consume.mutate({ userId, amount: 1 }),
          (c) => c.credits.transactions.query({ userId }),
          (c) => c.credits.recharge.mutate({ userId, amount: 1 }),
          (c) => c.credits.set.mutate({ userId, balance: 0 }),
          (c) => c.credits.reset.mutate({ userId }),
        ];
        for (const call of calls) expect(await outcome(call(client))).toBe('FORBIDDEN');
      }
      expect(await service.caller().credits.transactions({ userId: bob.id })).toEqual(before);
      expect((await service.caller().credits.balance({ userId: bob.id })).balance).toBe(balance);
    });
  }
});

describe('secrets', () => {
  it('no key or token appears in any log line or error body of this file', () => {
    expect(logs.length).toBeGreaterThan(100);
    expect(errorTexts.length).toBeGreaterThan(50);
    const text = [...logs, ...errorTexts].join('\n');
    for (const secret of secrets) expect(text.includes(secret), `a secret (${secret.slice(0, 8)}…) leaked`).toBe(false);
  });
});
