import { hasReason, isInvalidInput } from '@credits/client';
import type { SessionStatus } from '@credits/contract';
import { describe, expect, it } from 'vitest';
import { useTestService } from './support/service';

const service = useTestService();

describe('sessions', () => {
  it('are created active with a UUID, and listed newest first, active only on request', async () => {
    const user = await service.newUser({ externalId: 'auth0|sessions' });
    const client = service.client();
    const first = await client.sessions.create.mutate({ userId: 'auth0|sessions', title: 'Chat about AI', metadata: { source: 'web_app' } });
    expect(first).toMatchObject({ userId: user.id, title: 'Chat about AI', status: 'active', messageCount: 0, totalTokens: 0, totalCostUsd: 0 });
    expect(first.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await client.sessions.get.query({ sessionId: first.sessionId })).toEqual({ ...first, replayed: undefined });

    for (let i = 0; i < 11; i++) await client.sessions.create.mutate({ userId: user.id, title: `s${i}` });
    await client.sessions.setStatus.mutate({ sessionId: first.sessionId, status: 'completed' });
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof client.sessions.list.query>> = await client.sessions.list.query({ userId: user.id, limit: 5, ...(cursor ? { cursor } : {}) });
      ids.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toHaveLength(12);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const active = await client.sessions.list.query({ userId: user.id, activeOnly: true, limit: 50 });
    expect(active.items).toHaveLength(11);
    expect(active.items.map((s) => s.id)).not.toContain(first.id);
  });

  it('create with an idempotency key returns the same session when retried', async () => {
    const user = await service.newUser();
    const caller = service.caller();
    const a = await caller.sessions.create({ userId: user.id, title: 'Once', idempotencyKey: 'session-1' });
    const b = await caller.sessions.create({ userId: user.id, title: 'Once', idempotencyKey: 'session-1' });
    expect(b).toEqual({ ...a, replayed: true });
    await expect(caller.sessions.create({ userId: user.id, title: 'Other', idempotencyKey: 'session-1' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(caller.sessions.create({ userId: 999_999, title: 'Nobody' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await caller.sessions.list({ userId: user.id })).items).toHaveLength(1);
  });

  it('moves only along the documented transitions; every other move is BAD_REQUEST', async () => {
    const user = await service.newUser();
    const caller = service.caller();
    // Every move, written out (not read from the table under test): the README's "active ⇄ paused,
    // either to completed or archived, completed to archived"; a move to the status a session
    // already has changes nothing and succeeds (a retried call).
    const moves: [SessionStatus, SessionStatus, 'moves' | 'stays' | 'refused'][] = [
      ['active', 'active', 'stays'],
      ['active', 'paused', 'moves'],
      ['active', 'completed', 'moves'],
      ['active', 'archived', 'moves'],
      ['paused', 'active', 'moves'],
      ['paused', 'paused', 'stays'],
      ['paused', 'completed', 'moves'],
      ['paused', 'archived', 'moves'],
      ['completed', 'active', 'refused'],
      ['completed', 'paused', 'refused'],
      ['completed', 'completed', 'stays'],
      ['completed', 'archived', 'moves'],
      ['archived', 'active', 'refused'],
      ['archived', 'paused', 'refused'],
      ['archived', 'completed', 'refused'],
      ['archived', 'archived', 'stays'],
    ];
    // What a refusal says may be done instead.
    const allowedFrom: Partial<Record<SessionStatus, SessionStatus[]>> = { completed: ['archived'], archived: [] };
    // Reach each status by a legal path, then try the move from it.
    const pathTo: Record<SessionStatus, SessionStatus[]> = { active: [], paused: ['paused'], completed: ['completed'], archived: ['archived'] };
    for (const [from, to, expected] of moves) {
      const { sessionId } = await caller.sessions.create({ userId: user.id });
      for (const step of pathTo[from]) await caller.sessions.setStatus({ sessionId, status: step });
      const outcome = await service
        .client({ retry: false })
        .sessions.setStatus.mutate({ sessionId, status: to })
        .then(
          (s) => s.status,
          (e: unknown) => e,
        );
      if (expected !== 'refused') expect(outcome, `${from} -> ${to}`).toBe(to);
      else {
        expect(hasReason(outcome, 'ILLEGAL_TRANSITION'), `${from} -> ${to}`).toBe(true);
        if (hasReason(outcome, 'ILLEGAL_TRANSITION')) {
          expect(outcome.code).toBe('BAD_REQUEST');
          expect(outcome.data).toMatchObject({ from, to, allowed: allowedFrom[from] });
        }
      }
      expect((await caller.sessions.get({ sessionId })).status, `${from} -> ${to}`).toBe(expected === 'moves' ? to : from);
    }
  });

  it('keeps its totals equal to the sums of its messages under 50 concurrent additions', async () => {
    const user = await service.newUser();
    const { sessionId } = await service.caller().sessions.create({ userId: user.id });
    const client = service.client({ batch: false, retry: false });
    const sent = Array.from({ length: 50 }, (_, i) => ({ tokens: i * 7 + 1, cost: ((i % 9) * 10_000 + i) / 1e8 }));
    await Promise.all(
      sent.map((m, i) =>
        client.sessions.addMessage.mutate({ sessionId, role: i % 2 ? 'assistant' : 'user', content: `message ${i}`, tokensUsed: m.tokens, costUsd: m.cost }),
      ),
    );
    const session = await client.sessions.get.query({ sessionId });
    const messages = (await client.sessions.messages.query({ sessionId, limit: 200 })).items;
    expect(messages).toHaveLength(50);
    expect(session.messageCount).toBe(50);
    expect(session.totalTokens).toBe(sent.reduce((s, m) => s + m.tokens, 0));
    const units = (n: number) => Math.round(n * 1e8);
    expect(units(session.totalCostUsd)).toBe(sent.reduce((s, m) => s + units(m.cost), 0));
    expect(units(session.totalCostUsd)).toBe(messages.reduce((s, m) => s + units(m.costUsd), 0));
    // Oldest first: ids ascending, and the walk with a cursor sees each once.
    expect([...messages].sort((a, b) => a.id - b.id)).toEqual(messages);
    const walked: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof client.sessions.messages.query>> = await client.sessions.messages.query({ sessionId, limit: 8, ...(cursor ? { cursor } : {}) });
      walked.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toEqual(messages.map((m) => m.id));
  });

  it('takes messages while open (active or paused), refuses them when closed', async () => {
    const user = await service.newUser();
    const caller = service.caller();
    const { sessionId } = await caller.sessions.create({ userId: user.id });
    const add = () => service.client({ retry: false }).sessions.addMessage.mutate({ sessionId, role: 'user', content: 'hello' });
    await add();
    await caller.sessions.setStatus({ sessionId, status: 'paused' });
    await add();
    for (const status of ['completed', 'archived'] as const) {
      await caller.sessions.setStatus({ sessionId, status });
      const error = await add().catch((e: unknown) => e);
      expect(hasReason(error, 'SESSION_CLOSED') && error.data).toMatchObject({ status, sessionId });
      expect(hasReason(error, 'SESSION_CLOSED') && error.code).toBe('BAD_REQUEST');
    }
    expect((await caller.sessions.get({ sessionId })).messageCount).toBe(2);
  });

  it('a message sent twice with its key is added once', async () => {
    const user = await service.newUser();
    const { sessionId } = await service.caller().sessions.create({ userId: user.id });
    const client = service.client({ batch: false, retry: false });
    const input = { sessionId, role: 'user' as const, content: 'only once', tokensUsed: 3, idempotencyKey: 'msg-1' };
    const results = await Promise.all(Array.from({ length: 10 }, () => client.sessions.addMessage.mutate(input)));
    expect(new Set(results.map((m) => m.id)).size).toBe(1);
    expect(await client.sessions.get.query({ sessionId })).toMatchObject({ messageCount: 1, totalTokens: 3 });
    await expect(client.sessions.addMessage.mutate({ ...input, content: 'something else' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses messages and sessions outside the limits', async () => {
    const user = await service.newUser();
    const { sessionId } = await service.caller().sessions.create({ userId: user.id });
    const client = service.client({ retry: false });
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => client.sessions.addMessage.mutate({ sessionId, role: 'user', content: 'x'.repeat(65_537) }), 'content', 'must be at most 65536 bytes'],
      [() => client.sessions.addMessage.mutate({ sessionId, role: 'user', content: '' }), 'content', 'must not be empty'],
      [() => (client.sessions.addMessage.mutate as (i: unknown) => Promise<unknown>)({ sessionId, role: 'robot', content: 'hi' }), 'role', 'must be one of "user", "assistant", "system", "tool"'],
      [() => client.sessions.addMessage.mutate({ sessionId, role: 'user', content: 'hi', tokensUsed: -5 }), 'tokensUsed', 'must be at least 0'],
      [() => client.sessions.create.mutate({ userId: user.id, title: 't'.repeat(201) }), 'title', 'must be at most 200 characters'],
      [() => client.sessions.create.mutate({ userId: user.id, metadata: { a: { b: { c: { d: { e: { f: 1 } } } } } } }), 'metadata', 'must not nest deeper than 5 levels'],
      [() => client.sessions.messages.query({ sessionId, limit: 500 }), 'limit', 'must be at most 200'],
      [() => (client.sessions.setStatus.mutate as (i: unknown) => Promise<unknown>)({ sessionId, status: 'deleted' }), 'status', 'must be one of "active", "paused", "completed", "archived"'],
    ];
    for (const [call, path, message] of cases) {
      const error = await call().catch((e: unknown) => e);
      expect(isInvalidInput(error), path).toBe(true);
      if (isInvalidInput(error)) expect(error.data.issues).toContainEqual({ path, message });
    }
    expect((await client.sessions.get.query({ sessionId })).messageCount).toBe(0);
  });

  it('a user reaches only its own sessions: another user’s is NOT_FOUND', async () => {
    const alice = await service.newUser();
    const bob = await service.newUser();
    const bobs = await service.caller().sessions.create({ userId: bob.id });
    const aliceKey = await service.caller().apiKeys.create({ name: 'alice', scope: 'user', userId: alice.id });
    const asAlice = service.client({ apiKey: aliceKey.key, retry: false });
    const calls = [
      () => asAlice.sessions.get.query({ sessionId: bobs.sessionId }),
      () => asAlice.sessions.setStatus.mutate({ sessionId: bobs.sessionId, status: 'archived' }),
      () => asAlice.sessions.addMessage.mutate({ sessionId: bobs.sessionId, role: 'user', content: 'hi' }),
      () => asAlice.sessions.messages.query({ sessionId: bobs.sessionId }),
    ];
    for (const call of calls) expect(hasReason(await call().catch((e: unknown) => e), 'SESSION_NOT_FOUND')).toBe(true);
    expect(await service.caller().sessions.get({ sessionId: bobs.sessionId })).toMatchObject({ status: 'active', messageCount: 0 });
    const own = await asAlice.sessions.create.mutate({ userId: alice.id });
    await expect(asAlice.sessions.addMessage.mutate({ sessionId: own.sessionId, role: 'user', content: 'mine' })).resolves.toMatchObject({ content: 'mine' });
  });
});
