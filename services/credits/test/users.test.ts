import { hasReason, isInvalidInput } from '@credits/client';
import { describe, expect, it } from 'vitest';
import { useTestService } from './support/service';

const service = useTestService();

describe('users', () => {
  it('creates a user with a zero balance, email normalised', async () => {
    const client = service.client();
    const user = await client.users.create.mutate({ email: '  Ada@Example.COM ', name: 'Ada Lovelace', externalId: 'auth0|ada' });
    expect(user).toMatchObject({ email: 'ada@example.com', name: 'Ada Lovelace', externalId: 'auth0|ada' });
    expect(user.id).toBeGreaterThan(0);
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(await client.users.get.query({ userId: user.id })).toEqual(user);
    expect(await client.users.get.query({ userId: 'auth0|ada' })).toEqual(user);
    expect(await client.credits.balance.query({ userId: user.id })).toMatchObject({ balance: 0 });
  });

  it('a taken email is CONFLICT naming it, whatever its case', async () => {
    const client = service.client({ retry: false });
    await client.users.create.mutate({ email: 'grace@example.com', name: 'Grace' });
    const error = await client.users.create.mutate({ email: 'GRACE@example.com', name: 'Other' }).catch((e: unknown) => e);
    expect(hasReason(error, 'EMAIL_TAKEN')).toBe(true);
    if (!hasReason(error, 'EMAIL_TAKEN')) return;
    expect(error.code).toBe('CONFLICT');
    expect(error.data.email).toBe('grace@example.com');
    expect(error.message).toBe('A user with email grace@example.com already exists');
  });

  it('a taken external id is CONFLICT naming it', async () => {
    const client = service.client({ retry: false });
    await client.users.create.mutate({ email: 'x1@example.com', name: 'X1', externalId: 'auth0|x' });
    const error = await client.users.create.mutate({ email: 'x2@example.com', name: 'X2', externalId: 'auth0|x' }).catch((e: unknown) => e);
    expect(hasReason(error, 'EXTERNAL_ID_TAKEN') && error.data.externalId).toBe('auth0|x');
    expect((await client.users.list.query({ search: 'x2@' })).items).toHaveLength(0);
  });

  it('bad input is BAD_REQUEST and creates nothing', async () => {
    const client = service.client({ retry: false });
    const create = client.users.create.mutate as (i: unknown) => Promise<unknown>;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ email: 'not-an-email', name: 'N' }, 'email', 'must be a valid email address'],
      [{ email: 'n@example.com' }, 'name', 'is required'],
      [{ email: 'n@example.com', name: '   ' }, 'name', 'must not be empty'],
      [{ email: 'n@example.com', name: 'n'.repeat(201) }, 'name', 'must be at most 200 characters'],
      [{ email: `${'e'.repeat(250)}@example.com`, name: 'N' }, 'email', 'must be at most 254 characters'],
      [{ email: 'n@example.com', name: 'N', externalId: 'has space' }, 'externalId', 'must be printable ASCII without spaces'],
    ];
    for (const [input, path, message] of cases) {
      const error = await create(input).catch((e: unknown) => e);
      expect(isInvalidInput(error)).toBe(true);
      if (isInvalidInput(error)) expect(error.data.issues).toContainEqual({ path, message });
    }
    expect((await client.users.list.query({ search: 'n@example.com' })).items).toHaveLength(0);
  });

  it('an unknown user is NOT_FOUND', async () => {
    const client = service.client({ retry: false });
    await expect(client.users.get.query({ userId: 424242 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'User not found: 424242' });
    await expect(client.users.get.query({ userId: 'auth0|ghost' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('create with an idempotency key: a retry returns the same user, other details are CONFLICT', async () => {
    const caller = service.caller();
    const input = { email: 'idem@example.com', name: 'Idem', idempotencyKey: 'signup-1' };
    const results = await Promise.all(Array.from({ length: 10 }, () => caller.users.create(input)));
    expect(new Set(results.map((u) => u.id)).size).toBe(1);
    await expect(caller.users.create({ ...input, name: 'Someone else' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await caller.users.list({ search: 'idem@' })).items).toHaveLength(1);
  });

  it('calls batched into one HTTP request each get their own unit of work', async () => {
    const client = service.client({ retry: false });
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.users.create.mutate({ email: `batch${i}@example.com`, name: `Batch ${i}` })),
    );
    expect(new Set(created.map((u) => u.id)).size).toBe(10);
    const error = await Promise.all([
      client.users.create.mutate({ email: 'batch0@example.com', name: 'Again' }),
      client.users.create.mutate({ email: 'batch-new@example.com', name: 'New' }),
    ]).catch((e: unknown) => e);
    expect(hasReason(error, 'EMAIL_TAKEN')).toBe(true);
    expect(await client.users.get.query({ userId: created[9]!.id })).toEqual(created[9]);
  });

  it('lists in id order with cursor pages, and searches email and name literally', async () => {
    const caller = service.caller();
    for (let i = 0; i < 12; i++) await caller.users.create({ email: `page${i}@list.test`, name: i === 3 ? 'Percent 100%_off' : `Pager ${i}` });
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof caller.users.list>> = await caller.users.list({ search: '@list.test', limit: 5, ...(cursor ? { cursor } : {}) });
      ids.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toHaveLength(12);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    expect((await caller.users.list({ search: '100%_' })).items.map((u) => u.name)).toEqual(['Percent 100%_off']);
    expect((await caller.users.list({ search: '%' })).items).toHaveLength(1); // % is a character, not a wildcard
    expect((await caller.users.list({ search: 'PAGER 1' })).items.map((u) => u.name)).toEqual(['Pager 1', 'Pager 10', 'Pager 11']);
  });

  it('searches the external id too, in part and in any case', async () => {
    const caller = service.caller();
    const ada = await caller.users.create({ email: 'ada@search.test', name: 'Ada', externalId: 'auth0|Qx-Lovelace-1815' });
    await caller.users.create({ email: 'bob@search.test', name: 'Bob', externalId: 'auth0|babbage' });
    expect((await caller.users.list({ search: 'qx-lovelace' })).items.map((u) => u.id)).toEqual([ada.id]);
    expect((await caller.users.list({ search: 'AUTH0|QX-LOVELACE-1815' })).items.map((u) => u.id)).toEqual([ada.id]);
  });
});
