import { createHash } from 'node:crypto';
import { hasReason, isCreditsError } from '@credits/client';
import { describe, expect, it, vi } from 'vitest';
import { createFailureLimiter } from '../src/auth/failure-limiter';
import { startTestService, TEST_ADMIN_KEY, useTestService } from './support/service';

const service = useTestService();

const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => 'ok',
    (error: unknown) => (isCreditsError(error) ? error.code : Promise.reject(error)),
  );

describe('API keys', () => {
  it('are shown once, stored only as their SHA-256, and listed by prefix', async () => {
    const admin = service.client();
    const created = await admin.apiKeys.create.mutate({ name: 'billing service', scope: 'service' });
    expect(created.key).toMatch(/^ck_live_[\w-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));

    const [row] = await service.sql('select * from api_keys where id = ?', [created.id]);
    expect(row!.key_hash).toBe(createHash('sha256').update(created.key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(created.key);

    const listed = (await admin.apiKeys.list.query({})).items.find((k) => k.id === created.id)!;
    expect(listed).toEqual({ ...created, key: undefined, lastUsedAt: null });
    expect(JSON.stringify(await admin.apiKeys.list.query({}))).not.toContain(created.key);
  });

  it('a user key needs its user, and other keys refuse one', async () => {
    const admin = service.client({ retry: false });
    const user = await service.newUser();
    await expect(admin.apiKeys.create.mutate({ name: 'u', scope: 'user' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin.apiKeys.create.mutate({ name: 's', scope: 'service', userId: user.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin.apiKeys.create.mutate({ name: 'u', scope: 'user', userId: 999_999 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const key = await admin.apiKeys.create.mutate({ name: 'u', scope: 'user', userId: user.id });
    expect(key).toMatchObject({ scope: 'user', userId: user.id });
  });

  it('a revoked key stops working at once', async () => {
    const admin = service.client();
    const created = await admin.apiKeys.create.mutate({ name: 'short-lived', scope: 'service' });
    const client = service.client({ apiKey: created.key, retry: false });
    expect(await codeOf(client.health.query())).toBe('ok');
    const revoked = await admin.apiKeys.revoke.mutate({ id: created.id });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await codeOf(client.health.query())).toBe('UNAUTHORIZED');
    expect((await admin.apiKeys.list.query({})).items.map((k) => k.id)).not.toContain(created.id);
    expect((await admin.apiKeys.list.query({ includeRevoked: true })).items.map((k) => k.id)).toContain(created.id);
    expect(await admin.apiKeys.revoke.mutate({ id: created.id })).toEqual(revoked); // again: no change
    await expect(admin.apiKeys.revoke.mutate({ id: 424_242 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('records when a key was last used, without a write on every request', async () => {
    const created = await service.client().apiKeys.create.mutate({ name: 'used', scope: 'service' });
    const client = service.client({ apiKey: created.key });
    await client.health.query();
    const [first] = await service.sql('select last_used_at, xmin::text as version from api_keys where id = ?', [created.id]);
    expect(first!.last_used_at).not.toBeNull();
    for (let i = 0; i < 5; i++) await client.health.query();
    const [later] = await service.sql('select last_used_at, xmin::text as version from api_keys where id = ?', [created.id]);
    expect(later).toEqual(first); // the same row version: not rewritten
  });

  it('accepts the seed-003 headers: x-api-key, and x-admin-key for admin keys only', async () => {
    const userKey = await service.client().apiKeys.create.mutate({ name: 'u', scope: 'user', userId: (await service.newUser()).id });
    const call = (headers: Record<string, string>) =>
      fetch(`${service.url}/trpc/apiKeys.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, { headers }).then((r) => r.status);
    expect(await call({ 'x-admin-key': TEST_ADMIN_KEY })).toBe(200);
    expect(await call({ 'x-api-key': TEST_ADMIN_KEY })).toBe(200);
    expect(await call({ 'x-api-key': userKey.key })).toBe(403);
    expect(await call({ 'x-admin-key': userKey.key })).toBe(401);
    expect(await call({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })).toBe(401);
    expect(await call({})).toBe(401);
  });
});

describe('failed attempts are rate limited per client address', () => {
  it('after the burst, even a good key is refused with 429 until the bucket refills', async () => {
    const limited = await startTestService({ authFailuresPerMinute: 3 });
    try {
      const bad = limited.client({ apiKey: 'ck_live_wrong', retry: false });
      const good = limited.client({ retry: false });
      for (let i = 0; i < 3; i++) expect(await codeOf(bad.health.query())).toBe('UNAUTHORIZED');
      const error = await bad.health.query().catch((e: unknown) => e);
      expect(hasReason(error, 'RATE_LIMITED')).toBe(true);
      if (hasReason(error, 'RATE_LIMITED')) {
        expect(error.code).toBe('TOO_MANY_REQUESTS');
        expect(error.data.retryAfterSeconds).toBeGreaterThan(0);
      }
      expect(await codeOf(good.health.query())).toBe('TOO_MANY_REQUESTS');
      // Calls without credentials are not attempts: they are simply UNAUTHORIZED.
      expect(await codeOf(limited.client({ apiKey: undefined, retry: false }).health.query())).toBe('UNAUTHORIZED');
    } finally {
      await limited.close();
    }
  });

  it('the window ends a minute after the first failure; other addresses are never affected', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] });
    try {
      const limiter = createFailureLimiter(6, 'memory', () => Promise.reject(new Error('not used')));
      for (let i = 0; i < 5; i++) await limiter.record('10.0.0.1');
      expect(await limiter.retryAfter('10.0.0.1')).toBe(0); // five of six: still allowed
      await limiter.record('10.0.0.1');
      expect(await limiter.retryAfter('10.0.0.1')).toBe(60);
      expect(await limiter.retryAfter('10.0.0.2')).toBe(0);
      vi.setSystemTime(59_000);
      expect(await limiter.retryAfter('10.0.0.1')).toBe(1);
      vi.setSystemTime(60_001);
      expect(await limiter.retryAfter('10.0.0.1')).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
