import { randomId } from '@credits/client';
import { afterEach, expect, it } from 'vitest';
import { useTestService } from './support/service';

/**
 * A browser offers crypto.randomUUID only in secure contexts: the console served over plain http
 * from another host has getRandomValues alone. The SDK's idempotency keys and request ids must
 * not depend on it.
 */

const service = useTestService();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const withoutRandomUUID = () => Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true });
afterEach(() => {
  delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID; // the prototype's again
});

it('makes v4 UUIDs from getRandomValues where randomUUID is missing', () => {
  withoutRandomUUID();
  const ids = Array.from({ length: 1_000 }, randomId);
  for (const id of ids) expect(id).toMatch(UUID_V4);
  expect(new Set(ids).size).toBe(ids.length);
});

it('sends mutations with idempotency keys where randomUUID is missing', async () => {
  const user = await service.newUser();
  withoutRandomUUID();
  const tx = await service.client().credits.recharge.mutate({ userId: user.id, amount: 3 });
  expect(tx.idempotencyKey).toMatch(UUID_V4);
});
