import { isInvalidInput } from '@credits/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestService } from './support/service';

const service = useTestService();
let userId: number;
beforeAll(async () => {
  userId = (await service.newUser({ balance: 42.5 })).id;
});

/** Calls the SDK over HTTP with input its types forbid, as a buggy or hostile caller would. */
function call(procedure: 'recharge' | 'consume' | 'set' | 'reset', input: Record<string, unknown>) {
  const client = service.client({ retry: false });
  return (client.credits[procedure].mutate as (i: unknown) => Promise<unknown>)(input);
}

async function expectBadRequest(promise: Promise<unknown>, path: string, message: RegExp) {
  const error = await promise.then(
    () => {
      throw new Error('expected BAD_REQUEST, the call succeeded');
    },
    (e: unknown) => e,
  );
  expect(isInvalidInput(error)).toBe(true);
  if (!isInvalidInput(error)) return;
  expect(error.code).toBe('BAD_REQUEST');
  expect(error.data.httpStatus).toBe(400);
  const issue = error.data.issues.find((i) => i.path === path);
  expect(issue, `an issue at ${path} in ${JSON.stringify(error.data.issues)}`).toBeDefined();
  expect(issue!.message).toMatch(message);
  expect(error.message).toContain(`Invalid input: ${path}`);
}

async function expectNothingWritten() {
  const caller = service.caller();
  expect((await caller.credits.balance({ userId })).balance).toBe(42.5);
  expect((await caller.credits.transactions({ userId })).items).toHaveLength(1);
}

const badAmounts: [string, unknown, RegExp][] = [
  ['zero', 0, /greater than 0/],
  ['negative', -5, /greater than 0/],
  ['five decimal places', 1.00001, /at most 4 decimal places/],
  ['a tiny fraction', 0.00001, /at most 4 decimal places/],
  ['a float sum', 0.1 + 0.2, /at most 4 decimal places/],
  ['NaN', Number.NaN, /finite number/],
  ['Infinity', Number.POSITIVE_INFINITY, /finite number/],
  ['-Infinity', Number.NEGATIVE_INFINITY, /finite number/],
  ['over 1e12', 1e12 + 1, /at most 1000000000000/],
  ['far over 1e12', 1e300, /at most 1000000000000/],
  ['a string', '5', /finite number/],
  ['null', null, /finite number/],
  ['missing', undefined, /^is required$/],
];

describe('amounts outside the rules are BAD_REQUEST, and nothing is written', () => {
  for (const procedure of ['recharge', 'consume'] as const) {
    for (const [name, amount, message] of badAmounts) {
      it(`${procedure}: ${name}`, async () => {
        await expectBadRequest(call(procedure, { userId, amount }), 'amount', message);
        await expectNothingWritten();
      });
    }
  }

  const badBalances: [string, unknown, RegExp][] = [
    ['negative', -0.0001, /must not be negative/],
    ['five decimal places', 1.23456, /at most 4 decimal places/],
    ['NaN', Number.NaN, /finite number/],
    ['Infinity', Number.POSITIVE_INFINITY, /finite number/],
    ['over 1e12', 1e12 + 0.5, /at most 1000000000000/],
    ['a string', '10', /finite number/],
  ];
  for (const [name, balance, message] of badBalances) {
    it(`set: ${name}`, async () => {
      await expectBadRequest(call('set', { userId, balance }), 'balance', message);
      await expectNothingWritten();
    });
  }
});

describe('other fields', () => {
  // Inputs are built when the test runs: `userId` exists only after beforeAll.
  const cases: [string, 'recharge' | 'consume' | 'set' | 'reset', () => Record<string, unknown>, string, RegExp][] = [
    ['userId 0', 'recharge', () => ({ userId: 0, amount: 1 }), 'userId', /^must be greater than 0$/],
    ['userId -3', 'consume', () => ({ userId: -3, amount: 1 }), 'userId', /^must be greater than 0$/],
    ['userId 1.5', 'consume', () => ({ userId: 1.5, amount: 1 }), 'userId', /^must be a positive integer id or a non-empty external id string$/],
    ['userId empty', 'reset', () => ({ userId: '' }), 'userId', /^must not be empty$/],
    ['userId missing', 'reset', () => ({}), 'userId', /^must be a positive integer id or a non-empty external id string$/],
    ['userId an object', 'reset', () => ({ userId: { id: 1 } }), 'userId', /^must be a positive integer id or a non-empty external id string$/],
    ['idempotencyKey empty', 'recharge', () => ({ userId, amount: 1, idempotencyKey: '' }), 'idempotencyKey', /^must not be empty$/],
    ['idempotencyKey with a space', 'recharge', () => ({ userId, amount: 1, idempotencyKey: 'a b' }), 'idempotencyKey', /printable ASCII/],
    ['idempotencyKey of 256 chars', 'recharge', () => ({ userId, amount: 1, idempotencyKey: 'k'.repeat(256) }), 'idempotencyKey', /^must be at most 255 characters$/],
    ['idempotencyKey with the grant prefix', 'recharge', () => ({ userId, amount: 1, idempotencyKey: 'daily:2026-01-01' }), 'idempotencyKey', /reserved prefix/],
    ['description of 501 chars', 'recharge', () => ({ userId, amount: 1, description: 'd'.repeat(501) }), 'description', /^must be at most 500 characters$/],
    ['referenceId of 256 chars', 'recharge', () => ({ userId, amount: 1, referenceId: 'r'.repeat(256) }), 'referenceId', /^must be at most 255 characters$/],
    ['usageRecordId 0', 'consume', () => ({ userId, amount: 1, usageRecordId: 0 }), 'usageRecordId', /^must be greater than 0$/],
    ['reason of 501 chars', 'set', () => ({ userId, balance: 1, reason: 'r'.repeat(501) }), 'reason', /^must be at most 500 characters$/],
  ];
  for (const [name, procedure, input, path, message] of cases) {
    it(`${procedure}: ${name}`, async () => {
      await expectBadRequest(call(procedure, input()), path, message);
      await expectNothingWritten();
    });
  }

  it('transactions: limits, cursors, types and ranges', async () => {
    const client = service.client({ retry: false });
    const list = client.credits.transactions.query as (i: unknown) => Promise<unknown>;
    await expectBadRequest(list({ userId, limit: 0 }), 'limit', /^must be at least 1$/);
    await expectBadRequest(list({ userId, limit: 201 }), 'limit', /^must be at most 200$/);
    await expectBadRequest(list({ userId, type: 'steal' }), 'type', /^must be one of "recharge", "consume"/);
    await expectBadRequest(list({ userId, from: new Date(2000), to: new Date(1000) }), 'from', /not be after/);
    const error = await list({ userId, cursor: 'not-a-cursor' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', message: 'cursor: not a cursor this service returned' });
  });

  it('boundary values are accepted: 0.0001 and exactly 1e12', async () => {
    const caller = service.caller();
    const { id } = await caller.users.create({ email: 'edge@example.com', name: 'Edge' });
    expect((await caller.credits.recharge({ userId: id, amount: 1e12 })).balanceAfter).toBe(1e12);
    expect((await caller.credits.consume({ userId: id, amount: 0.0001 })).balanceAfter).toBe(999999999999.9999);
    expect((await caller.credits.set({ userId: id, balance: 0 })).balanceAfter).toBe(0);
  });
});
