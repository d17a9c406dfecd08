import { createCreditsClient, isCreditsError } from '@credits/client';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testConfig, useTestService } from './support/service';

/** users.signUp: a user, its key and its first credits, in one transaction. */

const service = useTestService({ timeouts: { ...testConfig().timeouts, statementTimeoutMs: 500 } });

describe('users.signUp', () => {
  it('makes the user, a working user key and the first credits together', async () => {
    const made = await service.client().users.signUp.mutate({ email: 'Signed.Up@example.com', name: 'Signed Up', credits: 100, keyName: 'web sign-up' });
    expect(made).toMatchObject({ user: { email: 'signed.up@example.com', name: 'Signed Up' }, apiKey: { scope: 'user', userId: made.user.id, name: 'web sign-up' }, balance: 100 });
    const asUser = createCreditsClient({ url: service.url, apiKey: made.apiKey.key });
    expect(await asUser.credits.balance.query({ userId: made.user.id })).toMatchObject({ balance: 100 });
    expect((await service.caller().credits.transactions({ userId: made.user.id })).items).toEqual([
      expect.objectContaining({ type: 'recharge', amount: 100, idempotencyKey: 'signup', balanceAfter: 100 }),
    ]);
    expect((await service.caller().credits.reconcile()).ok).toBe(true);
  });

  it('a taken email is CONFLICT', async () => {
    await service.client().users.signUp.mutate({ email: 'taken@example.com', name: 'First', keyName: 'k' });
    const error = await service.client({ retry: false }).users.signUp.mutate({ email: 'TAKEN@example.com', name: 'Second', keyName: 'k' }).catch((e: unknown) => e);
    expect(isCreditsError(error) && error.data?.reason).toBe('EMAIL_TAKEN');
  });

  it('a sign-up that fails at the key leaves nothing behind: the email is free again', async () => {
    // The key step cannot finish while api_keys is locked: the statement times out after the user was inserted.
    const lock = new pg.Client({ connectionString: service.databaseUrl });
    await lock.connect();
    await lock.query('begin');
    await lock.query('lock table api_keys in access exclusive mode');
    const email = 'half-way@example.com';
    const failed = await service.client({ retry: false }).users.signUp.mutate({ email, name: 'Half', credits: 100, keyName: 'k' }).catch((e: unknown) => e);
    await lock.query('commit');
    await lock.end();
    expect(isCreditsError(failed) && failed.code).toBe('GATEWAY_TIMEOUT');
    expect((await service.caller().users.list({ email })).items).toEqual([]);
    const made = await service.client().users.signUp.mutate({ email, name: 'Half', credits: 100, keyName: 'k' });
    expect(made.balance).toBe(100);
  });
});
