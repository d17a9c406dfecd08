import { hasReason, isInsufficientCredits, isInvalidInput } from '@credits/client';
import type { RecordUsageInput } from '@credits/contract';
import { describe, expect, it } from 'vitest';
import { query } from '../src/db/sql';
import { holdBalanceLock, waitForLockWaiters } from './support/row-lock';
import { startTestService, useTestService } from './support/service';

const service = useTestService();
const event = { endpoint: '/api/chat/completion', eventType: 'ai_chat' };

async function state(userId: number) {
  const caller = service.caller();
  return {
    balance: (await caller.credits.balance({ userId })).balance,
    ledger: (await caller.credits.transactions({ userId, limit: 200 })).items.length,
    records: (await caller.usage.list({ userId, limit: 200 })).items.length,
  };
}

describe('usage.record', () => {
  it('records every field of the seed, and does not touch the balance unless asked to charge', async () => {
    const user = await service.newUser({ balance: 10, externalId: 'auth0|usage-1' });
    const session = await service.caller().sessions.create({ userId: user.id, title: 'Chat' });
    const input = {
      userId: 'auth0|usage-1',
      sessionId: session.sessionId,
      ...event,
      creditsCharged: 5,
      costUsd: 0.01,
      tokensUsed: 1500,
      promptTokens: 1000,
      completionTokens: 500,
      modelName: 'gpt-4',
      provider: 'openai',
      toolName: 'chat_service',
      operationName: 'generate_response',
      metadata: { source: 'web_app', nested: { a: [1, 2, { b: true }] } },
    };
    const record = await service.client().usage.record.mutate(input);
    const { userId: _ref, ...fields } = input;
    expect(record).toMatchObject({ ...fields, userId: user.id, transactionId: null, balanceAfter: null, replayed: false });
    expect(await state(user.id)).toEqual({ balance: 10, ledger: 1, records: 1 });
  });

  it('with charge, writes the record and its consume together, each pointing at the other', async () => {
    const user = await service.newUser({ balance: 10 });
    const record = await service.client().usage.record.mutate({ userId: user.id, ...event, creditsCharged: 2.5, charge: true });
    expect(record.balanceAfter).toBe(7.5);
    const [tx] = (await service.caller().credits.transactions({ userId: user.id, type: 'consume' })).items;
    expect(tx).toMatchObject({ id: record.transactionId, amount: -2.5, balanceBefore: 10, balanceAfter: 7.5, usageRecordId: record.id });
    expect((await service.caller().credits.reconcile()).ok).toBe(true);
  });

  it('a charge the balance cannot cover is PAYMENT_REQUIRED and writes no record', async () => {
    const user = await service.newUser({ balance: 1 });
    const error = await service.client({ retry: false }).usage.record.mutate({ userId: user.id, ...event, creditsCharged: 1.0001, charge: true }).catch((e: unknown) => e);
    expect(isInsufficientCredits(error) && error.data).toMatchObject({ balance: 1, required: 1.0001 });
    expect(await state(user.id)).toEqual({ balance: 1, ledger: 1, records: 0 });
  });

  it('a record that fails to insert takes its charge with it', async () => {
    const user = await service.newUser({ balance: 10 });
    // A fault injected into this test's database: the insert of one endpoint's records fails.
    await service.sql(`create function fail_insert() returns trigger language plpgsql as $$ begin raise exception 'disk full'; end $$`);
    await service.sql(`create trigger fail_insert before insert on usage_records for each row when (new.endpoint = '/explode') execute function fail_insert()`);
    try {
      const error = await service.client({ retry: false }).usage.record.mutate({ userId: user.id, endpoint: '/explode', eventType: 'x', creditsCharged: 3, charge: true }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
      expect(await state(user.id)).toEqual({ balance: 10, ledger: 1, records: 0 });
    } finally {
      await service.sql('drop trigger fail_insert on usage_records; drop function fail_insert()');
    }
  });

  it('charges once for one key, however many times and at once it is sent', async () => {
    const user = await service.newUser({ balance: 100 });
    const client = service.client({ batch: false, retry: false });
    const input = { userId: user.id, ...event, creditsCharged: 4, charge: true, idempotencyKey: 'usage-1' };
    const gate = await holdBalanceLock(service.databaseUrl, user.id);
    const calls = Array.from({ length: 20 }, () => client.usage.record.mutate(input));
    // The first waits on the row, the rest queue behind it and reach the database as one batch.
    await waitForLockWaiters(service.databaseUrl, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await gate.release();
    const results = await Promise.all(calls);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(results.every((r) => r.balanceAfter === 96)).toBe(true);
    expect(await state(user.id)).toEqual({ balance: 96, ledger: 2, records: 1 });
    const error = await client.usage.record.mutate({ ...input, creditsCharged: 5 }).catch((e: unknown) => e);
    expect(hasReason(error, 'IDEMPOTENCY_KEY_REUSED')).toBe(true);
  });

  it('charged records racing on one user, with keys of their own and with none, on two replicas: exactly what the balance covers', async () => {
    const user = await service.newUser({ balance: 60 });
    // Two service instances on one database: each combines its own queue into one statement, and
    // the two statements race for the user's row (held from outside until both are waiting).
    const replica = await startTestService({ databaseUrl: service.databaseUrl });
    try {
      const clients = [service, replica].flatMap((s) => [s.client({ batch: false, retry: false }), s.client({ batch: false, retry: false })]);
      const gate = await holdBalanceLock(service.databaseUrl, user.id);
      const calls = Array.from({ length: 120 }, (_, i) =>
        clients[i % 4]!.usage.record.mutate({ userId: user.id, ...event, creditsCharged: 1, charge: true, ...(i % 2 ? { idempotencyKey: `race-${i}` } : {}) }),
      );
      await waitForLockWaiters(service.databaseUrl, 2);
      await new Promise((resolve) => setTimeout(resolve, 500)); // every request has arrived by now
      await gate.release();
      const results = await Promise.allSettled(calls);

      const recorded = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      expect(recorded).toHaveLength(60);
      for (const error of refused) expect(isInsufficientCredits(error) && error.data).toMatchObject({ balance: 0, required: 1 });
      expect(refused).toHaveLength(60);
      // One after another, each from where the one before ended: the balance after each charge is
      // a different one of 59..0, and the ledger says the same of each record's consume.
      expect(recorded.map((r) => r.balanceAfter).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      const consumes = (await service.caller().credits.transactions({ userId: user.id, type: 'consume', limit: 200 })).items;
      expect(consumes.map((t) => [t.usageRecordId, t.balanceBefore, t.balanceAfter]).sort((a, b) => a[2]! - b[2]!)).toEqual(
        [...recorded].sort((a, b) => a.balanceAfter! - b.balanceAfter!).map((r) => [r.id, r.balanceAfter! + 1, r.balanceAfter]),
      );
      expect(await state(user.id)).toEqual({ balance: 0, ledger: 61, records: 60 });
      expect((await service.caller().credits.reconcile()).ok).toBe(true);
      // Both replicas combined (far fewer commits than records), so the race was between batches.
      const [counted] = await service.sql<{ commits: number }>('select count(distinct xmin::text)::int as commits from usage_records where user_id = ?', [user.id]);
      expect(counted!.commits).toBeLessThan(30);
    } finally {
      await replica.close();
    }
  });

  it('records once for one key when uncharged calls race', async () => {
    const user = await service.newUser();
    const client = service.client({ batch: false, retry: false });
    const results = await Promise.all(Array.from({ length: 20 }, () => client.usage.record.mutate({ userId: user.id, ...event, idempotencyKey: 'log-1' })));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect((await state(user.id)).records).toBe(1);
  });

  it('a session must be the user’s own', async () => {
    const alice = await service.newUser();
    const bob = await service.newUser();
    const bobs = await service.caller().sessions.create({ userId: bob.id });
    const client = service.client({ retry: false });
    for (const sessionId of [bobs.sessionId, '00000000-0000-4000-8000-000000000000']) {
      const error = await client.usage.record.mutate({ userId: alice.id, sessionId, ...event, creditsCharged: 1, charge: true }).catch((e: unknown) => e);
      expect(hasReason(error, 'SESSION_NOT_FOUND')).toBe(true);
    }
    expect(await state(alice.id)).toMatchObject({ records: 0 });
  });

  it('refuses input outside its limits, naming the field, and writes nothing', async () => {
    const user = await service.newUser({ balance: 5 });
    const client = service.client({ retry: false });
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 6; i++) deep = { deep };
    const cases: [Partial<Record<keyof RecordUsageInput, unknown>>, string, string][] = [
      [{ endpoint: 'e'.repeat(501) }, 'endpoint', 'must be at most 500 characters'],
      [{ eventType: '' }, 'eventType', 'must not be empty'],
      [{ tokensUsed: -1 }, 'tokensUsed', 'must be at least 0'],
      [{ tokensUsed: 1.5 }, 'tokensUsed', 'must be an integer'],
      [{ costUsd: 0.000000001 }, 'costUsd', 'must have at most 8 decimal places'],
      [{ creditsCharged: 1.00001 }, 'creditsCharged', 'must have at most 4 decimal places'],
      [{ charge: true }, 'creditsCharged', 'must be greater than 0 to charge'],
      [{ metadata: deep }, 'metadata', 'must not nest deeper than 5 levels'],
      [{ metadata: { blob: 'x'.repeat(17_000) } }, 'metadata', 'must be at most 16384 bytes as JSON'],
      [{ metadata: ['not', 'an', 'object'] }, 'metadata', 'must be a record'],
      [{ sessionId: 'not-a-uuid' }, 'sessionId', 'must be a session id (a UUID)'],
    ];
    for (const [change, path, message] of cases) {
      const error = await (client.usage.record.mutate as (i: unknown) => Promise<unknown>)({ userId: user.id, ...event, ...change }).catch((e: unknown) => e);
      expect(isInvalidInput(error), `${path}: ${JSON.stringify(error)}`).toBe(true);
      if (isInvalidInput(error)) expect(error.data.issues).toContainEqual({ path, message });
    }
    expect(await state(user.id)).toEqual({ balance: 5, ledger: 1, records: 0 });
  });
});

describe('usage.list', () => {
  it('walks every row once, newest first, while rows are being inserted', async () => {
    const user = await service.newUser();
    const caller = service.caller();
    for (let i = 0; i < 60; i++) await caller.usage.record({ userId: user.id, ...event, eventType: i % 3 ? 'ai_chat' : 'api_call' });
    const existing = (await caller.usage.list({ userId: user.id, limit: 200 })).items.map((r) => r.id);

    let inserting = true;
    const writer = (async () => {
      while (inserting) await caller.usage.record({ userId: user.id, ...event });
    })();
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof caller.usage.list>> = await caller.usage.list({ userId: user.id, limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    inserting = false;
    await writer;

    expect(new Set(seen).size).toBe(seen.length); // nothing twice
    for (const id of existing) expect(seen).toContain(id); // everything that was there, once
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    const apiCalls = await caller.usage.list({ userId: user.id, eventType: 'api_call', limit: 200 });
    expect(apiCalls.items).toHaveLength(20);
  });
});

describe('usage.stats', () => {
  it('equals sums computed independently over a few thousand random records and ranges', async () => {
    const user = await service.newUser();
    const caller = service.caller();
    const types = ['ai_chat', 'api_call', 'memory_storage', 'tool_use'];
    const models = ['gpt-4', 'gpt-3.5-turbo', 'claude', undefined];
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    const made: { id: number; type: string; model: string; credits: number; cost: number; tokens: number | null }[] = [];
    for (let i = 0; i < 2_500; i++) {
      const credits = Math.floor(Math.random() * 100_000) / 10_000; // up to 4 decimals
      const cost = Math.floor(Math.random() * 1_000_000) / 100_000_000; // up to 8 decimals
      const tokens = Math.random() < 0.2 ? undefined : Math.floor(Math.random() * 5_000);
      const model = pick(models);
      const r = await caller.usage.record({
        userId: user.id,
        ...event,
        eventType: pick(types),
        creditsCharged: credits,
        costUsd: cost,
        ...(tokens === undefined ? {} : { tokensUsed: tokens }),
        ...(model ? { modelName: model } : {}),
      });
      made.push({ id: r.id, type: r.eventType, model: model ?? 'unknown', credits, cost, tokens: tokens ?? null });
    }
    // Spread them over ten days, at random times (the API stamps them now).
    const base = Date.UTC(2031, 0, 1);
    const at = new Map(made.map((m) => [m.id, new Date(base + Math.floor(Math.random() * 10 * 86_400_000))]));
    await query(
      service.app.deps.orm.em.fork(),
      `update usage_records u set created_at = v.at from unnest($1::bigint[], $2::timestamptz[]) as v(id, at) where u.id = v.id`,
      [[...at.keys()], [...at.values()]],
    );

    // The model: integers of each unit (1e-4 credits, 1e-8 dollars), so no float rounding.
    const expected = (from?: Date, to?: Date) => {
      const rows = made.filter((m) => (!from || at.get(m.id)! >= from) && (!to || at.get(m.id)! <= to));
      const sum = (f: (m: (typeof made)[number]) => number, scale: number) => rows.reduce((s, m) => s + Math.round(f(m) * scale), 0) / scale;
      const group = (key: (m: (typeof made)[number]) => string) => {
        const out: Record<string, { records: number; creditsCharged: number }> = {};
        for (const k of new Set(rows.map(key))) {
          const inGroup = rows.filter((m) => key(m) === k);
          out[k] = { records: inGroup.length, creditsCharged: inGroup.reduce((s, m) => s + Math.round(m.credits * 1e4), 0) / 1e4 };
        }
        return out;
      };
      return {
        totalRecords: rows.length,
        totalCreditsCharged: sum((m) => m.credits, 1e4),
        totalCostUsd: sum((m) => m.cost, 1e8),
        totalTokensUsed: rows.reduce((s, m) => s + (m.tokens ?? 0), 0),
        byEventType: group((m) => m.type),
        byModel: group((m) => m.model),
        days: new Set(rows.map((m) => at.get(m.id)!.toISOString().slice(0, 10))).size,
        perDay: (key: (m: (typeof made)[number]) => string) => {
          const out = new Map<string, { date: string; key: string; records: number; units: number }>();
          for (const m of rows) {
            const date = at.get(m.id)!.toISOString().slice(0, 10);
            const entry = out.get(`${date} ${key(m)}`) ?? { date, key: key(m), records: 0, units: 0 };
            out.set(`${date} ${key(m)}`, { ...entry, records: entry.records + 1, units: entry.units + Math.round(m.credits * 1e4) });
          }
          return [...out.values()]
            .sort((a, b) => a.date.localeCompare(b.date) || a.key.localeCompare(b.key))
            .map(({ units, ...e }) => ({ ...e, creditsCharged: units / 1e4 }));
        },
      };
    };

    const day = (n: number) => new Date(base + n * 86_400_000);
    const ranges: [Date?, Date?][] = [
      [],
      [day(2.5), day(7.25)], // part days at both ends, whole days between
      [day(5)], // from a midnight, no end
      [undefined, day(0.3)], // inside the first day
      [day(3), day(6)], // midnight to midnight: the last instant of a range is inclusive
      [day(3), new Date(day(6).getTime() - 1)],
      [day(4.2), day(4.7)], // inside one day
      [day(4.9), day(5.1)], // across one midnight, no whole day
      [day(-1), day(20)],
    ];
    for (let i = 0; i < 6; i++) {
      const a = base + Math.random() * 10 * 86_400_000;
      const b = base + Math.random() * 10 * 86_400_000;
      ranges.push([new Date(Math.min(a, b)), new Date(Math.max(a, b))]);
    }
    for (const [from, to] of ranges) {
      const stats = await caller.usage.stats({ userId: user.id, ...(from ? { from } : {}), ...(to ? { to } : {}) });
      const { days, perDay, ...totals } = expected(from, to);
      expect(stats).toMatchObject(totals);
      expect(stats.dailyByEventType).toEqual(perDay((m) => m.type));
      expect(stats.dailyByModel).toEqual(perDay((m) => m.model));
      expect(stats.daily).toHaveLength(days);
      expect(stats.daily.reduce((s, d) => s + d.records, 0)).toBe(totals.totalRecords);
      expect(Math.round(stats.daily.reduce((s, d) => s + d.creditsCharged * 1e4, 0))).toBe(Math.round(totals.totalCreditsCharged * 1e4));
    }
  });
});
