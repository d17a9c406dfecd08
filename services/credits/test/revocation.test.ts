import { isCreditsError } from '@credits/client';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service';

/**
 * Verified API keys are cached per replica (no lookup per request); a revocation must still be
 * refused everywhere at once: within a second on every replica, whether it can LISTEN or must poll.
 */

const services: TestService[] = [];
afterAll(() => Promise.all(services.map((s) => s.close())));

async function replicas(listen: 'listen' | 'poll') {
  const first = await startTestService(listen === 'poll' ? { databaseListenUrl: 'off' } : {});
  const second = await startTestService({ databaseUrl: first.databaseUrl, ...(listen === 'poll' ? { databaseListenUrl: 'off' as const } : {}) });
  services.push(first, second);
  return [first, second] as const;
}

const outcome = (call: Promise<unknown>) => call.then(() => 'ok', (e: unknown) => (isCreditsError(e) ? e.code : String(e)));

for (const listen of ['listen', 'poll'] as const) {
  describe(`a revoked key (${listen})`, () => {
    it('is refused on the other replica within a second, though that replica had it cached', async () => {
      const [a, b] = await replicas(listen);
      const key = await a.client().apiKeys.create.mutate({ name: `revocation ${listen}`, scope: 'service' });
      const onB = b.client({ apiKey: key.key, retry: false, batch: false });
      // Used on B: from here B answers it from its cache, without a lookup.
      expect(await outcome(onB.users.list.query({}))).toBe('ok');
      await a.client().apiKeys.revoke.mutate({ id: key.id });
      const revokedAt = performance.now();
      let refusedAfter = Number.POSITIVE_INFINITY;
      while (performance.now() - revokedAt < 3_000) {
        if ((await outcome(onB.users.list.query({}))) === 'UNAUTHORIZED') {
          refusedAfter = performance.now() - revokedAt;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(refusedAfter).toBeLessThan(1_000);
      // And on A, at once.
      expect(await outcome(a.client({ apiKey: key.key, retry: false }).users.list.query({}))).toBe('UNAUTHORIZED');
    });
  });
}

describe('the key cache', () => {
  it('answers a known key without looking it up again', async () => {
    const [a] = await replicas('listen');
    const key = await a.client().apiKeys.create.mutate({ name: 'cached', scope: 'service' });
    const client = a.client({ apiKey: key.key, batch: false, retry: false });
    await client.users.list.query({});
    // With api_keys locked from outside, a lookup would wait (and time out): the calls go through.
    const lock = new pg.Client({ connectionString: a.databaseUrl });
    await lock.connect();
    await lock.query('begin');
    await lock.query('lock table api_keys in access exclusive mode');
    try {
      for (let i = 0; i < 20; i++) expect(await outcome(client.users.list.query({}))).toBe('ok');
    } finally {
      await lock.query('rollback');
      await lock.end();
    }
  });
});
