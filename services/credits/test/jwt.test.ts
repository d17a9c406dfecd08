import { hasReason, isCreditsError } from '@credits/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, type SigningKey, signingKey, startJwks, token } from './support/jwks';
import { startTestService, type TestService } from './support/service';

/** Auth0-style bearer tokens, verified against a JWKS this test serves on loopback. */

let jwks: Awaited<ReturnType<typeof startJwks>>;
let first: SigningKey;
let service: TestService;
let provisioning: TestService;

beforeAll(async () => {
  first = await signingKey('first');
  jwks = await startJwks([first]);
  const jwt = { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, jwksCooldownMs: 0 };
  service = await startTestService({ jwt });
  provisioning = await startTestService({ jwt, autoProvision: true });
});
afterAll(async () => {
  await service?.close();
  await provisioning?.close();
  await jwks?.close();
});

const as = (s: TestService, bearer: string) => s.client({ apiKey: undefined, getToken: () => bearer, retry: false });
const failure = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => {
      if (!isCreditsError(error)) throw error;
      return { code: error.code, message: error.message };
    },
  );

describe('JWT bearer tokens', () => {
  it("a valid token acts as the user whose external id is its sub", async () => {
    const user = await service.newUser({ balance: 3, externalId: 'auth0|jwt-1' });
    const client = as(service, await token(first, { sub: 'auth0|jwt-1' }));
    expect(await client.credits.balance.query({ userId: user.id })).toMatchObject({ balance: 3 });
    expect(await client.credits.consume.mutate({ userId: 'auth0|jwt-1', amount: 1 })).toMatchObject({ balanceAfter: 2 });
  });

  it('an unknown subject is NOT_FOUND when auto-provisioning is off', async () => {
    const client = as(service, await token(first, { sub: 'auth0|stranger', email: 's@example.com' }));
    expect(await failure(client.health.query())).toEqual({ code: 'NOT_FOUND', message: 'User not found: auth0|stranger' });
  });

  it('with auto-provisioning, a valid token for an unknown subject creates its user once, however many requests race', async () => {
    const bearer = await token(first, { sub: 'auth0|newcomer', email: 'Newcomer@Example.com', name: 'New Comer' });
    const results = await Promise.all(Array.from({ length: 10 }, () => as(provisioning, bearer).users.get.query({ userId: 'auth0|newcomer' })));
    expect(new Set(results.map((u) => u.id)).size).toBe(1);
    expect(results[0]).toMatchObject({ email: 'newcomer@example.com', name: 'New Comer', externalId: 'auth0|newcomer' });
    expect((await provisioning.caller().users.list({ search: 'newcomer@' })).items).toHaveLength(1);
    expect(await as(provisioning, bearer).credits.balance.query({ userId: 'auth0|newcomer' })).toMatchObject({ balance: 0 });
  });

  it('a token without a usable email cannot provision', async () => {
    const client = as(provisioning, await token(first, { sub: 'auth0|no-email' }));
    expect(await failure(client.health.query())).toEqual({
      code: 'UNAUTHORIZED',
      message: 'Invalid token: no usable email claim to create its user from',
    });
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 60 }, 'Invalid token: expired'],
    ['for another audience', { aud: 'https://elsewhere.test' }, 'Invalid token: its aud claim is not accepted'],
    ['from another issuer', { iss: 'https://evil.test/' }, 'Invalid token: its iss claim is not accepted'],
    ['without a subject', { sub: undefined }, 'Invalid token: no sub claim'],
  ])('a token %s is UNAUTHORIZED', async (name, claims, message) => {
    const sub = `auth0|${name.replaceAll(' ', '-')}`;
    await service.newUser({ externalId: sub });
    const base = { sub, ...claims };
    const expiry = 'exp' in claims ? (claims.exp as number) : '5m';
    const client = as(service, await token(first, base, expiry));
    expect(await failure(client.health.query())).toEqual({ code: 'UNAUTHORIZED', message });
  });

  it('a tampered token is UNAUTHORIZED', async () => {
    await service.newUser({ externalId: 'auth0|tamper' });
    const [header, , signature] = (await token(first, { sub: 'auth0|tamper' })).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'auth0|tamper', exp: 9999999999 })).toString('base64url');
    expect(await failure(as(service, `${header}.${forged}.${signature}`).health.query())).toEqual({
      code: 'UNAUTHORIZED',
      message: 'Invalid token: bad signature',
    });
  });

  it('follows key rotation: a new kid fetches the key set again, and a retired key stops working', async () => {
    await service.newUser({ externalId: 'auth0|rotation' });
    const old = await token(first, { sub: 'auth0|rotation' });
    await as(service, old).health.query();
    const fetchesBefore = jwks.fetches;

    const second = await signingKey('second');
    jwks.publish([second]);
    await expect(as(service, await token(second, { sub: 'auth0|rotation' })).health.query()).resolves.toEqual({ status: 'healthy' });
    expect(jwks.fetches).toBe(fetchesBefore + 1);
    expect(await failure(as(service, old).health.query())).toMatchObject({ code: 'UNAUTHORIZED' });

    jwks.publish([first, second]); // the old key published again: fetched again, accepted again
    await expect(as(service, old).health.query()).resolves.toEqual({ status: 'healthy' });
  });

  it('an issuer whose key set cannot be fetched is SERVICE_UNAVAILABLE, which the SDK retries', async () => {
    const unreachable = await startTestService({
      jwt: { jwksUrl: 'http://127.0.0.1:9/jwks.json', issuer: ISSUER, audience: AUDIENCE, jwksCooldownMs: 0 },
    });
    try {
      await unreachable.newUser({ externalId: 'auth0|offline' });
      const error = await as(unreachable, await token(first, { sub: 'auth0|offline' })).health.query().catch((e: unknown) => e);
      expect(isCreditsError(error) && error.code).toBe('SERVICE_UNAVAILABLE');
      expect(isCreditsError(error) && error.data?.httpStatus).toBe(503);
    } finally {
      await unreachable.close();
    }
  });

  it('an API key still works beside JWTs, and a bad JWT is counted as a failed attempt', async () => {
    expect(await service.client().health.query()).toEqual({ status: 'healthy' });
    const error = await as(service, 'aaa.bbb.ccc').health.query().catch((e: unknown) => e);
    expect(hasReason(error, 'INVALID_CREDENTIALS')).toBe(true);
  });
});
