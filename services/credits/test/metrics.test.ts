import { isInsufficientCredits } from '@credits/client';
import { describe, expect, it } from 'vitest';
import { metric, scrape } from './support/metrics';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

const METRICS_TOKEN = 'metrics-token-0123456789';
const service = useTestService({ metricsToken: METRICS_TOKEN });

/** The change of each named sample across `work`. */
async function delta(work: () => Promise<unknown>, samples: Record<string, [string, Record<string, string>?]>) {
  const before = await scrape(service.url, METRICS_TOKEN);
  await work();
  const after = await scrape(service.url, METRICS_TOKEN);
  return Object.fromEntries(
    Object.entries(samples).map(([key, [name, labels]]) => [key, round(metric(after, name, labels) - metric(before, name, labels))]),
  );
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

describe('GET /metrics', () => {
  it('answers the metrics token and admin credentials only', async () => {
    const get = (headers: Record<string, string>) => fetch(`${service.url}/metrics`, { headers });
    expect((await get({})).status).toBe(401);
    expect((await get({ authorization: 'Bearer not-the-metrics-token' })).status).toBe(401);
    const user = await service.newUser();
    const userKey = await service.caller().apiKeys.create({ name: 'u', scope: 'user', userId: user.id });
    expect((await get({ authorization: `Bearer ${userKey.key}` })).status).toBe(401);

    const byToken = await get({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await byToken.text()).toMatch(/^# HELP credits_calls_total /m);
    expect((await get({ authorization: `Bearer ${TEST_ADMIN_KEY}` })).status).toBe(200);
  });

  it('counts calls, ledger rows, credits moved, refusals and replays as they happen', async () => {
    const user = await service.newUser({ balance: 10 });
    const client = service.client();
    const moved = await delta(
      async () => {
        await client.credits.consume.mutate({ userId: user.id, amount: 2.5, idempotencyKey: 'm-1' });
        const replay = await client.credits.consume.mutate({ userId: user.id, amount: 2.5, idempotencyKey: 'm-1' });
        expect(replay.replayed).toBe(true);
        const refused = await client.credits.consume.mutate({ userId: user.id, amount: 100 }).catch((e: unknown) => e);
        expect(isInsufficientCredits(refused)).toBe(true);
        await client.credits.recharge.mutate({ userId: user.id, amount: 4 });
        await client.usage.record.mutate({ userId: user.id, endpoint: '/chat', eventType: 'chat', creditsCharged: 1.25, charge: true });
        await client.credits.reset.mutate({ userId: user.id }); // 10 - 2.5 + 4 - 1.25 = 10.25 reset to 0
      },
      {
        consumeOk: ['credits_calls_total', { procedure: 'credits.consume', outcome: 'ok', principal: 'admin' }],
        consumeRefused: ['credits_calls_total', { procedure: 'credits.consume', outcome: 'PAYMENT_REQUIRED' }],
        consumeTimed: ['credits_call_duration_seconds_count', { procedure: 'credits.consume', outcome: 'ok' }],
        consumeRows: ['credits_ledger_operations_total', { type: 'consume' }],
        consumeCredits: ['credits_ledger_credits_total', { type: 'consume' }],
        rechargeCredits: ['credits_ledger_credits_total', { type: 'recharge' }],
        resetCredits: ['credits_ledger_credits_total', { type: 'reset' }],
        replays: ['credits_idempotent_replays_total', { procedure: 'credits.consume' }],
        insufficient: ['credits_insufficient_credits_total', { procedure: 'credits.consume' }],
      },
    );
    expect(moved).toEqual({
      consumeOk: 2,
      consumeRefused: 1,
      consumeTimed: 2,
      consumeRows: 2, // the consume and the charged usage record; the replay wrote nothing
      consumeCredits: 3.75,
      rechargeCredits: 4,
      resetCredits: 10.25,
      replays: 1,
      insufficient: 1,
    });
  });

  it('labels failures with their code and the caller kind, before any procedure runs', async () => {
    const stranger = service.client({ apiKey: 'ck_live_not-a-key', retry: false });
    const counted = await delta(() => stranger.credits.balance.query({ userId: 1 }).catch(() => undefined), {
      unauthorized: ['credits_calls_total', { procedure: 'credits.balance', outcome: 'UNAUTHORIZED', principal: 'none' }],
    });
    expect(counted.unauthorized).toBe(1);
  });

  it('counts grant runs, the users they paid and their ledger rows', async () => {
    for (let i = 0; i < 3; i++) await service.newUser();
    let granted = -1;
    const counted = await delta(
      async () => {
        granted = (await service.client().grants.runDaily.mutate({ date: '2025-03-01' })).granted;
        await service.client().grants.runDaily.mutate({ date: '2025-03-01' }); // finds the day done
      },
      {
        runs: ['credits_grant_runs_total', { outcome: 'completed' }],
        users: ['credits_grant_users_granted_total'],
        timed: ['credits_grant_run_duration_seconds_count'],
        rows: ['credits_ledger_operations_total', { type: 'grant' }],
        credits: ['credits_ledger_credits_total', { type: 'grant' }],
      },
    );
    expect(granted).toBeGreaterThanOrEqual(3);
    expect(counted).toEqual({ runs: 2, users: granted, timed: 2, rows: granted, credits: granted * 5 });
  });

  it('reports the database pool as it fills and drains', async () => {
    // The event pollers borrow connections on their own schedule: stopped, so the pool holds only what this test takes.
    await Promise.all([service.app.webhooks.stop(), service.app.deps.events.stop()]);
    const pool = await service.app.deps.orm.em.getConnection().getNativeClient();
    const held = await Promise.all(Array.from({ length: 4 }, () => pool.connect()));
    const busy = await scrape(service.url, METRICS_TOKEN);
    for (const client of held) client.release();
    const idle = await scrape(service.url, METRICS_TOKEN);

    expect(metric(busy, 'credits_db_pool_max')).toBe(20);
    expect(metric(busy, 'credits_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(4);
    expect(metric(busy, 'credits_db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(metric(idle, 'credits_db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(
      metric(busy, 'credits_db_pool_connections', { state: 'idle' }) + 4,
    );
  });

  it('reports event-loop lag, which a blocked loop raises', async () => {
    await scrape(service.url, METRICS_TOKEN); // the lag histogram restarts at each scrape
    // Node skips the first timer interval after a restart: block the loop a few 20 ms ticks later.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const until = performance.now() + 300;
    while (performance.now() < until); // the test and the service share this process's loop
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = await scrape(service.url, METRICS_TOKEN);
    expect(metric(text, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0.2);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
  });
});
