import { createCreditsClient } from '@credits/client';
import { EVENT_TYPES } from '@credits/contract';
import { describe, expect, it, onTestFinished } from 'vitest';
import { collect, startReceiver, until } from '../support/events';
import { freePort } from '../support/ports';
import { startServiceProcess } from '../support/process';
import { startTestService, TEST_ADMIN_KEY } from '../support/service';

describe('events across replicas and crashes', () => {
  it('2,000 mixed changes on two replicas, one SIGKILLed twice: every event delivered at least once, none invented; SSE subscribers miss nothing', { timeout: 240_000 }, async () => {
    const first = await startTestService();
    const env = {
      DATABASE_URL: first.databaseUrl,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'warn',
      DAILY_GRANT_ENABLED: 'false',
      WEBHOOKS_ALLOW_PRIVATE: 'true',
      WEBHOOKS_BACKOFF_SCALE: '0.001',
      EVENTS_POLL_MS: '20',
      // The same port after each restart: the killed replica's subscribers reconnect to it.
      PORT: String(await freePort()),
    };
    let secret = '';
    const receiver = await startReceiver(() => secret);
    const admin = first.client();
    const endpoint = await admin.webhooks.create.mutate({ url: receiver.url, events: [...EVENT_TYPES] });
    secret = endpoint.secret;
    const users = await Promise.all(Array.from({ length: 20 }, () => first.newUser({ balance: 30 })));
    for (const user of users.slice(0, 10)) await admin.alerts.set.mutate({ userId: user.id, lowBalance: 20 });
    const mark = BigInt((await first.sql<{ m: string }>(`select coalesce(max(id), 0)::text as m from credit_transactions`))[0]!.m);

    let second = await startServiceProcess(env);
    // Whatever the outcome: a failed run must not leave a replica running for the next test.
    onTestFinished(async () => {
      await second.stop('SIGKILL');
      await receiver.close();
      await first.close();
    });
    const clients = () => [first.client({ retry: { retries: 10 } }), createCreditsClient({ url: second.url, apiKey: TEST_ADMIN_KEY, retry: { retries: 10 } })];
    // Subscribers on both replicas, one per user per replica; the killed replica's reconnect with their last id.
    const streams = users.flatMap((user) => [collect(first.client(), user.id, mark.toString()), collect(createCreditsClient({ url: second.url, apiKey: TEST_ADMIN_KEY }), user.id, mark.toString())]);

    let done = 0;
    const work = async (worker: number) => {
      // Each user's calls fall for 20, then rise for 20: a user with a threshold crosses it both ways.
      for (let i = worker; i < 2_400; i += 16) {
        const [a, b] = clients();
        const client = i % 2 === 0 ? a! : b!;
        const user = users[i % users.length]!;
        const key = `mix-${i}`;
        try {
          if (Math.floor(i / users.length) % 40 >= 20) await client.credits.recharge.mutate({ userId: user.id, amount: 2, idempotencyKey: key });
          else await client.credits.consume.mutate({ userId: user.id, amount: 2, idempotencyKey: key });
        } catch {
          // Refused (insufficient) or the replica died mid-call and the retries ran out: either way the ledger says what happened.
        }
        done++;
      }
    };
    const killer = (async () => {
      for (const at of [700, 1_600]) {
        await until(() => done >= at, 120_000, `${at} changes`);
        await second.stop('SIGKILL');
        second = await startServiceProcess(env);
      }
    })();
    await Promise.all([...Array.from({ length: 16 }, (_, w) => work(w)), killer]);

    // The truth: the ledger's rows and derived events after the mark.
    const truth = await first.sql<{ id: string; type: string; user_id: number }>(
      `select id as n, id::text as id, 'transaction.created' as type, user_id from credit_transactions where id > ?
       union all select id, id::text, type, user_id from credit_events where id > ? order by n`,
      [mark.toString(), mark.toString()],
    );
    expect(truth.filter((e) => e.type === 'transaction.created').length).toBeGreaterThanOrEqual(2_000);
    expect(truth.filter((e) => e.type === 'balance.low').length).toBeGreaterThan(0);
    expect(truth.filter((e) => e.type === 'balance.recovered').length).toBeGreaterThan(0);
    const received = () => [...receiver.byId.keys()].filter((id) => BigInt(id.slice('evt_'.length)) > mark);
    await until(() => received().length >= truth.length, 120_000, 'every event at its receiver');
    expect(receiver.bad).toEqual([]);
    expect(new Set(received())).toEqual(new Set(truth.map((e) => `evt_${e.id}`)));
    for (const e of truth) expect(receiver.byId.get(`evt_${e.id}`)?.type).toBe(e.type);

    // SSE: each user's subscribers on the surviving replica got all of that user's events in order
    // (the other replica's died with it twice; their clients reconnected with their last id).
    for (const [i, user] of users.entries()) {
      const expected = truth.filter((e) => e.user_id === user.id).map((e) => e.id);
      for (const stream of [streams[2 * i]!, streams[2 * i + 1]!]) {
        await until(() => stream.events.length >= expected.length, 20_000, `user ${user.id}'s stream`).catch((error) => {
          const got = new Set(stream.events.map((e) => e.id));
          const missing = truth.filter((e) => e.user_id === user.id && !got.has(e.id));
          throw new Error(`${error}: missing ${JSON.stringify(missing)} of ${expected.length} (last ${expected.at(-1)}); errors ${stream.errors.map(String)}; stream ${streams.indexOf(stream)} states ${stream.states}; first ids ${stream.events.slice(0, 5).map((e) => e.id)}`);
        });
        expect(stream.events.map((e) => e.id)).toEqual(expected);
      }
    }
    for (const s of streams) s.stop();
  });
});
